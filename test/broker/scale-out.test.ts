// Scale-out on PostgreSQL with real processes: two brokers on one database serve concurrent requests; the
// audit chain stays one gap-free, fork-free sequence; a consent revoked through one stops requests in the
// other at once; idempotent retries on different brokers give one answer and one audit entry.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { openDatabase } from '../../broker/db/database.ts';
import { testDatabase } from '../helpers/databases.ts';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { ROUTING } from '../helpers/harness.ts';

const BODY = { citizen: { idNr: '86095742719' }, evidenceTypes: ['salary', 'maternity-benefit', 'income'], purpose: 'elterngeld', caseReference: 'EG-SCALE', routing: ROUTING };

async function post(b: BrokerProcess, token: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${b.url}/v1/evidence-requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { id: string; auditEntryId: number; status: string } };
}

describe('scale-out: two broker processes on one PostgreSQL', function () {
  this.timeout(120_000);
  let a: BrokerProcess;
  let b: BrokerProcess;
  let databaseUrl: string;
  let drop: () => Promise<void>;
  const token = 'scale-out-demo-token-0000000001';

  before(async function () {
    const pg = await testDatabase('postgresql');
    if (!pg) return this.skip();
    ({ url: databaseUrl, drop } = pg.create());
    const env = { DATABASE_URL: databaseUrl, BROKER_DEMO_TOKEN: token, DATA_KEY: randomBytes(32).toString('base64') };
    a = await startBrokerProcess(env);
    b = await startBrokerProcess(env);
  });
  after(async () => {
    for (const p of [a, b]) {
      if (!p) continue;
      p.child.kill('SIGTERM');
      await p.exited;
    }
    await drop?.();
  });

  it('answers concurrent requests on both and keeps one chain that verifies', async () => {
    const results: { status: number }[] = [];
    const worker = async (i: number) => {
      for (let n = 0; n < 10; n++) results.push(await post(n % 2 === i % 2 ? a : b, token, BODY));
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => worker(i)));
    expect(results.filter((r) => r.status === 201)).to.have.length(80);

    const db = await openDatabase(databaseUrl, { migrate: false });
    try {
      const seqs = (await db.prisma.auditEntry.findMany({ select: { seq: true }, orderBy: { seq: 'asc' } })).map((e) => e.seq);
      expect(seqs).to.deep.equal(seqs.map((_, i) => i + 1));
      expect(await db.prisma.auditDetail.count({ where: { entry: { kind: 'transfer' } } })).to.equal(80);
    } finally {
      await db.close();
    }
    // b started last: its demo seeding revoked the operator token a printed.
    for (const broker of [a, b]) {
      const verify = await fetch(`${broker.url}/v1/audit/verify`, { headers: { authorization: `Bearer ${b.operatorToken}` } });
      expect(((await verify.json()) as { ok: boolean }).ok).to.equal(true);
    }
  });

  it('stops requests on one broker at once when the consent is revoked on the other', async () => {
    const revoked = await fetch(`${a.url}/v1/consents/${b.consentId}`, { method: 'DELETE', headers: { authorization: `Bearer ${b.citizenToken}` } });
    expect(revoked.status).to.equal(200);
    expect((await post(b, token, BODY)).status).to.equal(403);
    expect((await post(a, token, BODY)).status).to.equal(403);
    const regrant = await fetch(`${b.url}/v1/consents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${b.citizenToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ citizen: { idNr: '86095742719' }, grantee: 'elterngeldstelle-musterstadt', evidenceTypes: BODY.evidenceTypes, purpose: 'elterngeld', validUntil: new Date(Date.now() + 86_400_000).toISOString() }),
    });
    expect(regrant.status).to.equal(201);
    expect((await post(a, token, BODY)).status).to.equal(201);
  });

  it('gives one answer and one audit entry for an idempotent retry on the other broker', async () => {
    const key = { 'idempotency-key': `scale-${crypto.randomUUID()}` };
    const first = await post(a, token, BODY, key);
    const retry = await post(b, token, BODY, key);
    expect(first.status).to.equal(201);
    expect(retry.body).to.deep.equal(first.body);

    const concurrentKey = { 'idempotency-key': `scale-${crypto.randomUUID()}` };
    const [x, y] = await Promise.all([post(a, token, BODY, concurrentKey), post(b, token, BODY, concurrentKey)]);
    expect([x.status, y.status]).to.include(201);
    for (const r of [x, y]) expect([201, 409]).to.include(r.status);
    const answered = x.status === 201 ? x : y;
    const db = await openDatabase(databaseUrl, { migrate: false });
    try {
      for (const r of [first, answered]) {
        expect(await db.prisma.auditDetail.count({ where: { requestId: r.body.id, entry: { kind: 'transfer' } } })).to.equal(1);
      }
    } finally {
      await db.close();
    }
  });
});
