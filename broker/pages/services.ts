// What the pages need beyond the API's context: web sessions for clerks and citizens, clerk accounts and
// their sign-in, and the citizens' identity provider. Built once by createContext (ctx.pages).
import { hkdfSync } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import { PrismaClerkAccountStore, PrismaSignInThrottleStore } from '../identity/clerks/clerk-accounts.ts';
import { ClerkAuthenticator } from '../identity/clerks/clerk-auth.ts';
import { SandboxCitizenIdentity, type CitizenIdentityProvider } from '../identity/citizen-identity.ts';
import { PrismaWebSessionStore, type WebSessionStore } from '../identity/sessions/session-store.ts';
import { CITIZEN_SESSIONS, CLERK_SESSIONS, WebSessions } from '../identity/sessions/web-sessions.ts';

/** The pages' own services. */
export interface PageServices {
  sessionStore: WebSessionStore;
  clerkSessions: WebSessions;
  citizenSessions: WebSessions;
  clerks: ClerkAuthenticator;
  /** null: citizens cannot sign in on this system (CITIZEN_SIGN_IN=off and no provider given). */
  citizenIdentity: CitizenIdentityProvider | null;
}

export function createPageServices(deps: {
  db: Db;
  cfg: Config;
  clock: () => Date;
  log: Logger;
  /** The broker's data key; the key that signs anonymous forms' tokens is derived from it (same in every process). */
  dataKey: Buffer;
  /** A real identity provider (BundID) replaces the configured one here. */
  citizenIdentity?: CitizenIdentityProvider | null | undefined;
}): PageServices {
  const { db, cfg, clock, log } = deps;
  const formKey = Buffer.from(hkdfSync('sha256', deps.dataKey, Buffer.alloc(0), 'evidence-broker anonymous form token', 32));
  const sessionStore = new PrismaWebSessionStore(db);
  return {
    sessionStore,
    clerkSessions: new WebSessions(sessionStore, clock, CLERK_SESSIONS, cfg.cookieSecure, log, formKey),
    citizenSessions: new WebSessions(sessionStore, clock, CITIZEN_SESSIONS, cfg.cookieSecure, log, formKey),
    clerks: new ClerkAuthenticator(new PrismaClerkAccountStore(db), new PrismaSignInThrottleStore(db), clock),
    citizenIdentity: deps.citizenIdentity !== undefined ? deps.citizenIdentity : cfg.citizenSignIn === 'sandbox' ? new SandboxCitizenIdentity() : null,
  };
}
