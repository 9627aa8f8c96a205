// The history query of the EvidenceRequestStore (listForParticipant), run on the SQL store (SQLite and
// PostgreSQL) and on the in-memory fake, so the fake the unit tests use cannot drift from the databases.
import { expect } from 'chai';
import { directSqlOf, type Database } from '../../broker/db/database.ts';
import type { SqlStatements } from '../../broker/db/direct-sql.ts';
import type { EvidenceRequestStore, HeldRequest, RequestListQuery, StoredItem } from '../../broker/evidence/evidence-request-store.ts';
import { SqlEvidenceRequestStore } from '../../broker/evidence/sql-evidence-request-store.ts';
import { DATABASE_KINDS } from '../helpers/databases.ts';
import { FakeEvidenceRequestStore } from '../helpers/fake-evidence-request-store.ts';
import { openedDatabasePerTest } from '../helpers/opened-database.ts';

const AT = new Date(Date.UTC(2026, 5, 15, 10, 0, 0, 123));
const minutes = (n: number) => new Date(AT.getTime() + n * 60_000);

const request = (id: string, over: Partial<HeldRequest> = {}): HeldRequest => ({
  id,
  participantId: 'elterngeldstelle',
  citizenIdNr: '12345678995',
  purpose: 'elterngeld',
  caseReference: 'EG-1',
  onBehalfOf: 'clerk:c-1',
  periodFrom: '2025-06',
  periodTo: '2026-05',
  consentId: null,
  legalBasis: 'beeg-9',
  status: 'in-progress',
  createdAt: AT,
  answeredAt: null,
  auditSeq: null,
  evidenceTypes: ['salary', 'income'],
  mode: 'sync',
  idempotencyKeyHash: null,
  requestHash: 'h',
  lockedUntil: minutes(1),
  lockToken: `lock-${id}`,
  resultCipher: null,
  resultExpiresAt: null,
  routing: null,
  ...over,
});

const item = (type: StoredItem['type'], status: StoredItem['status']): StoredItem => ({
  type,
  register: 'drv-rvbea',
  registerName: 'Deutsche Rentenversicherung Bund – rvBEA',
  status,
  reason: null,
  fetchedAt: AT,
  dataHash: status === 'delivered' ? 'd' : null,
  pendingTicket: status === 'pending' ? 'T-1' : null,
});

const ALL: RequestListQuery = { caseReference: null, createdFrom: null, createdBefore: null, status: null, offset: 0, limit: 100 };

interface Subject {
  store: EvidenceRequestStore;
  tx: SqlStatements;
}

