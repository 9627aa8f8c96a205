// Clerk accounts and the per-user-name sign-in counters, on the database. A clerk acts for exactly one
// participant (the authority employing them): a lookup runs with that participant's permissions.
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../../db/database.ts';
import { startsAfresh, type ThrottleState } from './lockout.ts';

/** A clerk's account. */
export interface ClerkAccount {
  id: string;
  username: string;
  displayName: string;
  participantId: string;
  passwordHash: string;
  createdAt: Date;
  passwordChangedAt: Date;
  disabledAt: Date | null;
}

/** User names compare trimmed, case-insensitively and in one Unicode form. */
export function normalizeUsername(username: string): string {
  return username.trim().normalize('NFC').toLowerCase();
}

/** Storage of clerk accounts. */
export interface ClerkAccountStore {
  findByUsername(username: string): Promise<ClerkAccount | null>;
  get(id: string): Promise<ClerkAccount | null>;
  /** Creates the account, or sets name, authority and password of the existing one with that user name. */
  save(account: Omit<ClerkAccount, 'id' | 'createdAt' | 'disabledAt'>, now: Date): Promise<ClerkAccount>;
  setPasswordHash(id: string, passwordHash: string, changedAt: Date): Promise<void>;
  /** Disables (or with null re-enables) an account; false when there is no such user name. */
  setDisabled(username: string, at: Date | null): Promise<boolean>;
  list(): Promise<ClerkAccount[]>;
}

/** Storage of sign-in attempt counters, keyed by a hash of the user name (typed passwords stay out). */
export interface SignInThrottleStore {
  /** Counts one attempt before its password is checked and returns the state including it. */
  countAttempt(username: string, now: Date): Promise<ThrottleState>;
  lock(username: string, until: Date): Promise<void>;
  clear(username: string): Promise<void>;
}

export class PrismaClerkAccountStore implements ClerkAccountStore {
  constructor(private readonly db: Db) {}

  async findByUsername(username: string): Promise<ClerkAccount | null> {
    return this.db.clerkAccount.findUnique({ where: { username: normalizeUsername(username) } });
  }

  async get(id: string): Promise<ClerkAccount | null> {
    return this.db.clerkAccount.findUnique({ where: { id } });
  }

  async save(a: Omit<ClerkAccount, 'id' | 'createdAt' | 'disabledAt'>, now: Date): Promise<ClerkAccount> {
    const username = normalizeUsername(a.username);
    const fields = { displayName: a.displayName, participantId: a.participantId, passwordHash: a.passwordHash, passwordChangedAt: a.passwordChangedAt };
    return this.db.clerkAccount.upsert({
      where: { username },
      create: { id: randomUUID(), username, createdAt: now, disabledAt: null, ...fields },
      update: fields,
    });
  }

  async setPasswordHash(id: string, passwordHash: string, changedAt: Date): Promise<void> {
    await this.db.clerkAccount.update({ where: { id }, data: { passwordHash, passwordChangedAt: changedAt } });
  }

  async setDisabled(username: string, at: Date | null): Promise<boolean> {
    const { count } = await this.db.clerkAccount.updateMany({ where: { username: normalizeUsername(username) }, data: { disabledAt: at } });
    return count === 1;
  }

  async list(): Promise<ClerkAccount[]> {
    return this.db.clerkAccount.findMany({ orderBy: { username: 'asc' } });
  }
}

const throttleKey = (username: string): string => createHash('sha256').update(`clerk-sign-in\0${normalizeUsername(username)}`).digest('hex');

export class PrismaSignInThrottleStore implements SignInThrottleStore {
  constructor(private readonly db: Db) {}

  async countAttempt(username: string, now: Date): Promise<ThrottleState> {
    const key = throttleKey(username);
    const before = await this.db.signInThrottle.findUnique({ where: { key } });
    if (before && startsAfresh(before, now)) {
      // Conditional on what was read, so a concurrent attempt's count is never wiped twice.
      await this.db.signInThrottle.updateMany({
        where: { key, failures: before.failures, lockedUntil: before.lockedUntil },
        data: { failures: 0, lockedUntil: null },
      });
    }
    // NOTE: an atomic increment, so parallel guesses each get their own number and none slips past the limit.
    for (let attempt = 0; ; attempt++) {
      try {
        const row = await this.db.signInThrottle.upsert({
          where: { key },
          create: { key, failures: 1, lockedUntil: null, lastAttemptAt: now },
          update: { failures: { increment: 1 }, lastAttemptAt: now },
        });
        return { failures: row.failures, lockedUntil: row.lockedUntil };
      } catch (err) {
        // Two first attempts raced to create the row: the loser increments the winner's row.
        if (attempt > 0 || (err as { code?: string }).code !== 'P2002') throw err;
      }
    }
  }

  async lock(username: string, until: Date): Promise<void> {
    await this.db.signInThrottle.updateMany({ where: { key: throttleKey(username) }, data: { lockedUntil: until, failures: 0 } });
  }

  async clear(username: string): Promise<void> {
    await this.db.signInThrottle.deleteMany({ where: { key: throttleKey(username) } });
  }
}
