// The EvidenceRequestStore contract, run on the SQL store (SQLite and PostgreSQL) and on the in-memory fake
// the unit tests use, so the fake cannot drift from what the database does.
import { expect } from 'chai';
import { directSqlOf, type Database } from '../../broker/db/database.ts';
import type { SqlStatements } from '../../broker/db/direct-sql.ts';
import type { EvidenceRequestStore, HeldRequest, StoredItem } from '../../broker/evidence/evidence-request-store.ts';
import { SqlEvidenceRequestStore } from '../../broker/evidence/sql-evidence-request-store.ts';
import { DATABASE_KINDS } from '../helpers/databases.ts';
import { FakeEvidenceRequestStore } from '../helpers/fake-evidence-request-store.ts';
import { openedDatabasePerTest } from '../helpers/opened-database.ts';

const AT = new Date(Date.UTC(2026, 5, 15, 10, 0, 0, 123));
const later = (ms: number) => new Date(AT.getTime() + ms);

const request = (id: string, over: Partial<HeldRequest> = {}): HeldRequest => ({
  id,
  participantId: 'elterngeldstelle',
  citizenIdNr: '12345678995',
  purpose: 'elterngeld',
  caseReference: 'EG-1',
  onBehalfOf: null,
  periodFrom: '2025-06',
  periodTo: '2026-05',
  consentId: 'c-1',
  legalBasis: null,
  status: 'in-progress',
  createdAt: AT,
  answeredAt: null,
  auditSeq: null,
  evidenceTypes: ['salary', 'income'],
  mode: 'sync',
  idempotencyKeyHash: null,
  requestHash: 'h',
  lockedUntil: later(60_000),
  lockToken: `lock-${id}`,
  resultCipher: null,
  resultExpiresAt: null,
  routing: { ags: '09162000' },
  ...over,
});

const items: StoredItem[] = [
  { type: 'salary', register: 'drv-rvbea', registerName: 'Deutsche Rentenversicherung Bund – rvBEA', status: 'pending', reason: null, fetchedAt: AT, dataHash: null, pendingTicket: 'T-1' },
  { type: 'income', register: null, registerName: null, status: 'unavailable', reason: { code: 'INCOME_TIMEOUT', message: 'no answer in time' }, fetchedAt: null, dataHash: null, pendingTicket: null },
];

const answer = { status: 'partial', answeredAt: later(1_000), auditSeq: 7, resultCipher: 'sealed', resultExpiresAt: later(3_600_000) };

interface Subject {
  store: EvidenceRequestStore;
  tx: SqlStatements;
}

