// Several brokers on one database share one register directory: a change made with the admin CLI (a third
// process) is used by both broker processes within 10 s, on PostgreSQL and on SQLite. The brokers sign with the
// same configured keys, which the first one's demo simulators pin; the second runs without a demo of its own.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EVIDENCE_TYPES } from '../../adapters/index.ts';
import { sandboxBrokerIdentity } from '../../adapters/sandbox-trust.ts';
import { SANDBOX_ROUTING } from '../../broker/directory/sandbox-directory.ts';
import { runAdmin } from '../helpers/admin-process.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';

interface Broker {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

function startBroker(env: Record<string, string>): Promise<Broker> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'broker/main.ts'], {
    env: { ...process.env, PORT: '0', SIMULATOR_PORTS: EVIDENCE_TYPES.map(() => '0').join(','), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      // The demo broker is ready once its banner is complete; the other once it listens.
      if (url && (env.BROKER_DEMO === 'false' || output.includes('Try it:'))) {
        clearTimeout(timer);
        resolve({ child, url, output: () => output, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`exited with ${code} before it listened:\n${output}`)));
  });
}

function admin(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; output: string }> {
  return runAdmin(args, { LOG_LEVEL: 'warn', ...env }).then((r) => ({ code: r.code, output: r.stdout + r.stderr }));
}

for (const kind of DATABASE_KINDS) {
  describe(`two brokers, one register directory (${kind})`, function () {
    this.timeout(120_000);
    let dir: string;
    let env: Record<string, string>;
    let drop: (() => Promise<void>) | undefined;
    const brokers: Broker[] = [];
    const token = `directory-scale-out-${randomBytes(8).toString('hex')}`;

    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      const created = db.create();
      drop = created.drop;
      dir = mkdtempSync(path.join(tmpdir(), 'directory-scale-out-'));
      const file = (name: string, content: string) => {
        writeFileSync(path.join(dir, name), content, { mode: 0o600 });
        return path.join(dir, name);
      };
      const rsa = await sandboxBrokerIdentity('rsa-pss-sha256');
      const ecdsa = await sandboxBrokerIdentity('ecdsa-p256-sha256');
      env = {
        DATABASE_URL: created.url,
        BROKER_DEMO_TOKEN: token,
        DATA_KEY: randomBytes(32).toString('base64'),
        AUDIT_SIGNING_KEY_FILE: path.join(dir, 'audit.key'),
        BROKER_SIGNING_KEY_FILE: file('broker.key', rsa.keyPem),
        BROKER_SIGNING_CERT_FILE: file('broker.crt', rsa.certPem),
        BROKER_ECDSA_SIGNING_KEY_FILE: file('broker-ec.key', ecdsa.keyPem),
        BROKER_ECDSA_SIGNING_CERT_FILE: file('broker-ec.crt', ecdsa.certPem),
      };
      brokers.push(await startBroker(env));
      brokers.push(await startBroker({ ...env, BROKER_DEMO: 'false' }));
    });
    after(async () => {
      for (const b of brokers) {
        b.child.kill('SIGTERM');
        await b.exited;
      }
      await drop?.();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const incomeOn = async (b: Broker): Promise<{ status: string; register: string | null; code?: string }> => {
      const res = await fetch(`${b.url}/v1/evidence-requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ citizen: { idNr: '86095742719' }, evidenceTypes: ['income'], purpose: 'elterngeld', caseReference: 'EG-DIR-SCALE', routing: SANDBOX_ROUTING }),
      });
      const body = (await res.json()) as { evidence: { status: string; provenance: { register: string | null }; reason?: { code: string } }[] };
      expect(res.status, JSON.stringify(body)).to.equal(201);
      const item = body.evidence[0]!;
      return { status: item.status, register: item.provenance.register, ...(item.reason ? { code: item.reason.code } : {}) };
    };
    /** How long until both brokers answer as expected (polled; the bound is what the test asserts). */
    const untilBoth = async (expected: (i: Awaited<ReturnType<typeof incomeOn>>) => boolean): Promise<number> => {
      const started = Date.now();
      for (;;) {
        const seen = await Promise.all(brokers.map(incomeOn));
        if (seen.every(expected)) return Date.now() - started;
        if (Date.now() - started > 15_000) throw new Error(`not both within 15 s: ${JSON.stringify(seen)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    it('routes through the directory the first broker seeded, on both', async () => {
      expect(await Promise.all(brokers.map(incomeOn))).to.deep.equal([
        { status: 'delivered', register: 'stv-bayern' },
        { status: 'delivered', register: 'stv-bayern' },
      ]);
    });

    it('uses a change made with the admin CLI on both brokers within 10 s', async () => {
      const disabled = await admin(env, 'registers', 'disable', 'stv-bayern');
      expect(disabled.code, disabled.output).to.equal(0);
      expect(await untilBoth((i) => i.code === 'NO_RESPONSIBLE_REGISTER')).to.be.below(10_000);
      const enabled = await admin(env, 'registers', 'enable', 'stv-bayern');
      expect(enabled.code, enabled.output).to.equal(0);
      expect(await untilBoth((i) => i.status === 'delivered' && i.register === 'stv-bayern')).to.be.below(10_000);
    });
  });
}
