// Trust over mutual TLS, with certificates issued by the admin tool's CA: the certificate says who an
// authority is, the directory says what it may do; unknown, foreign and revoked certificates are refused.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { sandboxTrust } from '../../adapters/sandbox-trust.ts';
import { startSimulators, type Simulators } from '../../adapters/simulators.ts';
import { seedSandboxDirectory } from '../../broker/directory/sandbox-directory.ts';
import { ConfigError, envToConfig, readEnv, registerSigningWith } from '../../broker/config/config.ts';
import { keyFilesFor } from '../helpers/broker-process.ts';
import { ROUTING } from '../helpers/harness.ts';
import { testConfig } from '../helpers/test-config.ts';
import { createCsr, generateKeyPem, initCa, issueCertificate } from '../../broker/directory/ca.ts';
import { startBroker, type RunningBroker } from '../../broker/http/server.ts';

const CITIZEN = '86095742719';

function admin(env: Record<string, string>, ...args: string[]) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'broker/ops/admin-cli.ts', ...args], {
    // Key files in a temporary directory of its database unless the test names them: never ./data in the repository.
    env: { ...process.env, ...(env.DATABASE_URL === undefined ? {} : keyFilesFor(env.DATABASE_URL)), ...env },
    encoding: 'utf8',
  });
  expect(res.status, `${args.join(' ')}: ${res.stderr}`).to.equal(0);
  return res.stdout;
}