function contract(subject: () => Subject) {
  it('gives back a recorded request as it was written, dates to the millisecond', async () => {
    const { store } = subject();
    expect(await store.insert(request('r1', { onBehalfOf: 'clerk-1' }))).to.equal('inserted');
    expect(await store.findWithItems('r1')).to.deep.equal({ request: request('r1', { onBehalfOf: 'clerk-1' }), items: [] });
    expect(await store.findWithItems('no-such-request')).to.equal(null);
  });

  it('records one request per Idempotency-Key and finds it by that key', async () => {
    const { store } = subject();
    expect(await store.insert(request('r1', { idempotencyKeyHash: 'k' }))).to.equal('inserted');
    expect(await store.insert(request('r2', { idempotencyKeyHash: 'k' }))).to.equal('duplicate');
    expect((await store.findByIdempotencyKey('elterngeldstelle', 'k'))?.id).to.equal('r1');
    expect(await store.findByIdempotencyKey('another-authority', 'k')).to.equal(null);
  });

  it('writes the answer and its items only for the holder of the lock', async () => {
    const { store, tx } = subject();
    await store.insert(request('r1'));
    expect(await store.recordAnswer(tx, request('r1', { lockToken: 'not-mine' }), answer, items)).to.equal(false);
    expect((await store.findWithItems('r1'))?.items).to.deep.equal([]);
    expect(await store.recordAnswer(tx, request('r1'), answer, items)).to.equal(true);
    const found = await store.findWithItems('r1');
    expect(found?.request).to.deep.include({ ...answer, lockToken: null, lockedUntil: null });
    expect([...found!.items].sort((a, b) => a.type.localeCompare(b.type))).to.deep.equal([items[1], items[0]]);
  });

  it('completes a pending item and drops the held answer', async () => {
    const { store, tx } = subject();
    await store.insert(request('r1'));
    await store.recordAnswer(tx, request('r1'), answer, items);
    const arrived: StoredItem = { ...items[0]!, status: 'delivered', dataHash: 'd', pendingTicket: null, fetchedAt: later(5_000) };
    expect(await store.updateItem(tx, 'r1', arrived)).to.equal(true);
    expect(await store.updateItem(tx, 'r1', { ...arrived, type: 'maternity-benefit' })).to.equal(false);
    expect(await store.completeRequest(tx, 'r1', 'complete', 8)).to.equal(true);
    const found = await store.findWithItems('r1');
    expect(found?.request).to.deep.include({ status: 'complete', auditSeq: 8, resultCipher: null, resultExpiresAt: null });
    expect(found?.items.find((i) => i.type === 'salary')).to.deep.equal(arrived);
  });

  it('takes over, reopens and lets go by compare-and-set on the lock', async () => {
    const { store } = subject();
    await store.insert(request('r1', { status: 'abandoned' }));
    expect(await store.takeOver('r1', 'lock-r1', 'new', later(1))).to.equal(false);
    expect(await store.reopen('r1', 'wrong', 'new', later(1), { consentId: null, legalBasis: 'beeg-9' })).to.equal(false);
    expect(await store.reopen('r1', 'lock-r1', 'new', later(1), { consentId: null, legalBasis: 'beeg-9' })).to.equal(true);
    expect(await store.takeOver('r1', 'lock-r1', 'newer', later(2))).to.equal(false);
    expect(await store.takeOver('r1', 'new', 'newer', later(2))).to.equal(true);
    await store.letGo('r1', 'newer', AT);
    expect((await store.findWithItems('r1'))?.request).to.deep.include({ status: 'in-progress', lockToken: 'newer', lockedUntil: AT });
  });

  it('sweeps: erases expired held answers, abandons stale sync requests, finds stale async ones', async () => {
    const { store, tx } = subject();
    await store.insert(request('held'));
    await store.recordAnswer(tx, request('held'), { ...answer, resultExpiresAt: AT }, []);
    await store.insert(request('sync-stale', { lockedUntil: AT }));
    await store.insert(request('sync-live'));
    await store.insert(request('async-stale', { mode: 'async', lockedUntil: AT }));
    await store.insert(request('async-live', { mode: 'async' }));
    const now = later(1);
    expect(await store.purgeExpiredResults(now)).to.equal(1);
    expect(await store.abandonStale(now)).to.equal(1);
    expect((await store.findOrphans(now, 100)).map((r) => r.id)).to.deep.equal(['async-stale']);
    expect((await store.findWithItems('held'))?.request).to.deep.include({ resultCipher: null, resultExpiresAt: null });
    expect((await store.findWithItems('sync-stale'))?.request.status).to.equal('abandoned');
    expect((await store.findWithItems('sync-live'))?.request.status).to.equal('in-progress');
  });
}

describe('the evidence request store contract (in-memory fake)', () => {
  let fake: FakeEvidenceRequestStore;
  beforeEach(() => {
    fake = new FakeEvidenceRequestStore();
  });
  contract(() => ({ store: fake, tx: {} as SqlStatements }));
});

for (const kind of DATABASE_KINDS) {
  describe(`the evidence request store contract (${kind})`, function () {
    this.timeout(60_000);
    const opened = openedDatabasePerTest(kind);
    let database: Database;
    beforeEach(() => {
      database = opened();
    });
    contract(() => ({ store: new SqlEvidenceRequestStore(database.prisma), tx: directSqlOf(database.prisma) }));
  });
}
