// Web sessions for the pages: a random id in an HttpOnly, SameSite=Lax cookie (Secure and __Host- when
// served over HTTPS), the session itself in the database with an idle and an absolute expiry, a
// synchronizer CSRF token per session, a fresh id at every sign-in, and sign-out that deletes the row.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { clearedCookie, readCookie, sessionCookie, type CookieOptions } from './cookies.ts';
import type { Flash, SessionData, SessionRealm, WebSessionRecord, WebSessionStore } from './session-store.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** The sessions loaded for this request, per realm. */
    pageSessions?: Partial<Record<SessionRealm, WebSessionRecord>>;
  }
}

/** How long a realm's sessions live and what its cookie is called. */
export interface SessionPolicy {
  realm: SessionRealm;
  cookieName: string;
  /** A signed-in session ends after this long without a request. */
  idleMs: number;
  /** …and after this long in any case. */
  absoluteMs: number;
  /** An anonymous session (only a sign-in form's CSRF token) ends after this long without a request. */
  anonymousIdleMs: number;
}

const MINUTE = 60_000;
// A clerk's working day, but 30 minutes idle ends it (an unattended desk); citizens get less.
export const CLERK_SESSIONS: SessionPolicy = { realm: 'clerk', cookieName: 'eb_clerk', idleMs: 30 * MINUTE, absoluteMs: 10 * 60 * MINUTE, anonymousIdleMs: 60 * MINUTE };
export const CITIZEN_SESSIONS: SessionPolicy = { realm: 'citizen', cookieName: 'eb_citizen', idleMs: 15 * MINUTE, absoluteMs: 2 * 60 * MINUTE, anonymousIdleMs: 60 * MINUTE };

/** Writes of "last seen" are spared when the previous one is this recent. */
const TOUCH_EVERY_MS = MINUTE;
const PURGE_EVERY_MS = 5 * MINUTE;
const MAX_REMEMBERED_SUBMISSIONS = 20;

export const hashSessionId = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Whether cookies get the Secure flag: 'auto' when the request came over TLS, 'always' behind a TLS proxy. */
export type CookieSecurity = 'auto' | 'always';

export class WebSessions {
  private lastPurge = 0;

  constructor(
    private readonly store: WebSessionStore,
    private readonly clock: () => Date,
    readonly policy: SessionPolicy,
    private readonly cookieSecurity: CookieSecurity,
    private readonly log: Logger,
    /** Signs the CSRF token of an anonymous form (a sign-in page), which lives in a cookie, not a session row. */
    private readonly formKey: Buffer,
  ) {}

  private cookieOptions(req: Request): CookieOptions {
    // NOTE: Lax, not Strict: a link from an e-mail to the cockpit should find the session; every change
    // of state is a POST with a synchronizer token, which Lax never sends cross-site anyway.
    return { secure: this.cookieSecurity === 'always' || req.secure, sameSite: 'Lax' };
  }

  /** `__Host-` binds the cookie to this host and path / and forces Secure; only possible over HTTPS. */
  cookieName(req: Request): string {
    return this.cookieOptions(req).secure ? `__Host-${this.policy.cookieName}` : this.policy.cookieName;
  }

  /** Middleware: finds this realm's session from the cookie, if it is valid, and keeps it alive. */
  load(): RequestHandler {
    return async (req: Request, _res: Response, next: NextFunction) => {
      const value = readCookie(req.headers.cookie, this.cookieName(req));
      if (value) {
        const idHash = hashSessionId(value);
        const found = await this.store.find(idHash);
        const now = this.clock();
        if (found && found.realm === this.policy.realm && found.expiresAt > now) {
          if (now.getTime() - found.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
            found.lastSeenAt = now;
            found.expiresAt = this.expiry(found, now);
            await this.store.touch(idHash, found.lastSeenAt, found.expiresAt);
          }
          req.pageSessions = { ...req.pageSessions, [this.policy.realm]: found };
        } else if (found && found.expiresAt <= now) {
          await this.store.delete(idHash);
        }
      }
      next();
    };
  }

  private expiry(s: { createdAt: Date; clerkId: string | null; citizenIdNr: string | null }, now: Date): Date {
    const signedIn = s.clerkId !== null || s.citizenIdNr !== null;
    const idle = now.getTime() + (signedIn ? this.policy.idleMs : this.policy.anonymousIdleMs);
    return new Date(Math.min(idle, s.createdAt.getTime() + this.policy.absoluteMs));
  }

  /** Whether the browser sent this realm's cookie at all (to tell "expired" from "never signed in"). */
  hadCookie(req: Request): boolean {
    return readCookie(req.headers.cookie, this.cookieName(req)) !== null;
  }

  current(req: Request): WebSessionRecord | null {
    return req.pageSessions?.[this.policy.realm] ?? null;
  }