interface Reply {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

function request(url: string, opts: { method?: string; body?: unknown; cert?: string; key?: string; ca: string; token?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = https.request(
      url,
      {
        method: opts.method ?? 'GET',
        ca: opts.ca,
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('mutual TLS with certificates from the broker\'s CA', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'broker-mtls-'));
  const env = { DATABASE_URL: `file:${path.join(dir, 'broker.db')}`, CA_DIR: path.join(dir, 'ca'), LOG_LEVEL: 'silent' };
  let sims: Simulators;
  let broker: RunningBroker;
  let ca: string;
  let client: { cert: string; key: string };
  let serial: string;

  before(async () => {
    admin(env, 'pki', 'init');
    admin(env, 'participants', 'add', '--id', 'elterngeld-mtls', '--name', 'Elterngeldstelle mTLS', '--region', 'DE-HE', '--evidence-types', 'salary,income', '--purposes', 'elterngeld');
    serial = /certificate (\S+) for/.exec(admin(env, 'pki', 'issue', '--participant', 'elterngeld-mtls', '--out', path.join(dir, 'client')))![1]!;
    admin(env, 'pki', 'issue-server', '--host', '127.0.0.1,localhost', '--out', path.join(dir, 'server'));
    ca = readFileSync(path.join(dir, 'ca', 'ca.crt'), 'utf8');
    client = { cert: readFileSync(path.join(dir, 'client.crt'), 'utf8'), key: readFileSync(path.join(dir, 'client.key'), 'utf8') };
    sims = await startSimulators({ ports: { salary: 0, 'maternity-benefit': 0, income: 0 } });
    broker = await startBroker(
      testConfig({
        port: 0,
        databaseUrl: env.DATABASE_URL,
        caDir: env.CA_DIR,
        tls: { certFile: path.join(dir, 'server.crt'), keyFile: path.join(dir, 'server.key'), clientCaFile: path.join(dir, 'ca', 'ca.crt') },
        headersTimeoutMs: 1500,
      }),
    );
    await seedSandboxDirectory(broker.ctx.registers, sims.instances, new Date());
    await broker.ctx.directory.refresh();
    const citizen = await broker.ctx.tokens.issue({ citizenIdNr: CITIZEN }, 'test');
    const consent = await request(`${broker.url}/v1/consents`, {
      method: 'POST',
      ca,
      token: citizen,
      body: { citizen: { idNr: CITIZEN }, grantee: 'elterngeld-mtls', evidenceTypes: ['salary', 'income'], purpose: 'elterngeld', validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(consent.status).to.equal(201);
  });
  after(async () => {
    await broker?.close();
    await sims?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps private keys on disk readable by their owner only', () => {
    for (const file of [path.join(dir, 'ca', 'ca.key'), path.join(dir, 'client.key'), path.join(dir, 'server.key')]) {
      expect((spawnSync('stat', ['-c', '%a', file], { encoding: 'utf8' }).stdout.trim()), file).to.equal('600');
    }
  });

  it('runs a full evidence request as the authority its certificate names', async () => {
    const me = await request(`${broker.url}/v1/me`, { ca, ...client });
    expect(me.body).to.deep.include({ kind: 'participant', participantId: 'elterngeld-mtls' });
    expect(me.headers['strict-transport-security']).to.equal('max-age=31536000');
    const res = await request(`${broker.url}/v1/evidence-requests`, {
      method: 'POST',
      ca,
      ...client,
      body: { citizen: { idNr: CITIZEN }, evidenceTypes: ['salary', 'income'], purpose: 'elterngeld', caseReference: 'EG-TLS-1', routing: ROUTING },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.status).to.equal('complete');
  });

  it('still applies the directory: a purpose the authority may not use is refused', async () => {
    const res = await request(`${broker.url}/v1/evidence-requests`, {
      method: 'POST',
      ca,
      ...client,
      body: { citizen: { idNr: CITIZEN }, evidenceTypes: ['salary'], purpose: 'wohngeld', caseReference: 'EG-TLS-2' },
    });
    expect(res.status).to.equal(403);
  });

  it('refuses a certificate from another CA, and a caller with neither certificate nor token', async () => {
    const foreignDir = path.join(dir, 'foreign');
    const foreign = initCa(foreignDir, 'Somebody Else CA');
    const { keyPem } = generateKeyPem();
    const cert = issueCertificate(foreign, { csrPem: createCsr(keyPem, 'elterngeld-mtls'), commonName: 'elterngeld-mtls', use: 'client', validityDays: 30 });
    expect((await request(`${broker.url}/v1/me`, { ca, cert: cert.certPem, key: keyPem })).status).to.equal(401);
    expect((await request(`${broker.url}/v1/me`, { ca })).status).to.equal(401);
  });

  it('refuses a revoked certificate at the next request', async () => {
    admin(env, 'pki', 'revoke', serial);
    const res = await request(`${broker.url}/v1/me`, { ca, ...client });
    expect(res.status).to.equal(401);
    expect(res.body.detail).to.match(/revoked/);
  });

  it('cuts a connection that never starts its TLS handshake, after HEADERS_TIMEOUT_MS', async () => {
    const socket = connect(broker.port, '127.0.0.1');
    const started = Date.now();
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 8000);
      socket.once('close', () => (clearTimeout(timer), resolve(true)));
      socket.once('error', () => undefined);
    });
    socket.destroy();
    expect(closed).to.equal(true);
    expect(Date.now() - started).to.be.within(1000, 6000);
  });

  it('speaks no plain HTTP on its port', async () => {
    const plain = broker.url.replace('https://', 'http://');
    const outcome = await fetch(`${plain}/healthz`).then((r) => r.status, () => 'refused');
    expect(outcome).not.to.equal(200);
  });
});

describe('production mode', () => {
  it('refuses to start without HTTPS or with the demo', () => {
    expect(() => envToConfig(readEnv({ BROKER_MODE: 'production' }))).to.throw(ConfigError, /TLS_CERT_FILE/);
    expect(() => envToConfig(readEnv({ BROKER_MODE: 'production', BROKER_DEMO: 'true', TLS_CERT_FILE: 'a', TLS_KEY_FILE: 'b' }))).to.throw(ConfigError, /BROKER_DEMO/);
    expect(envToConfig(readEnv({ BROKER_MODE: 'production', TLS_CERT_FILE: 'a', TLS_KEY_FILE: 'b' })).demo).to.equal(false);
    // Registers are directory entries now: a variable of the time before is refused, not silently ignored.
    expect(() => readEnv({ BROKER_MODE: 'production', INCOME_REGISTER_URL: 'https://register.example/income' })).to.throw(ConfigError, /^invalid INCOME_REGISTER_URL: registers are entries of the register directory/);
  });

  it('refuses demo tokens', async () => {
    const sims = await startSimulators({ ports: { salary: 0, 'maternity-benefit': 0, income: 0 } });
    const dir = mkdtempSync(path.join(tmpdir(), 'broker-prod-'));
    // Production mode pins the registers' certificates and signs with a key of its own (never the sandbox's by default).
    const registerSigning = registerSigningWith(sandboxTrust().broker);
    const broker = await startBroker(testConfig({ port: 0, databaseUrl: `file:${path.join(dir, 'b.db')}`, mode: 'production', registerSigning }));
    try {
      await broker.ctx.participants.upsert({ id: 'a', name: 'A', kind: 'authority', region: 'DE-BE', evidenceTypes: ['income'], purposes: ['wohngeld'], legalBases: [] }, new Date());
      const demo = await broker.ctx.tokens.issue({ participantId: 'a' }, 'demo');
      const real = await broker.ctx.tokens.issue({ participantId: 'a' }, 'fachverfahren');
      const call = (token: string) => fetch(`${broker.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      expect(await call(demo)).to.equal(401);
      expect(await call(real)).to.equal(200);
    } finally {
      await broker.close();
      await sims.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
