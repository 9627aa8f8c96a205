// Consents an authority records for itself: an attacker with an authority's token tries to record one that
// lasts forever, starts in the past, or ends before it starts, to fetch at once. Each is refused naming the field.
import { expect } from 'chai';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, startHarness, type Harness } from '../helpers/harness.ts';

const CITIZEN = '86095742719';
const DAY = 86_400_000;
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const body = (o: Record<string, unknown>) => ({ citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ['income'], purpose: 'wohngeld', ...o });

for (const kind of DATABASE_KINDS) {
  describe(`consents an authority records (${kind})`, function () {
    let h: Harness;
    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db, { config: { consentMaxValidityDays: 365 } });
    });
    after(async () => h?.close());

    const refusals: [string, Record<string, unknown>, string][] = [
      ['valid from 2000 to 9999', { validFrom: '2000-01-01T00:00:00Z', validUntil: '9999-12-31T00:00:00Z' }, 'body.validFrom'],
      ['backdated by an hour', { validFrom: at(-3_600_000), validUntil: at(30 * DAY) }, 'body.validFrom'],
      ['ending before it starts', { validFrom: at(10 * DAY), validUntil: at(5 * DAY) }, 'body.validUntil'],
      ['ending before now', { validUntil: at(-DAY) }, 'body.validUntil'],
      ['lasting longer than CONSENT_MAX_VALIDITY_DAYS', { validUntil: at(400 * DAY) }, 'body.validUntil'],
    ];
    for (const [attack, dates, field] of refusals) {
      it(`refuses one ${attack} with 400 naming ${field}, recording nothing`, async () => {
        const before = await h.broker.ctx.database.prisma.consent.count();
        const res = await h.call('POST', '/v1/consents', { body: body(dates) });
        expect(res.status, JSON.stringify(res.body)).to.equal(400);
        expect(res.body.invalidParams[0].name).to.equal(field);
        expect(await h.broker.ctx.database.prisma.consent.count()).to.equal(before);
      });
    }

    it('accepts one starting now for up to the maximum, and a citizen may grant longer for themself', async () => {
      expect((await h.call('POST', '/v1/consents', { body: body({ validUntil: at(364 * DAY) }) })).status).to.equal(201);
      const citizen = await h.citizenToken(CITIZEN);
      expect((await h.call('POST', '/v1/consents', { body: body({ validUntil: at(3 * 365 * DAY) }), token: citizen })).status).to.equal(201);
    });
  });
}
