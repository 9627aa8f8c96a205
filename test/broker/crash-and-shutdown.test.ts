// Crash safety and graceful shutdown with real processes: SIGKILL in the middle of sustained load, restart,
// and the chain still verifies, every answer a client got has exactly one audit entry, and no audit entry
// exists for an answer that was never committed. SIGTERM and SIGINT drain requests in flight while /readyz and
// new requests answer 503 (then new connections are refused); the drain deadline cuts a connection that never finishes its request; a start-up
// that fails (port taken, database unreachable) exits non-zero with a clear message.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { openDatabase } from '../../broker/db/database.ts';
import { keyFilesFor, startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { ROUTING } from '../helpers/harness.ts';

const BODY = JSON.stringify({ citizen: { idNr: '86095742719' }, evidenceTypes: ['salary', 'maternity-benefit', 'income'], purpose: 'elterngeld', caseReference: 'EG-CRASH', routing: ROUTING });

/** Polls `probe` until it answers true, for at most `ms`; fails naming `what`. */
async function until(what: string, probe: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Register calls the broker has finished (any register instance), read from its /metrics. */
async function registerCallsDone(broker: BrokerProcess): Promise<number> {
  const text = await (await fetch(`${broker.url}/metrics`)).text();
  return [...text.matchAll(/^broker_register_request_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

/** Whether a new TCP connection to the broker is refused (or cut at once). */
function connectionRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Starts a request whose salary register answers only after `latencyMs`, and resolves once the broker is inside it (a faster register answered). */
async function requestInFlight(broker: BrokerProcess, latencyMs: number): Promise<{ answer: Promise<Response> }> {
  await fetch(`${broker.registers.salary}/_control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs }) });
  const before = await registerCallsDone(broker);
  const answer = fetch(`${broker.url}/v1/evidence-requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${broker.authorityToken}`, 'content-type': 'application/json' },
    body: BODY,
  });
  await until('the broker has the request in flight', async () => (await registerCallsDone(broker)) > before);
  // Wrapped: an async function returning the promise itself would wait for the answer.
  return { answer };
}

/** Runs broker/main.ts to its exit; its exit code and what it wrote. */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'broker/main.ts'], { env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', BROKER_DEMO: 'false', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('crash safety and shutdown (real broker processes)', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'broker-crash-'));
  const env = { DATABASE_URL: `file:${path.join(dir, 'broker.db')}`, BROKER_DEMO_TOKEN: 'crash-test-demo-token-000000001', DATA_KEY_FILE: path.join(dir, 'data.key') };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps one audit entry per answer received and none for answers never committed, after SIGKILL under load', async () => {
    const broker = await startBrokerProcess(env);
    const received: { id: string; auditEntryId: number }[] = [];
    let stop = false;
    // Eight clients in a closed loop, bounded in count; the kill lands while they are busy.
    const client = async () => {
      for (let i = 0; i < 200 && !stop; i++) {
        try {
          const res = await fetch(`${broker.url}/v1/evidence-requests`, {
            method: 'POST',
            headers: { authorization: `Bearer ${broker.authorityToken}`, 'content-type': 'application/json', 'idempotency-key': `crash-${crypto.randomUUID()}` },
            body: BODY,
          });
          if (res.status === 201) received.push((await res.json()) as { id: string; auditEntryId: number });
        } catch {
          return; // the kill cut the connection: this client is done
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    // Kill once the load is well under way (answers are flowing), whatever the machine's speed.
    for (let waited = 0; received.length < 20 && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    broker.child.kill('SIGKILL');
    stop = true;
    await Promise.all(clients);
    await broker.exited;
    expect(received.length, 'answers before the kill').to.be.greaterThan(5);

    const restarted = await startBrokerProcess(env);
    try {
      const verify = await fetch(`${restarted.url}/v1/audit/verify`, { headers: { authorization: `Bearer ${restarted.operatorToken}` } });
      expect(((await verify.json()) as { ok: boolean }).ok).to.equal(true);
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }

    const db = await openDatabase(env.DATABASE_URL);
    try {
      const prisma = db.prisma;
      for (const answer of received) {
        const entries = await prisma.auditDetail.findMany({ where: { requestId: answer.id, entry: { kind: 'transfer' } } });
        expect(entries.map((e) => e.seq), answer.id).to.deep.equal([answer.auditEntryId]);
      }
      const audited = await prisma.auditDetail.findMany({ where: { entry: { kind: 'transfer' } }, select: { requestId: true } });
      const requests = await prisma.evidenceRequest.findMany({ where: { id: { in: audited.map((a) => a.requestId!) } }, select: { status: true, auditSeq: true } });
      expect(requests).to.have.length(audited.length);
      for (const r of requests) expect(['complete', 'partial', 'failed']).to.include(r.status);
      const unanswered = await prisma.evidenceRequest.findMany({ where: { status: { in: ['in-progress', 'abandoned'] } }, select: { id: true } });
      for (const r of unanswered) expect(await prisma.auditDetail.count({ where: { requestId: r.id } })).to.equal(0);
    } finally {
      await db.close();
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`drains a request in flight on ${signal}: /readyz and new requests answer 503 meanwhile, then new connections are refused, and it exits 0`, async () => {
      const broker = await startBrokerProcess(env);
      expect((await fetch(`${broker.url}/readyz`)).status).to.equal(200);
      const { answer: inFlight } = await requestInFlight(broker, 3000);
      let answered = false;
      const res = inFlight.then((r) => ((answered = true), r));
      broker.child.kill(signal);
      let readyz: Response | undefined;
      await until('/readyz answers 503', async () => {
        readyz = await fetch(`${broker.url}/readyz`);
        return readyz.status === 503;
      });
      expect(answered, 'the request in flight was still being answered when /readyz said 503').to.equal(false);
      expect(readyz!.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(Number(readyz!.headers.get('retry-after'))).to.be.greaterThan(0);
      expect(((await readyz!.json()) as { detail: string }).detail).to.match(/shutting down/);
      // Any new request is refused the same way while the drain lasts; liveness still answers.
      const late = await fetch(`${broker.url}/v1/evidence-requests`, { method: 'POST', headers: { authorization: `Bearer ${broker.authorityToken}`, 'content-type': 'application/json' }, body: BODY });
      expect(late.status).to.equal(503);
      expect(late.headers.get('retry-after')).to.not.equal(null);
      expect((await fetch(`${broker.url}/healthz`)).status).to.equal(200);
      expect(answered, 'the request in flight was still being answered after the late request was refused').to.equal(false);
      const answer = await res;
      expect(answer.status).to.equal(201);
      expect(((await answer.json()) as { status: string }).status).to.equal('complete');
      await until('a new connection is refused once the drain is done', () => connectionRefused(broker.url));
      expect(await broker.exited).to.equal(0);
    });
  }

  it('waits for a request whose body never ends until the drain deadline (REGISTER_TIMEOUT_MS + 5 s), then cuts it and exits 0', async () => {
    // The client's own limits (30 s) are far beyond the drain deadline (1 s + 5 s): only the deadline ends it.
    const broker = await startBrokerProcess({ ...env, REGISTER_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '30000', HEADERS_TIMEOUT_MS: '30000' });
    const { hostname, port } = new URL(broker.url);
    const socket = net.connect(Number(port), hostname);
    await new Promise((r) => socket.once('connect', r));
    const cut = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    socket.on('error', () => undefined);
    // An authenticated request with a third of its body: the broker is reading it, so the connection is busy
    // and the drain must wait for it, until the deadline.
    socket.write(`POST /v1/evidence-requests HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${broker.authorityToken}\r\nContent-Type: application/json\r\nContent-Length: 33\r\n\r\n{"citizen":`);
    await until('the broker reads the request', async () => (await fetch(`${broker.url}/metrics`).then((r) => r.text())).length > 0, 5_000);
    const signalled = Date.now();
    broker.child.kill('SIGTERM');
    const [cutAt, code] = await Promise.all([cut, broker.exited]);
    expect(code).to.equal(0);
    // Cut by the deadline (1 s + 5 s after the drain began): not before it, and well before the client's own 30 s limit.
    expect(cutAt - signalled, 'ms from SIGTERM to the cut').to.be.within(5_900, 20_000);
  });

  describe('when start-up fails', () => {
    it('exits 1 naming the cause when its port is taken', async () => {
      const taken = net.createServer();
      await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
      const dir2 = mkdtempSync(path.join(tmpdir(), 'broker-port-taken-'));
      try {
        const databaseUrl = `file:${path.join(dir2, 'broker.db')}`;
        const { code, output } = await runToExit({ ...keyFilesFor(databaseUrl), DATABASE_URL: databaseUrl, PORT: String((taken.address() as net.AddressInfo).port) });
        expect(code).to.equal(1);
        expect(output).to.match(/evidence-broker: failed to start: .*EADDRINUSE/);
      } finally {
        taken.close();
        rmSync(dir2, { recursive: true, force: true });
      }
    });

    it('exits 1 naming the cause when its PostgreSQL does not answer', async () => {
      // Port 1 on loopback: nothing listens there, the connection is refused at once.
      const databaseUrl = 'postgresql://postgres@127.0.0.1:1/test';
      const { code, output } = await runToExit({ ...keyFilesFor(databaseUrl), DATABASE_URL: databaseUrl });
      expect(code).to.equal(1);
      expect(output).to.match(/evidence-broker: failed to start: .*(ECONNREFUSED|connect)/i);
      expect(output, 'no stack trace or URL credentials in the message').not.to.match(/\n\s+at /);
    });

    it('exits 1 naming the variable when the configuration is invalid', async () => {
      const { code, output } = await runToExit({ DATABASE_URL: 'mysql://nowhere', PORT: '0' });
      expect(code).to.equal(1);
      expect(output.trim()).to.equal('evidence-broker: invalid DATABASE_URL: must start with file: (SQLite) or postgresql:// (PostgreSQL)');
    });
  });
});
