// Answers the broker holds for a while (idempotent replay, async delivery) are sealed: the database keeps no
// evidence in clear, a sealed answer opens only for the request it was sealed for, and a broker restarted
// with another DATA_KEY says so instead of answering garbage or an unexplained 500. Real broker over HTTP,
// real simulators, the database read raw.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import pg from 'pg';
import { parseDatabaseUrl } from '../../broker/db/database-url.ts';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { logLines } from '../helpers/log-lines.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const CITIZEN = '86095742719';
const TYPES = ['salary', 'maternity-benefit', 'income'];
const body = (caseReference: string) => ({ citizen: { idNr: CITIZEN }, evidenceTypes: TYPES, purpose: 'elterngeld', caseReference, routing: ROUTING });
const newKey = () => randomBytes(32).toString('base64');

async function consent(h: Harness): Promise<void> {
  const res = await h.call('POST', '/v1/consents', {
    body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: TYPES, purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
  });
  expect(res.status).to.equal(201);
}

/** The values of delivered evidence worth looking for: texts of 8+ characters, numbers of 6+ digits. */
function evidenceValues(answer: { evidence: { data: unknown }[] }): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && v.length >= 8) found.add(v);
    else if (typeof v === 'number' && Math.abs(v) >= 100_000) found.add(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const item of answer.evidence) walk(item.data);
  return [...found];
}

/** Everything the database holds, as text: SQLite's files byte for byte, PostgreSQL's schema row by row. */
async function everythingStored(databaseUrl: string): Promise<string> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.provider === 'sqlite') {
    return ['', '-wal'].filter((s) => existsSync(target.file + s)).map((s) => readFileSync(target.file + s).toString('latin1') + readFileSync(target.file + s).toString('utf8')).join('\n');
  }
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1', [target.schema]);
    const dumps: string[] = [];
    for (const { tablename } of tables) {
      const { rows } = await client.query<{ j: unknown }>(`SELECT row_to_json(t) AS j FROM "${target.schema}"."${tablename}" t`);
      dumps.push(JSON.stringify(rows));
    }
    return dumps.join('\n');
  } finally {
    await client.end();
  }
}

/** A TestDatabase that hands every harness the same database; the test drops it at the end. */
function shared(db: TestDatabase): { database: TestDatabase; drop(): Promise<void> } {
  const made = db.create();
  return { database: { name: db.name, create: () => ({ url: made.url, drop: async () => undefined }) }, drop: made.drop };
}

/** The 500 a broker gives for a held answer it cannot open: explained, and nothing of the answer in it. */
function expectUnopenable(res: Awaited<ReturnType<Harness['call']>>): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(500);
  expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
  expect(res.body.code).to.equal('internal');
  expect(res.body.detail).to.match(/held answer .* cannot be opened/);
  expect(res.body.detail).to.match(/DATA_KEY/);
  expect(res.body).not.to.have.property('evidence');
}

