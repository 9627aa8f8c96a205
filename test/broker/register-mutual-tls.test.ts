// Mutual TLS from the broker to a register instance that asks for it: the broker presents the client certificate
// its CA issued (`admin pki issue-register-client`, REGISTER_CLIENT_CERT_FILE), trusts the register's server certificate through REGISTER_CA_FILE,
// and an instance reached without that identity is unreachable. A real HTTPS endpoint demanding client
// certificates stands in front of the simulated insurer.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ConfigError, envToConfig, readEnv } from '../../broker/config/config.ts';
import { loadRegisterClientTls } from '../../broker/config/secrets.ts';
import { sandboxDirectoryEntries } from '../../broker/directory/sandbox-directory.ts';
import { keyFilesFor } from '../helpers/broker-process.ts';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const CITIZEN = '86095742719';
const BARMER = '104940005';

function admin(env: Record<string, string>, ...args: string[]): string {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'broker/ops/admin-cli.ts', ...args], {
    // Key files in a temporary directory of its database unless the test names them: never ./data in the repository.
    env: { ...process.env, ...(env.DATABASE_URL === undefined ? {} : keyFilesFor(env.DATABASE_URL)), ...env },
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`admin ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  return res.stdout;
}

describe('mutual TLS from the broker to a register instance', function () {
  this.timeout(60_000);
  let h: Harness;
  let dir: string;
  let front: Server;
  const clientNames: string[] = [];

  before(async function () {
    const db = await testDatabase('sqlite');
    if (!db) return this.skip();
    dir = mkdtempSync(path.join(tmpdir(), 'register-mtls-'));
    // The broker's client certificate from its CA (the admin tool), and the register's server certificate from the
    // same CA here for brevity (a real register's comes from its own PKI, trusted through REGISTER_CA_FILE).
    const env = { DATABASE_URL: `file:${path.join(dir, 'admin.db')}`, CA_DIR: path.join(dir, 'ca'), LOG_LEVEL: 'silent' };
    admin(env, 'pki', 'init');
    expect(admin(env, 'pki', 'issue-register-client', '--out', path.join(dir, 'client'))).to.match(/for evidence-broker written to/);
    admin(env, 'pki', 'issue-server', '--host', '127.0.0.1', '--out', path.join(dir, 'register'));
    const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');
    const ca = { certPem: read('ca/ca.crt') };
    const server = { certPem: read('register.crt'), keyPem: read('register.key') };
    const registerClientTls = { certFile: path.join(dir, 'client.crt'), keyFile: path.join(dir, 'client.key'), caFile: path.join(dir, 'ca', 'ca.crt') };
    h = await startHarness(db, { config: { registerClientTls } });

    // The insurer's HTTPS endpoint: only clients with a certificate of the CA get through, to the simulated instance.
    const target = h.sims.instances.find((i) => i.id === 'gkv-barmer')!.url;
    front = createHttpsServer({ cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, async (req, res) => {
      clientNames.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const answer = await fetch(target, { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: Buffer.concat(chunks) });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' }).end(Buffer.from(await answer.arrayBuffer()));
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const consent = await h.call('POST', '/v1/consents', {
      body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ['maternity-benefit'], purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(consent.status).to.equal(201);
  });
  after(async () => {
    front?.closeAllConnections();
    await new Promise((resolve) => (front ? front.close(resolve) : resolve(null)));
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const pointBarmer = async (mutualTls: boolean) => {
    const entry = sandboxDirectoryEntries(h.sims.instances, new Date()).find((e) => e.definition.id === 'gkv-barmer')!;
    const endpointUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}/gkv-barmer`;
    await h.broker.ctx.registers.import([{ ...entry, definition: { ...entry.definition, endpointUrl, mutualTls } }]);
    await h.broker.ctx.directory.refresh();
  };
  const ask = () =>
    h.call('POST', '/v1/evidence-requests', {
      body: { citizen: { idNr: CITIZEN }, evidenceTypes: ['maternity-benefit'], purpose: 'elterngeld', caseReference: 'EG-MTLS', routing: { ...ROUTING, insurerIk: BARMER } },
    });

  it('presents the broker’s client certificate and delivers', async () => {
    await pointBarmer(true);
    const res = await ask();
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.evidence[0]).to.deep.include({ status: 'delivered' });
    expect(res.body.evidence[0].provenance.register).to.equal('gkv-barmer');
    expect(clientNames.at(-1)).to.equal('evidence-broker');
  });

  it('reads its configuration together, and refuses a pair that is not a TLS identity at start-up', () => {
    expect(() => envToConfig(readEnv({ REGISTER_CLIENT_CERT_FILE: 'client.crt' }))).to.throw(ConfigError, /^invalid REGISTER_CLIENT_KEY_FILE: .* go together$/);
    expect(() => envToConfig(readEnv({ REGISTER_CA_FILE: 'ca.crt' }))).to.throw(ConfigError, /^invalid REGISTER_CA_FILE: /);
    expect(envToConfig(readEnv({})).registerClientTls).to.equal(null);
    const mismatched = { certFile: path.join(dir, 'client.crt'), keyFile: path.join(dir, 'register.key'), caFile: null };
    expect(() => loadRegisterClientTls({ registerClientTls: mismatched })).to.throw(ConfigError, /^invalid REGISTER_CLIENT_CERT_FILE: /);
    expect(() => loadRegisterClientTls({ registerClientTls: { ...mismatched, keyFile: path.join(dir, 'missing.key') } })).to.throw(ConfigError, /^invalid REGISTER_CLIENT_KEY_FILE: .*cannot be read/);
  });

  it('cannot reach the register without that identity (the flag off: no client certificate, no trust in its CA)', async () => {
    await pointBarmer(false);
    const before = clientNames.length;
    const res = await ask();
    expect(res.body.evidence[0].reason.code).to.equal('MATERNITY_BENEFIT_UNREACHABLE');
    expect(clientNames.length).to.equal(before);
  });
});
