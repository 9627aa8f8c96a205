// Signs clerks in: counts the attempt, refuses while locked, checks the password in constant time (an
// unknown user name costs the same scrypt as a known one), unlocks on success, locks after five failures.
import { randomBytes } from 'node:crypto';
import type { ClerkAccount, ClerkAccountStore, SignInThrottleStore } from './clerk-accounts.ts';
import { afterFailure, beforeCheck } from './lockout.ts';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, needsRehash, verifyPassword } from './password.ts';

/** The outcome of one sign-in attempt. Wrong user name and wrong password are one outcome on purpose. */
export type ClerkSignIn =
  | { ok: true; account: ClerkAccount }
  | { ok: false; reason: 'wrong'; attemptsLeft: number }
  | { ok: false; reason: 'locked'; lockedUntil: Date };

/** A clerk account to create or update (seeding, the operator CLI, tests). */
export interface ClerkRegistration {
  username: string;
  displayName: string;
  participantId: string;
  password: string;
}

export class ClerkAuthenticator {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly accounts: ClerkAccountStore,
    private readonly throttle: SignInThrottleStore,
    private readonly clock: () => Date,
  ) {}

  async signIn(username: string, password: string): Promise<ClerkSignIn> {
    const now = this.clock();
    const state = await this.throttle.countAttempt(username, now);
    const verdict = beforeCheck(state, now);
    if (!verdict.check) {
      if (!state.lockedUntil) await this.throttle.lock(username, verdict.lockedUntil);
      return { ok: false, reason: 'locked', lockedUntil: verdict.lockedUntil };
    }
    const account = await this.accounts.findByUsername(username);
    // NOTE: always run scrypt, against a throwaway hash when the name is unknown, so that the response
    // time does not tell which user names exist.
    this.dummyHash ??= hashPassword(randomBytes(18).toString('base64'));
    const matches = await verifyPassword(account?.passwordHash ?? (await this.dummyHash), password);
    if (matches && account && account.disabledAt === null) {
      await this.throttle.clear(username);
      if (needsRehash(account.passwordHash)) await this.accounts.setPasswordHash(account.id, await hashPassword(password), now);
      return { ok: true, account };
    }
    const after = afterFailure(state, now);
    if (after.locked) {
      await this.throttle.lock(username, after.lockedUntil);
      return { ok: false, reason: 'locked', lockedUntil: after.lockedUntil };
    }
    return { ok: false, reason: 'wrong', attemptsLeft: after.attemptsLeft };
  }

  /** Creates a clerk account or sets a new password on it (and clears its lock-out). */
  async register(r: ClerkRegistration): Promise<ClerkAccount> {
    if (r.password.length < MIN_PASSWORD_LENGTH || r.password.length > MAX_PASSWORD_LENGTH) {
      throw new Error(`a clerk password must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
    }
    const now = this.clock();
    const account = await this.accounts.save(
      { username: r.username, displayName: r.displayName, participantId: r.participantId, passwordHash: await hashPassword(r.password), passwordChangedAt: now },
      now,
    );
    await this.throttle.clear(r.username);
    return account;
  }

  get(id: string): Promise<ClerkAccount | null> {
    return this.accounts.get(id);
  }

  list(): Promise<ClerkAccount[]> {
    return this.accounts.list();
  }

  /** Disables an account; its sessions end at their next request (requireClerk checks). */
  disable(username: string): Promise<boolean> {
    return this.accounts.setDisabled(username, this.clock());
  }

  enable(username: string): Promise<boolean> {
    return this.accounts.setDisabled(username, null);
  }

  /** Lifts a lock-out early (the IT desk, after checking who asks). */
  unlock(username: string): Promise<void> {
    return this.throttle.clear(username);
  }
}
