// Sign-ins under way at the provider: state, nonce and PKCE verifier, kept on the server and found again by a
// random handle in a short-lived cookie, so the provider's answer is accepted only in the browser that asked,
// and only once. They live as rows of the web-session table (no citizen, no clerk), which the sessions'
// expiry purge removes too; the row key is the hash of a prefixed handle, so no session cookie can name one.
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/database.ts';
import type { PendingSignIn } from '../citizen-identity.ts';
import { hashSessionId } from '../sessions/web-sessions.ts';

/** How long a citizen may take at the provider (online ID card included). */
export const PENDING_SIGN_IN_MS = 15 * 60_000;

const rowKey = (handle: string) => hashSessionId(`oidc-pending.${handle}`);

/** Storage of sign-ins under way. */
export interface PendingSignInStore {
  /** Keeps a sign-in under way; returns the handle for the browser's cookie. */
  put(pending: PendingSignIn, now: Date): Promise<string>;
  /** The sign-in under that handle, removed as it is taken: a second take (a replay) finds nothing. */
  take(handle: string, now: Date): Promise<PendingSignIn | null>;
}

export class PrismaPendingSignInStore implements PendingSignInStore {
  constructor(private readonly db: Db) {}

  async put(pending: PendingSignIn, now: Date): Promise<string> {
    const handle = randomBytes(32).toString('base64url');
    await this.db.webSession.create({
      data: {
        idHash: rowKey(handle),
        realm: 'citizen',
        clerkId: null,
        citizenIdNr: null,
        csrfToken: randomBytes(32).toString('base64url'),
        data: JSON.stringify({ oidcPending: pending }),
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + PENDING_SIGN_IN_MS),
      },
    });
    return handle;
  }

  async take(handle: string, now: Date): Promise<PendingSignIn | null> {
    const idHash = rowKey(handle);
    const row = await this.db.webSession.findUnique({ where: { idHash } });
    if (!row) return null;
    // NOTE: whoever deletes the row owns the sign-in; of two callbacks racing with one handle only one proceeds.
    const { count } = await this.db.webSession.deleteMany({ where: { idHash } });
    if (count !== 1 || row.expiresAt <= now || row.clerkId !== null || row.citizenIdNr !== null) return null;
    const pending = (JSON.parse(row.data) as { oidcPending?: PendingSignIn }).oidcPending;
    return pending ?? null;
  }
}
