// Guards for the pages behind a sign-in: who is signed in, checked on every request. A clerk's session
// ends when the account is disabled, its password changed after sign-in, or its authority is gone.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Participant } from '../../identity/auth/principal.ts';
import type { Context } from '../../context.ts';
import type { ClerkAccount } from '../../identity/clerks/clerk-accounts.ts';
import type { WebSessionRecord } from '../../identity/sessions/session-store.ts';

/** A signed-in clerk and the authority they act for. */
export interface SignedInClerk {
  account: ClerkAccount;
  participant: Participant;
  session: WebSessionRecord;
}

/** A signed-in citizen; the IdNr comes from the session only, never from the address or a form. */
export interface SignedInCitizen {
  idNr: string;
  session: WebSessionRecord;
}

declare module 'express-serve-static-core' {
  interface Request {
    clerk?: SignedInClerk;
    citizen?: SignedInCitizen;
  }
}

export const CLERK_SIGN_IN = '/ui/sign-in';
export const CITIZEN_SIGN_IN = '/cockpit/sign-in';

export function requireClerk(ctx: Context): RequestHandler {
  const sessions = ctx.pages.clerkSessions;
  return async (req: Request, res: Response, next: NextFunction) => {
    const session = sessions.current(req);
    if (session?.clerkId) {
      const account = await ctx.pages.clerks.get(session.clerkId);
      const valid = account && account.disabledAt === null && account.passwordChangedAt <= session.createdAt;
      const participant = valid ? await ctx.participants.get(account.participantId) : null;
      if (account && participant) {
        req.clerk = { account, participant, session };
        return next();
      }
      await sessions.signOut(req, res);
    }
    res.redirect(303, sessions.hadCookie(req) ? `${CLERK_SIGN_IN}?status=abgelaufen` : CLERK_SIGN_IN);
  };
}

export function requireCitizen(ctx: Context): RequestHandler {
  const sessions = ctx.pages.citizenSessions;
  return (req: Request, res: Response, next: NextFunction) => {
    const session = sessions.current(req);
    if (session?.citizenIdNr) {
      req.citizen = { idNr: session.citizenIdNr, session };
      return next();
    }
    res.redirect(303, sessions.hadCookie(req) ? `${CITIZEN_SIGN_IN}?status=abgelaufen` : CITIZEN_SIGN_IN);
  };
}

export function clerkOf(req: Request): SignedInClerk {
  if (!req.clerk) throw new Error('route needs requireClerk');
  return req.clerk;
}

export function citizenOf(req: Request): SignedInCitizen {
  if (!req.citizen) throw new Error('route needs requireCitizen');
  return req.citizen;
}
