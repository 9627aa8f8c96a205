// Input built to be read two ways, or to make the broker repeat what it was sent, and the answers that refuse it.
import { expect } from 'chai';
import { testDatabase } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

const CITIZEN = '86095742719';

describe('malformed and probing input', function () {
  let h: Harness;
  before(async () => {
    h = await startHarness((await testDatabase('sqlite'))!);
  });
  after(async () => h?.close());

  describe('a JSON body that names the same key twice (read one way here, another way by a proxy)', () => {
    it('is refused with 400 naming the key, before anything is stored', async () => {
      const body = `{"citizen":{"idNr":"${CITIZEN}","idNr":"12345678911"},"evidenceTypes":["salary"],"purpose":"elterngeld","caseReference":"EG-1"}`;
      const before = await h.broker.ctx.database.prisma.auditEntry.count();
      const res = await h.call('POST', '/v1/evidence-requests', { body });
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('invalid-request');
      expect(res.body.invalidParams[0]).to.deep.equal({ name: 'body', reason: 'duplicate key "idNr"' });
      expect(await h.broker.ctx.database.prisma.auditEntry.count()).to.equal(before);
    });
  });

  describe('an unknown address with an IdNr encoded into the path', () => {
    it('answers 404 without repeating the path', async () => {
      const res = await h.call('GET', `/v1/citizens%2F${CITIZEN}%2Ftransfers`);
      expect(res.status).to.equal(404);
      expect(JSON.stringify(res.body)).not.to.include(CITIZEN);
      const plain = await h.call('GET', `/v1/nothing-here/${CITIZEN}`);
      expect(plain.status).to.equal(404);
      expect(plain.body.detail).not.to.include(CITIZEN);
    });
  });
});
