import { expect } from 'chai';
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