  /**
   * The CSRF token for a form: the session's, or for an anonymous visitor (a sign-in page) one kept in a signed
   * cookie, so that visiting a sign-in page writes nothing to the database.
   */
  formToken(req: Request, res: Response): string {
    const session = this.current(req);
    if (session) return session.csrfToken;
    const kept = this.anonymousToken(req);
    if (kept) return kept;
    const token = randomBytes(32).toString('base64url');
    const expires = this.clock().getTime() + this.policy.anonymousIdleMs;
    const value = `${token}${this.formSignature(token, expires)}${expires}`;
    res.append('Set-Cookie', sessionCookie(this.formCookieName(req), value, this.cookieOptions(req)));
    return token;
  }

  private formCookieName(req: Request): string {
    return `${this.cookieName(req)}_form`;
  }

  private formSignature(token: string, expires: number): string {
    return createHmac('sha256', this.formKey).update(`${this.policy.realm}.${token}.${expires}`).digest('base64url');
  }

  /** The anonymous form token from its cookie, if the signature holds and it has not expired. */
  private anonymousToken(req: Request): string | null {
    // The cookie is token (43), signature (43) and expiry (ms, digits): cookies carry base64url only.
    const value = readCookie(req.headers.cookie, this.formCookieName(req)) ?? '';
    const [token, signature, expiresText] = [value.slice(0, 43), value.slice(43, 86), value.slice(86)];
    if (token.length !== 43 || !/^\d{13,15}$/.test(expiresText)) return null;
    const expires = Number(expiresText);
    if (!Number.isSafeInteger(expires) || expires <= this.clock().getTime()) return null;
    const expected = Buffer.from(this.formSignature(token, expires));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected) ? token : null;
  }

  /** Starts a fresh session for someone who just signed in; the old id is deleted (no session fixation). */
  async signIn(req: Request, res: Response, who: { clerkId: string } | { citizenIdNr: string }): Promise<WebSessionRecord> {
    const old = this.current(req);
    if (old) await this.store.delete(old.idHash);
    if (this.anonymousToken(req)) res.append('Set-Cookie', clearedCookie(this.formCookieName(req), this.cookieOptions(req)));
    return this.start(req, res, {
      clerkId: 'clerkId' in who ? who.clerkId : null,
      citizenIdNr: 'citizenIdNr' in who ? who.citizenIdNr : null,
    });
  }

  /** Ends the session on the server, not only in the browser. */
  async signOut(req: Request, res: Response): Promise<void> {
    const current = this.current(req);
    if (current) await this.store.delete(current.idHash);
    delete req.pageSessions?.[this.policy.realm];
    res.append('Set-Cookie', clearedCookie(this.cookieName(req), this.cookieOptions(req)));
  }

  private async start(req: Request, res: Response, who: { clerkId: string | null; citizenIdNr: string | null }): Promise<WebSessionRecord> {
    const now = this.clock();
    const value = randomBytes(32).toString('base64url');
    const record: WebSessionRecord = {
      idHash: hashSessionId(value),
      realm: this.policy.realm,
      ...who,
      csrfToken: randomBytes(32).toString('base64url'),
      data: {},
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now,
    };
    record.expiresAt = this.expiry(record, now);
    await this.store.create(record);
    res.append('Set-Cookie', sessionCookie(this.cookieName(req), value, this.cookieOptions(req)));
    req.pageSessions = { ...req.pageSessions, [this.policy.realm]: record };
    this.purgeNowAndThen(now);
    return record;
  }

  private purgeNowAndThen(now: Date): void {
    if (now.getTime() - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now.getTime();
    this.store.deleteExpired(now).catch((err: unknown) => this.log.warn({ err }, 'purging expired web sessions failed'));
  }

  /** The synchronizer-token check: the form's token must equal this session's, compared in constant time. */
  csrfValid(req: Request, token: string): boolean {
    const expectedToken = this.current(req)?.csrfToken ?? this.anonymousToken(req);
    if (!expectedToken || token.length === 0) return false;
    const expected = Buffer.from(expectedToken);
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async setFlash(req: Request, flash: Flash): Promise<void> {
    await this.updateData(req, (d) => ({ ...d, flash }));
  }

  /** The pending message, removed as it is read. */
  async takeFlash(req: Request): Promise<Flash | null> {
    const flash = this.current(req)?.data.flash ?? null;
    if (flash) await this.updateData(req, ({ flash: _, ...rest }) => rest);
    return flash;
  }

  async rememberSubmission(req: Request, formId: string, requestId: string): Promise<void> {
    await this.updateData(req, (d) => ({
      ...d,
      submissions: [...(d.submissions ?? []), { formId, requestId }].slice(-MAX_REMEMBERED_SUBMISSIONS),
    }));
  }

  findSubmission(req: Request, formId: string): string | null {
    return this.current(req)?.data.submissions?.find((s) => s.formId === formId)?.requestId ?? null;
  }

  private async updateData(req: Request, change: (d: SessionData) => SessionData): Promise<void> {
    const session = this.current(req);
    if (!session) return;
    session.data = change(session.data);
    await this.store.saveData(session.idHash, session.data);
  }
}
