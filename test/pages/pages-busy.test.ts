// A page whose database work meets a saturated database shows a "busy" page with 503 and Retry-After (like
// the API's problem+json), not the 500 error page; nothing is recorded, and the same form works once the
// database takes writes again. The condition is real: a second connection holds SQLite's write lock.
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, startHarness, type Harness } from '../helpers/harness.ts';
import { PageClient, titleOf } from './page-client.ts';

const PASSWORD = 'Sehr geheim 2026!';

describe('pages when the database is saturated (sqlite)', function () {
  this.timeout(60_000);
  let h: Harness;

  before(async function () {
    const db = await testDatabase('sqlite');
    if (!db) return this.skip();
    h = await startHarness(db);
    await h.broker.ctx.pages.clerks.register({ username: 'anna', displayName: 'Anna Beispiel', participantId: AUTHORITY_ID, password: PASSWORD });
  });
  after(async () => h?.close());

  it('answers a sign-in with the busy page, 503 and Retry-After, records no session, and signs in once the lock is gone', async () => {
    const client = new PageClient(h.url);
    await client.get('/ui/sign-in');
    const sessionsBefore = await h.broker.ctx.database.prisma.webSession.count();
    const holder = new Database(h.databaseUrl.slice('file:'.length));
    holder.exec('BEGIN IMMEDIATE'); // the write lock
    let refused;
    try {
      refused = await client.post('/ui/sign-in', { username: 'anna', password: PASSWORD });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(refused.status).to.equal(503);
    expect(refused.headers.get('retry-after')).to.equal('1');
    expect(refused.headers.get('content-type')).to.match(/^text\/html/);
    expect(titleOf(refused.html)).to.match(/ausgelastet/);
    expect(await h.broker.ctx.database.prisma.webSession.count()).to.equal(sessionsBefore);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).to.match(/^broker_database_busy_total\{cause="sqlite-busy"\} [1-9]/m);

    await client.get('/ui/sign-in');
    const signedIn = await client.post('/ui/sign-in', { username: 'anna', password: PASSWORD });
    expect(signedIn.status).to.equal(303);
  });
});
