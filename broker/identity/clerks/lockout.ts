// Pure lock-out rules for clerk sign-in: five failures in a row lock the user name for 15 minutes.
// The count is kept per user name whether or not an account has that name, so the lock-out itself
// never tells an attacker which names exist.

export const LOCKOUT = {
  maxFailures: 5,
  lockMs: 15 * 60_000,
  /** Failures this old are forgotten, so a mistype last week does not count today. */
  forgetAfterMs: 24 * 60 * 60_000,
} as const;

/** The stored state of one user name's sign-in attempts. */
export interface ThrottleState {
  /** Attempts counted since the last success or lock-out, including the one in progress. */
  failures: number;
  lockedUntil: Date | null;
}

/** The verdict before a password is checked. */
export type BeforeCheck = { check: true } | { check: false; lockedUntil: Date };

/**
 * Decides on an attempt that has already been counted (the store increments before the password is
 * checked, so concurrent guesses cannot slip past the limit between a read and a write).
 */
export function beforeCheck(state: ThrottleState, now: Date): BeforeCheck {
  if (state.lockedUntil && state.lockedUntil > now) return { check: false, lockedUntil: state.lockedUntil };
  if (state.failures > LOCKOUT.maxFailures) return { check: false, lockedUntil: new Date(now.getTime() + LOCKOUT.lockMs) };
  return { check: true };
}

/** The verdict after a wrong password: locked now, or how many attempts are left. */
export type AfterFailure = { locked: true; lockedUntil: Date } | { locked: false; attemptsLeft: number };

export function afterFailure(state: ThrottleState, now: Date): AfterFailure {
  if (state.failures >= LOCKOUT.maxFailures) return { locked: true, lockedUntil: new Date(now.getTime() + LOCKOUT.lockMs) };
  return { locked: false, attemptsLeft: LOCKOUT.maxFailures - state.failures };
}

/** Whether a stored state is stale and starts again from zero before this attempt is counted. */
export function startsAfresh(state: ThrottleState & { lastAttemptAt: Date | null }, now: Date): boolean {
  if (state.lockedUntil) return state.lockedUntil <= now;
  return state.lastAttemptAt !== null && now.getTime() - state.lastAttemptAt.getTime() > LOCKOUT.forgetAfterMs;
}
