// Consents an authority records for itself: an attacker with an authority's token tries to record one that
// lasts forever, starts in the past, ends before it starts, or cannot be traced to a signed paper form, to
// fetch at once. Each is refused naming the field, and nothing is recorded.
import { expect } from 'chai';
import { ConsentBody } from '../../broker/http/schemas.ts';
import { germanDay, PAPER_SIGNATURE_MAX_AGE_DAYS } from '../../consent/grant-bounds.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const CITIZEN = '86095742719';
const DAY = 86_400_000;
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const body = (o: Record<string, unknown>) => ({ citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ['income'], purpose: 'wohngeld', paper: PAPER_FORM, ...o });
const signedOn = (signed: string) => ({ paper: { reference: PAPER_FORM.reference, signedOn: signed } });
/** A day in Germany `days` after today there (negative: before). */
const germanDayIn = (days: number) => {
  const [y, m, d] = germanDay(new Date()).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
};
const inAMonth = { validUntil: at(30 * DAY) };

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
      ['starting in ten days', { validFrom: at(10 * DAY), validUntil: at(30 * DAY) }, 'body.validFrom'],
      ['ending before it starts', { validFrom: at(2 * 60_000), validUntil: at(60_000) }, 'body.validUntil'],
      ['ending before now', { validUntil: at(-DAY) }, 'body.validUntil'],
      ['lasting longer than CONSENT_MAX_VALIDITY_DAYS', { validUntil: at(400 * DAY) }, 'body.validUntil'],
      ['without naming the paper form', { ...inAMonth, paper: undefined }, 'body.paper.reference'],
      ['with an empty form reference', { ...inAMonth, paper: { reference: '  ', signedOn: PAPER_FORM.signedOn } }, 'body.paper.reference'],
      ['with a form reference of 65 characters', { ...inAMonth, paper: { reference: 'A'.repeat(65), signedOn: PAPER_FORM.signedOn } }, 'body.paper.reference'],
      ['with a line break smuggled into the form reference', { ...inAMonth, paper: { reference: 'EG-Antrag\nFAKE', signedOn: PAPER_FORM.signedOn } }, 'body.paper.reference'],
      ['without the day the form was signed', { ...inAMonth, paper: { reference: PAPER_FORM.reference } }, 'body.paper.signedOn'],
      ['with the signing day written the German way', { ...inAMonth, ...signedOn('03.12.2026') }, 'body.paper.signedOn'],
      ['signed on a day that does not exist', { ...inAMonth, ...signedOn('2026-02-30') }, 'body.paper.signedOn'],
      ['signed tomorrow', { ...inAMonth, ...signedOn(germanDayIn(1)) }, 'body.paper.signedOn'],
      [`signed more than ${PAPER_SIGNATURE_MAX_AGE_DAYS} days ago`, { ...inAMonth, ...signedOn(germanDayIn(-PAPER_SIGNATURE_MAX_AGE_DAYS - 1)) }, 'body.paper.signedOn'],
    ];
    for (const [attack, dates, field] of refusals) {
      it(`refuses one ${attack} with 400 naming ${field}, recording nothing`, async () => {
        const before = await h.broker.ctx.database.prisma.consent.count();
        const res = await h.call('POST', '/v1/consents', { body: body(dates) });
        expect(res.status, JSON.stringify(res.body)).to.equal(400);
        expect(res.body.code).to.equal('invalid-request');
        expect(res.body.invalidParams[0].name).to.equal(field);
        expect(await h.broker.ctx.database.prisma.consent.count()).to.equal(before);
      });
    }

    it('names both missing paper fields at once', async () => {
      const res = await h.call('POST', '/v1/consents', { body: body({ ...inAMonth, paper: undefined }) });
      expect(res.body.invalidParams.map((p: { name: string }) => p.name)).to.deep.equal(['body.paper.reference', 'body.paper.signedOn']);
    });

    it('refuses a citizen who labels their own consent as a paper form (400 naming body.paper)', async () => {
      const citizen = await h.citizenToken(CITIZEN);
      const res = await h.call('POST', '/v1/consents', { body: body(inAMonth), token: citizen });
      expect(res.status).to.equal(400);
      expect(res.body.invalidParams[0].name).to.equal('body.paper');
    });

    it('accepts one starting now for up to the maximum, and a citizen may grant longer for themself', async () => {
      expect((await h.call('POST', '/v1/consents', { body: body({ validUntil: at(364 * DAY) }) })).status).to.equal(201);
      const citizen = await h.citizenToken(CITIZEN);
      expect((await h.call('POST', '/v1/consents', { body: body({ validUntil: at(3 * 365 * DAY), paper: undefined }), token: citizen })).status).to.equal(201);
    });

    it(`accepts a form signed today in Germany and one signed exactly ${PAPER_SIGNATURE_MAX_AGE_DAYS} days before`, async () => {
      for (const day of [germanDayIn(0), germanDayIn(-PAPER_SIGNATURE_MAX_AGE_DAYS)]) {
        const res = await h.call('POST', '/v1/consents', { body: body({ ...inAMonth, ...signedOn(day) }) });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.paper).to.deep.equal({ reference: PAPER_FORM.reference, signedOn: day, recordedByClerk: null });
      }
    });
  });
}

describe('the consent body\'s start and end written with different offsets', () => {
  const parse = (validFrom: string, validUntil: string) => ConsentBody.safeParse(body({ validFrom, validUntil }));

  it('refuses a start that lies after the end as instants though it sorts before it as text', () => {
    const res = parse('2026-12-08T09:00:00-05:00', '2026-12-08T10:00:00Z');
    expect(res.success).to.equal(false);
    expect(res.error?.issues[0]?.path).to.deep.equal(['validUntil']);
  });

  it('accepts a start before the end though it sorts after it as text', () => {
    expect(parse('2026-12-08T10:00:00+01:00', '2026-12-08T09:30:00Z').success).to.equal(true);
  });
});
