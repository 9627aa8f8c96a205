import { expect } from 'chai';
import { germanDay, paperProblems } from '../../consent/grant-bounds.ts';
import { consentRefusal, type Consent } from '../../consent/rules.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const consent: Consent = {
  id: 'c1',
  citizenIdNr: '86095742719',
  granteeId: 'authority-a',
  evidenceTypes: ['salary', 'income'],
  purpose: 'elterngeld',
  validFrom: t0,
  validUntil: new Date('2026-07-01T00:00:00Z'),
  grantedAt: t0,
  grantedBy: 'citizen',
  revokedAt: null,
  revokedBy: null,
  paper: null,
};
const need = { idNr: '86095742719', granteeId: 'authority-a', purpose: 'elterngeld' as const, evidenceTypes: ['salary' as const] };
const during = new Date('2026-03-01T00:00:00Z');

describe('consent rules', () => {
  it('a consent covers a request within its scope and validity', () => {
    expect(consentRefusal(consent, need, during)).to.equal(null);
  });
  it('does not cover another citizen, grantee, purpose or evidence type', () => {
    expect(consentRefusal(consent, { ...need, idNr: '12345678911' }, during)).to.equal('other-citizen');
    expect(consentRefusal(consent, { ...need, granteeId: 'authority-b' }, during)).to.equal('other-grantee');
    expect(consentRefusal(consent, { ...need, purpose: 'wohngeld' }, during)).to.equal('other-purpose');
    expect(consentRefusal(consent, { ...need, evidenceTypes: ['salary', 'maternity-benefit'] }, during)).to.equal('evidence-type-not-covered');
  });
  it('is not valid before validFrom, and expires exactly at validUntil', () => {
    expect(consentRefusal(consent, need, new Date('2025-12-31T23:59:59Z'))).to.equal('not-yet-valid');
    expect(consentRefusal(consent, need, consent.validUntil)).to.equal('expired');
  });
  it('stops at the moment of revocation', () => {
    const revoked = { ...consent, revokedAt: during, revokedBy: 'citizen' };
    expect(consentRefusal(revoked, need, new Date(during.getTime() - 1))).to.equal(null);
    expect(consentRefusal(revoked, need, during)).to.equal('revoked');
  });
});

describe('consent rules: the paper form a consent an authority records comes from', () => {
  const form = (signedOn: string) => ({ reference: 'EG-Antrag 2026/0815', signedOn });
  const kinds = (signedOn: string, now: Date) => paperProblems(form(signedOn), 'authority', now).map((p) => p.kind);

  it('counts days in Germany: just before midnight UTC it is already the next day there', () => {
    const lateEvening = new Date('2026-12-07T23:30:00Z');
    expect(germanDay(lateEvening)).to.equal('2026-12-08');
    expect(kinds('2026-12-08', lateEvening)).to.deep.equal([]);
    expect(kinds('2026-12-09', lateEvening)).to.deep.equal(['in-the-future']);
  });
  it('takes a form signed at most 365 days before, across a leap day', () => {
    const now = new Date('2028-03-01T12:00:00Z');
    expect(kinds('2027-03-02', now)).to.deep.equal([]);
    expect(kinds('2027-03-01', now)).to.deep.equal(['too-old']);
  });
  it('wants both fields from an authority, and no form from a citizen', () => {
    expect(paperProblems(undefined, 'authority', t0).map((p) => p.field)).to.deep.equal(['paper.reference', 'paper.signedOn']);
    expect(paperProblems(form('2025-12-31'), 'citizen', t0).map((p) => p.field)).to.deep.equal(['paper']);
    expect(paperProblems(undefined, 'citizen', t0)).to.deep.equal([]);
  });
});
