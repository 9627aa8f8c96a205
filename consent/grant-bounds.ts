// Pure bounds of a consent being recorded: it starts about now, ends after it starts, and one an authority
// records lasts no longer than the operator allows and names its paper form. An import of existing paper
// consents may start back to the signing day. No I/O, clock passed in.

/** How far a consent's start may lie before (or, recorded by an authority, after) the moment it is recorded: clock skew. */
export const BACKDATING_TOLERANCE_MS = 5 * 60_000;

/** How long before it is recorded a paper form may have been signed: an older one is a stale application. */
export const PAPER_SIGNATURE_MAX_AGE_DAYS = 365;

/** What is being recorded, and by whom. */
export interface GrantToBound {
  validFrom: Date;
  validUntil: Date;
  recordedBy: 'citizen' | 'authority';
  /** Only for the operator's import of consents already held on paper: the form's signing day, YYYY-MM-DD. */
  importedSignedOn?: string;
}

/** The first field out of bounds and why, or null. */
export function grantBoundsProblem(grant: GrantToBound, now: Date, maxValidityDays: number): { field: 'validFrom' | 'validUntil'; reason: string } | null {
  if (grant.importedSignedOn !== undefined) {
    // NOTE: the start's calendar day in Germany, where the form was signed, against the day on the form.
    if (germanDay(grant.validFrom) < grant.importedSignedOn) {
      return { field: 'validFrom', reason: `must not lie before the day the form was signed (${grant.importedSignedOn})` };
    }
  } else if (grant.validFrom.getTime() < now.getTime() - BACKDATING_TOLERANCE_MS) {
    return { field: 'validFrom', reason: 'must not lie more than 5 minutes in the past' };
  }
  // An authority holds the signed form now: a start far ahead would let it pre-record consents nobody reviews.
  if (grant.recordedBy === 'authority' && grant.validFrom.getTime() > now.getTime() + BACKDATING_TOLERANCE_MS) {
    return { field: 'validFrom', reason: 'must not lie more than 5 minutes in the future' };
  }
  if (grant.validUntil <= grant.validFrom) return { field: 'validUntil', reason: 'must be after validFrom (or after now)' };
  if (grant.recordedBy === 'authority' && grant.validUntil.getTime() - grant.validFrom.getTime() > maxValidityDays * 86_400_000) {
    return { field: 'validUntil', reason: `a consent an authority records lasts at most ${maxValidityDays} days` };
  }
  return null;
}

/** The paper form as the recording authority states it (the schemas check the format). */
export interface PaperForm {
  reference: string;
  /** YYYY-MM-DD */
  signedOn: string;
}

/** What is wrong with a consent's paper form, per field. */
export interface PaperProblem {
  field: 'paper' | 'paper.reference' | 'paper.signedOn';
  kind: 'not-on-paper' | 'missing' | 'in-the-future' | 'too-old';
  reason: string;
}

let berlinDays: Intl.DateTimeFormat | undefined;

/** The calendar day in Germany at an instant, YYYY-MM-DD: the day a form signed there carries. */
export function germanDay(at: Date): string {
  berlinDays ??= new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' });
  return berlinDays.format(at);
}

/**
 * An authority must name the signed form (so the consent can be traced to the file); a citizen granting for
 * themself has no form, and sending one is refused rather than stored as a provenance nobody checked.
 */
export function paperProblems(paper: PaperForm | undefined, recordedBy: GrantToBound['recordedBy'], now: Date): PaperProblem[] {
  if (recordedBy === 'citizen') {
    return paper ? [{ field: 'paper', kind: 'not-on-paper', reason: 'is only sent by an authority recording a consent given on paper' }] : [];
  }
  if (!paper) {
    return [
      { field: 'paper.reference', kind: 'missing', reason: 'is required: the reference of the signed paper form' },
      { field: 'paper.signedOn', kind: 'missing', reason: 'is required: the day the citizen signed the form (YYYY-MM-DD)' },
    ];
  }
  const today = germanDay(now);
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const oldest = new Date(Date.UTC(y, m - 1, d - PAPER_SIGNATURE_MAX_AGE_DAYS)).toISOString().slice(0, 10);
  if (paper.signedOn > today) return [{ field: 'paper.signedOn', kind: 'in-the-future', reason: `must not lie after today (${today} in Germany)` }];
  if (paper.signedOn < oldest) {
    return [{ field: 'paper.signedOn', kind: 'too-old', reason: `must not lie more than ${PAPER_SIGNATURE_MAX_AGE_DAYS} days in the past` }];
  }
  return [];
}
