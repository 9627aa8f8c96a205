// Crash safety and graceful shutdown with real processes: SIGKILL in the middle of sustained load, restart,
// and the chain still verifies, every answer a client got has exactly one audit entry, and no audit entry
// exists for an answer that was never committed. SIGTERM drains requests in flight.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { openDatabase } from '../../broker/db/database.ts';
import { startBrokerProcess } from '../helpers/broker-process.ts';
import { ROUTING } from '../helpers/harness.ts';

const BODY = JSON.stringify({ citizen: { idNr: '86095742719' }, evidenceTypes: ['salary', 'maternity-benefit', 'income'], purpose: 'elterngeld', caseReference: 'EG-CRASH', routing: ROUTING });

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

  it('drains a request in flight on SIGTERM and exits 0', async () => {
    const broker = await startBrokerProcess(env);
    await fetch(`${broker.registers.salary}/_control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 800 }) });
    const inFlight = fetch(`${broker.url}/v1/evidence-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${broker.authorityToken}`, 'content-type': 'application/json' },
      body: BODY,
    });
    await new Promise((r) => setTimeout(r, 200));
    broker.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).to.equal(201);
    expect(((await res.json()) as { status: string }).status).to.equal('complete');
    expect(await broker.exited).to.equal(0);
  });
});
