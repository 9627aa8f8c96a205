// Full recomputation of the audit chain (GET /v1/audit/verify) as a way to tie up the broker: a caller with an
// authority's or a citizen's token asks for it; a caller asks for several at once; a long chain is rehashed while
// others wait. Only operators may start it, one runs at a time, and it runs beside the event loop, not on it.
import { expect } from 'chai';
import type { AuditEvent } from '../../broker/audit/audit-log.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

const CITIZEN = '86095742719';
// Long enough that a rehash on the event loop would hold it up for far longer than PROMPT_MS.
const CHAIN_LENGTH = 30_000;
const BATCH = 1_000;
const PROMPT_MS = 200;

function event(i: number): AuditEvent {
  return { kind: 'transfer', at: new Date(), citizenIdNr: CITIZEN, actorId: `actor-${i}`, requestId: null, consentId: null, details: { outcome: 'complete', n: i } };
}

/** Milliseconds a GET takes, and its status. */
async function timed(h: Harness, path: string, token?: string | null): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const res = await h.call('GET', path, { token });
  return { ms: performance.now() - started, status: res.status };
}

for (const kind of DATABASE_KINDS) {
  describe(`attacks through the full audit recomputation (${kind})`, function () {
    this.timeout(180_000);
    let h: Harness;
    let operator: string;
    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db);
      operator = await h.operatorToken();
      const { audit, database } = h.broker.ctx;
      for (let from = 0; from < CHAIN_LENGTH; from += BATCH) {
        await database.prisma.$transaction((tx) => audit.appendMany(tx, Array.from({ length: BATCH }, (_, i) => event(from + i))));
      }
    });
    after(async () => h?.close());

    describe('an authority\'s token asks for it', () => {
      it('is refused 403 forbidden', async () => {
        const res = await h.call('GET', '/v1/audit/verify');
        expect(res.status).to.equal(403);
        expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
        expect(res.body.code).to.equal('forbidden');
      });
    });

    describe('a citizen\'s token asks for it', () => {
      it('is refused 403 forbidden', async () => {
        const res = await h.call('GET', '/v1/audit/verify', { token: await h.citizenToken(CITIZEN) });
        expect(res.status).to.equal(403);
        expect(res.body.code).to.equal('forbidden');
      });
    });

    describe('a caller without a token asks for it', () => {
      it('is refused 401', async () => {
        expect((await h.call('GET', '/v1/audit/verify', { token: null })).status).to.equal(401);
      });
    });

    describe('an operator asks for it', () => {
      it('gets 200 with ok: true over the whole chain', async () => {
        const res = await h.call('GET', '/v1/audit/verify', { token: operator });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body).to.deep.include({ ok: true, entries: CHAIN_LENGTH, detailsChecked: CHAIN_LENGTH });
      });
    });

    describe('two verifications are asked for at once', () => {
      it('runs one and refuses the other 503 overloaded with Retry-After; afterwards a new one runs', async () => {
        const answers = await Promise.all([1, 2].map(() => h.call('GET', '/v1/audit/verify', { token: operator })));
        const statuses = answers.map((a) => a.status).sort();
        expect(statuses).to.deep.equal([200, 503]);
        const refused = answers.find((a) => a.status === 503)!;
        expect(refused.body.code).to.equal('overloaded');
        expect(Number(refused.headers.get('retry-after'))).to.be.greaterThan(0);
        expect((await h.call('GET', '/v1/audit/verify', { token: operator })).status).to.equal(200);
      });
    });

    describe('a long chain is rehashed while others call', () => {
      it(`keeps /healthz and GET /v1/me answering within ${PROMPT_MS} ms`, async () => {
        let running = true;
        const verification = h.call('GET', '/v1/audit/verify', { token: operator }).finally(() => (running = false));
        const probes: { path: string; ms: number; status: number }[] = [];
        while (running) {
          for (const path of ['/healthz', '/v1/me']) probes.push({ path, ...(await timed(h, path)) });
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect((await verification).body.ok).to.equal(true);
        expect(probes.length, 'probes while the verification ran').to.be.greaterThan(4);
        for (const p of probes) {
          expect(p.status, p.path).to.equal(200);
          expect(p.ms, `${p.path} took ${Math.round(p.ms)} ms`).to.be.below(PROMPT_MS);
        }
      });
    });

    describe('a long chain is rehashed', () => {
      it('does the hashing on another thread: the event loop stays mostly idle meanwhile', async () => {
        const before = performance.eventLoopUtilization();
        const res = await h.call('GET', '/v1/audit/verify', { token: operator });
        const { utilization } = performance.eventLoopUtilization(before);
        expect(res.body.ok).to.equal(true);
        expect(utilization).to.be.below(0.5);
      });
    });

    describe('an entry of the chain has been changed in the database', () => {
      it('is named with 409 by the same check the admin CLI runs, and verifies again once restored', async () => {
        const prisma = h.broker.ctx.database.prisma;
        const seq = CHAIN_LENGTH - 1_500;
        await prisma.auditEntry.update({ where: { seq }, data: { kind: 'refusal' } });
        try {
          const res = await h.call('GET', '/v1/audit/verify', { token: operator });
          expect(res.status).to.equal(409);
          expect(res.body).to.deep.equal({ ok: false, entries: seq - 1, brokenAt: seq, reason: 'entry-hash-mismatch' });
        } finally {
          await prisma.auditEntry.update({ where: { seq }, data: { kind: 'transfer' } });
        }
        expect((await h.call('GET', '/v1/audit/verify', { token: operator })).status).to.equal(200);
      });
    });
  });
}