function contract(subject: () => Subject) {
  /** Records a request answered with these items (status from the caller), as the pipeline does. */
  async function answered(store: EvidenceRequestStore, tx: SqlStatements, held: HeldRequest, status: string, items: StoredItem[]): Promise<void> {
    expect(await store.insert(held)).to.equal('inserted');
    const answer = { status, answeredAt: held.createdAt, auditSeq: 1, resultCipher: null, resultExpiresAt: null };
    expect(await store.recordAnswer(tx, held, answer, items)).to.equal(true);
  }

  /** Five requests of one authority at minutes 0..4 and one of another authority. */
  async function fiveAndAStranger(): Promise<Subject> {
    const s = subject();
    await answered(s.store, s.tx, request('a-complete', { createdAt: minutes(0), caseReference: 'EG-1' }), 'complete', [item('salary', 'delivered')]);
    await answered(s.store, s.tx, request('b-partial', { createdAt: minutes(1), caseReference: 'EG-2' }), 'partial', [item('salary', 'pending'), item('income', 'delivered')]);
    await answered(s.store, s.tx, request('c-failed', { createdAt: minutes(2), caseReference: 'EG-1' }), 'failed', [item('salary', 'unavailable')]);
    await s.store.insert(request('d-running', { createdAt: minutes(3), caseReference: 'eg-1' }));
    await s.store.insert(request('e-abandoned', { createdAt: minutes(4), caseReference: 'EG-1/2026', status: 'abandoned' }));
    await answered(s.store, s.tx, request('z-stranger', { createdAt: minutes(5), participantId: 'wohngeldstelle', caseReference: 'EG-1' }), 'complete', [item('income', 'delivered')]);
    return s;
  }

  const ids = async (store: EvidenceRequestStore, q: Partial<RequestListQuery> = {}) => (await store.listForParticipant('elterngeldstelle', { ...ALL, ...q })).requests.map((r) => r.id);

  it('lists only the participant\'s own requests, newest first, and counts them all', async () => {
    const { store } = await fiveAndAStranger();
    const list = await store.listForParticipant('elterngeldstelle', ALL);
    expect(list.total).to.equal(5);
    expect(list.requests.map((r) => r.id)).to.deep.equal(['e-abandoned', 'd-running', 'c-failed', 'b-partial', 'a-complete']);
    expect(await store.listForParticipant('nobody', ALL)).to.deep.equal({ total: 0, requests: [] });
  });

  it('summarises each request without its lock or sealed answer, with the count of items still owed', async () => {
    const { store } = await fiveAndAStranger();
    const [partial] = (await store.listForParticipant('elterngeldstelle', { ...ALL, caseReference: 'EG-2' })).requests;
    expect(partial).to.deep.equal({
      id: 'b-partial',
      createdAt: minutes(1),
      caseReference: 'EG-2',
      purpose: 'elterngeld',
      citizenIdNr: '12345678995',
      onBehalfOf: 'clerk:c-1',
      status: 'partial',
      evidenceTypes: ['salary', 'income'],
      pendingItems: 1,
    });
  });

  it('pages with offset and limit, and the total stays the count of all matches', async () => {
    const { store } = await fiveAndAStranger();
    const first = await store.listForParticipant('elterngeldstelle', { ...ALL, offset: 0, limit: 2 });
    const third = await store.listForParticipant('elterngeldstelle', { ...ALL, offset: 4, limit: 2 });
    const beyond = await store.listForParticipant('elterngeldstelle', { ...ALL, offset: 10, limit: 2 });
    expect([first.total, third.total, beyond.total]).to.deep.equal([5, 5, 5]);
    expect(first.requests.map((r) => r.id)).to.deep.equal(['e-abandoned', 'd-running']);
    expect(third.requests.map((r) => r.id)).to.deep.equal(['a-complete']);
    expect(beyond.requests).to.deep.equal([]);
  });

  it('orders requests made in the same millisecond by id, so pages neither repeat nor skip one', async () => {
    const { store } = subject();
    for (const id of ['m-2', 'm-1', 'm-3']) await store.insert(request(id));
    const pages = [0, 1, 2].map((offset) => ids(store, { offset, limit: 1 }));
    expect((await Promise.all(pages)).flat()).to.deep.equal(['m-3', 'm-2', 'm-1']);
  });

  it('filters by the whole case reference, case-sensitive, not by a part of it', async () => {
    const { store } = await fiveAndAStranger();
    expect(await ids(store, { caseReference: 'EG-1' })).to.deep.equal(['c-failed', 'a-complete']);
    expect(await ids(store, { caseReference: 'EG' })).to.deep.equal([]);
    expect(await ids(store, { caseReference: 'eg-1' })).to.deep.equal(['d-running']);
  });

  it('filters by creation time: from inclusive, before exclusive', async () => {
    const { store } = await fiveAndAStranger();
    expect(await ids(store, { createdFrom: minutes(1), createdBefore: minutes(3) })).to.deep.equal(['c-failed', 'b-partial']);
    expect(await ids(store, { createdFrom: minutes(4) })).to.deep.equal(['e-abandoned']);
    expect(await ids(store, { createdBefore: minutes(0) })).to.deep.equal([]);
  });

  it('filters by stored status, and by "pending": an item a register still owes', async () => {
    const { store, tx } = await fiveAndAStranger();
    expect(await ids(store, { status: 'complete' })).to.deep.equal(['a-complete']);
    expect(await ids(store, { status: 'partial' })).to.deep.equal(['b-partial']);
    expect(await ids(store, { status: 'failed' })).to.deep.equal(['c-failed']);
    expect(await ids(store, { status: 'in-progress' })).to.deep.equal(['d-running']);
    expect(await ids(store, { status: 'abandoned' })).to.deep.equal(['e-abandoned']);
    expect(await ids(store, { status: 'pending' })).to.deep.equal(['b-partial']);
    // Once the item arrives, the request is no longer pending.
    expect(await store.updateItem(tx, 'b-partial', { ...item('salary', 'delivered'), fetchedAt: minutes(9) })).to.equal(true);
    expect(await ids(store, { status: 'pending' })).to.deep.equal([]);
    expect(await ids(store, { status: 'failed', caseReference: 'EG-1', createdFrom: minutes(2) })).to.deep.equal(['c-failed']);
  });
}

describe('the evidence request store\'s history query (in-memory fake)', () => {
  let fake: FakeEvidenceRequestStore;
  beforeEach(() => {
    fake = new FakeEvidenceRequestStore();
  });
  contract(() => ({ store: fake, tx: {} as SqlStatements }));
});

for (const kind of DATABASE_KINDS) {
  describe(`the evidence request store's history query (${kind})`, function () {
    this.timeout(60_000);
    const opened = openedDatabasePerTest(kind);
    let database: Database;
    beforeEach(() => {
      database = opened();
    });
    contract(() => ({ store: new SqlEvidenceRequestStore(database.prisma), tx: directSqlOf(database.prisma) }));
  });
}
