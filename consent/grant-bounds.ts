// Pure bounds of a consent being recorded: it starts now (not backdated), ends after it starts, and one an
// authority records for itself lasts no longer than the operator allows. No I/O, clock passed in.

/** How far a consent's start may lie before the moment it is recorded (clock skew between systems). */
export const BACKDATING_TOLERANCE_MS = 5 * 60_000;

/** What is being recorded, and by whom. */
export interface GrantToBound {
  validFrom: Date;
  validUntil: Date;
  recordedBy: 'citizen' | 'authority';
}

/** The first field out of bounds and why, or null. */
export function grantBoundsProblem(grant: GrantToBound, now: Date, maxValidityDays: number): { field: 'validFrom' | 'validUntil'; reason: string } | null {
  if (grant.validFrom.getTime() < now.getTime() - BACKDATING_TOLERANCE_MS) {
    return { field: 'validFrom', reason: 'must not lie more than 5 minutes in the past' };
  }
  if (grant.validUntil <= grant.validFrom) return { field: 'validUntil', reason: 'must be after validFrom (or after now)' };
  if (grant.recordedBy === 'authority' && grant.validUntil.getTime() - grant.validFrom.getTime() > maxValidityDays * 86_400_000) {
    return { field: 'validUntil', reason: `a consent an authority records lasts at most ${maxValidityDays} days` };
  }
  return null;
}