for (const kind of DATABASE_KINDS) {
  describe(`sealed answers (${kind})`, function () {
    this.timeout(90_000);
    let db: TestDatabase;

    before(async function () {
      const found = await testDatabase(kind);
      if (!found) return this.skip();
      db = found;
    });

    describe('when an answer is held for an idempotent replay and an async delivery', () => {
      it('stores no evidence value in clear anywhere in the database, and still replays and delivers it', async () => {
        const h = await startHarness(db);
        try {
          await consent(h);
          // What the database held before any evidence was fetched (the register directory names the
          // registers' operators, which some evidence names too): not evidence stored by the requests.
          const baseline = await everythingStored(h.databaseUrl);
          const key = `key-${crypto.randomUUID()}`;
          const sync = await h.call('POST', '/v1/evidence-requests', { body: body('EG-SEALED-1'), headers: { 'idempotency-key': key } });
          expect(sync.status).to.equal(201);
          const accepted = await h.call('POST', '/v1/evidence-requests', { body: body('EG-SEALED-2'), headers: { prefer: 'respond-async' } });
          expect(accepted.status).to.equal(202);
          await h.broker.ctx.evidence.drain();
          const delivered = await h.call('GET', `/v1/evidence-requests/${accepted.body.id}`);
          expect(delivered.status).to.equal(200);

          const values = [...evidenceValues(sync.body), ...evidenceValues(delivered.body)].filter((v) => !baseline.includes(v));
          // The check has something to find: employer names, amounts in cents, register references.
          expect(values.length, 'evidence values to look for').to.be.greaterThan(3);
          const prisma = h.broker.ctx.database.prisma;
          const rows = await prisma.evidenceRequest.findMany({ where: { caseReference: { in: ['EG-SEALED-1', 'EG-SEALED-2'] } } });
          expect(rows.map((r) => typeof r.resultCipher)).to.deep.equal(['string', 'string']);
          const stored = await everythingStored(h.databaseUrl);
          // The dump is real: it holds the request rows and their (sealed) answers.
          for (const r of rows) expect(stored).to.include(r.resultCipher!);
          for (const v of values) expect(stored, `evidence value ${v} stored in clear`).not.to.include(v);
          for (const r of rows) {
            const opened = Buffer.from(r.resultCipher!, 'base64').toString('latin1');
            for (const v of values) expect(opened).not.to.include(v);
          }
          // …yet the broker opens what it sealed.
          const replay = await h.call('POST', '/v1/evidence-requests', { body: body('EG-SEALED-1'), headers: { 'idempotency-key': key } });
          expect(replay.status).to.equal(201);
          expect(replay.headers.get('idempotent-replayed')).to.equal('true');
          expect(replay.body).to.deep.equal(sync.body);
        } finally {
          await h.close();
        }
      });
    });

    describe("when one request's sealed answer is copied onto another request's row", () => {
      it('does not open for the other request: neither answer is given out for it', async () => {
        const h = await startHarness(db);
        try {
          await consent(h);
          const [keyA, keyB] = [`key-${crypto.randomUUID()}`, `key-${crypto.randomUUID()}`];
          const a = await h.call('POST', '/v1/evidence-requests', { body: body('EG-SEALED-A'), headers: { 'idempotency-key': keyA } });
          const b = await h.call('POST', '/v1/evidence-requests', { body: body('EG-SEALED-B'), headers: { 'idempotency-key': keyB } });
          expect([a.status, b.status]).to.deep.equal([201, 201]);
          const prisma = h.broker.ctx.database.prisma;
          const rowA = await prisma.evidenceRequest.findUniqueOrThrow({ where: { id: a.body.id } });
          await prisma.evidenceRequest.update({ where: { id: b.body.id }, data: { resultCipher: rowA.resultCipher } });

          const replayB = await h.call('POST', '/v1/evidence-requests', { body: body('EG-SEALED-B'), headers: { 'idempotency-key': keyB } });
          expectUnopenable(replayB);
          expect(JSON.stringify(replayB.body)).not.to.include(a.body.id);
          // The row it was sealed for still opens it.
          const replayA = await h.call('POST', '/v1/evidence-requests', { body: body('EG-SEALED-A'), headers: { 'idempotency-key': keyA } });
          expect(replayA.status).to.equal(201);
          expect(replayA.body).to.deep.equal(a.body);
        } finally {
          await h.close();
        }
      });
    });

    describe('when the broker is restarted with another DATA_KEY', () => {
      it('refuses to give out the answers sealed under the old key with an explained 500, and serves them again under the old key', async () => {
        const { database, drop } = shared(db);
        try {
          const oldKey = newKey();
          const key = `key-${crypto.randomUUID()}`;
          let first: Harness = await startHarness(database, { config: { dataKey: { base64: oldKey } } });
          let sync: Awaited<ReturnType<Harness['call']>>;
          let asyncId: string;
          try {
            await consent(first);
            sync = await first.call('POST', '/v1/evidence-requests', { body: body('EG-SEALED-K1'), headers: { 'idempotency-key': key } });
            expect(sync.status).to.equal(201);
            const accepted = await first.call('POST', '/v1/evidence-requests', { body: body('EG-SEALED-K2'), headers: { prefer: 'respond-async' } });
            expect(accepted.status).to.equal(202);
            asyncId = accepted.body.id as string;
            await first.broker.ctx.evidence.drain();
          } finally {
            await first.close();
          }

          const { log, lines } = logLines('info');
          const other = await startHarness(database, { config: { dataKey: { base64: newKey() } }, log });
          try {
            expectUnopenable(await other.call('POST', '/v1/evidence-requests', { body: body('EG-SEALED-K1'), headers: { 'idempotency-key': key } }));
            expectUnopenable(await other.call('GET', `/v1/evidence-requests/${asyncId}`));
            // The operators who must restore the key learn it from the log, not only the caller.
            const failed = lines.map((l) => JSON.parse(l) as { level: number; msg: string; detail?: string }).filter((l) => l.msg === 'request failed');
            expect(failed).to.have.length(2);
            expect(failed[0]!.level).to.equal(50);
            expect(failed[0]!.detail).to.match(/sealed under another DATA_KEY/);
          } finally {
            await other.close();
          }

          first = await startHarness(database, { config: { dataKey: { base64: oldKey } } });
          try {
            const replay = await first.call('POST', '/v1/evidence-requests', { body: body('EG-SEALED-K1'), headers: { 'idempotency-key': key } });
            expect(replay.status).to.equal(201);
            expect(replay.body).to.deep.equal(sync.body);
            expect((await first.call('GET', `/v1/evidence-requests/${asyncId}`)).status).to.equal(200);
          } finally {
            await first.close();
          }
        } finally {
          await drop();
        }
      });
    });
  });
}
