// Where web sessions live: in the database, so any broker process behind a load balancer can serve any
// request and signing out ends the session everywhere. Rows are keyed by the SHA-256 of the cookie value:
// a copy of the table does not hand out live sessions.
import type { Db } from '../../db/database.ts';

/** Which people a session is for; a clerk's session never opens the cockpit and vice versa. */
export type SessionRealm = 'clerk' | 'citizen';

/** A message for the next page (after a redirect), e.g. "consent revoked". */
export interface Flash {
  title: string;
  body: string;
}

/** Small per-session state the pages keep between requests. */
export interface SessionData {
  flash?: Flash;
  /** Lookup forms already sent (one-time form ids → evidence request), so a resend never fetches twice. */
  submissions?: { formId: string; requestId: string }[];
}

/** One stored session; `clerkId`/`citizenIdNr` are null until someone signs in (anonymous session). */
export interface WebSessionRecord {
  idHash: string;
  realm: SessionRealm;
  clerkId: string | null;
  citizenIdNr: string | null;
  csrfToken: string;
  data: SessionData;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

/** Storage of web sessions. */
export interface WebSessionStore {
  create(session: WebSessionRecord): Promise<void>;
  find(idHash: string): Promise<WebSessionRecord | null>;
  touch(idHash: string, lastSeenAt: Date, expiresAt: Date): Promise<void>;
  saveData(idHash: string, data: SessionData): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Ends every session of a clerk (password changed, account disabled). */
  deleteForClerk(clerkId: string): Promise<number>;
  deleteExpired(now: Date): Promise<number>;
}

type Row = Awaited<ReturnType<Db['webSession']['findUniqueOrThrow']>>;

function toRecord(row: Row): WebSessionRecord {
  return { ...row, realm: row.realm as SessionRealm, data: JSON.parse(row.data) as SessionData };
}

export class PrismaWebSessionStore implements WebSessionStore {
  constructor(private readonly db: Db) {}

  async create(s: WebSessionRecord): Promise<void> {
    await this.db.webSession.create({ data: { ...s, data: JSON.stringify(s.data) } });
  }

  async find(idHash: string): Promise<WebSessionRecord | null> {
    const row = await this.db.webSession.findUnique({ where: { idHash } });
    return row ? toRecord(row) : null;
  }

  async touch(idHash: string, lastSeenAt: Date, expiresAt: Date): Promise<void> {
    await this.db.webSession.updateMany({ where: { idHash }, data: { lastSeenAt, expiresAt } });
  }

  async saveData(idHash: string, data: SessionData): Promise<void> {
    await this.db.webSession.updateMany({ where: { idHash }, data: { data: JSON.stringify(data) } });
  }

  async delete(idHash: string): Promise<void> {
    await this.db.webSession.deleteMany({ where: { idHash } });
  }

  async deleteForClerk(clerkId: string): Promise<number> {
    const { count } = await this.db.webSession.deleteMany({ where: { clerkId } });
    return count;
  }

  async deleteExpired(now: Date): Promise<number> {
    const { count } = await this.db.webSession.deleteMany({ where: { expiresAt: { lte: now } } });
    return count;
  }
}
