// What a load balancer sees: /readyz answers 200 while the database serves, and the API's own 503 problem
// (through the one error handler) when it does not.
import { expect } from 'chai';
import { testDatabase } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

describe('GET /readyz', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness((await testDatabase('sqlite'))!);
  });
  after(async () => h?.close());

  it('answers ready while the database serves', async () => {
    const res = await h.call('GET', '/readyz', { token: null });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ready', database: 'sqlite' });
  });

  describe('when the database cannot serve the audit chain', () => {
    it('answers 503 overloaded problem+json with Retry-After', async () => {
      await h.broker.ctx.database.prisma.auditHead.delete({ where: { id: 1 } });
      const res = await h.call('GET', '/readyz', { token: null });
      expect(res.status).to.equal(503);
      expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(res.headers.get('retry-after')).to.equal('1');
      expect(res.body).to.include({ type: 'https://evidence-broker.example/problems/overloaded', status: 503, code: 'overloaded', detail: 'The database does not answer' });
    });
  });
});
