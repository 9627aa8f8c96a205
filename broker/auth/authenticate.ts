// Express middleware: resolves `Authorization: Bearer …` to a Principal, or answers 401.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ForbiddenError, UnauthenticatedError } from '../errors.ts';
import type { Participant, Principal } from './principal.ts';
import type { TokenStore } from './token-store.ts';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export function authenticate(tokens: TokenStore): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9_\-.~+/]{16,200}=*)$/.exec(header);
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer realm="evidence-broker"');
      return next(new UnauthenticatedError());
    }
    tokens.authenticate(match[1]!).then((principal) => {
      if (!principal) {
        res.set('WWW-Authenticate', 'Bearer realm="evidence-broker", error="invalid_token"');
        return next(new UnauthenticatedError('The bearer token is unknown, expired or revoked'));
      }
      req.principal = principal;
      next();
    }, next);
  };
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new UnauthenticatedError();
  return req.principal;
}

export function participantOf(req: Request): Participant {
  const p = principalOf(req);
  if (p.kind !== 'participant') throw new ForbiddenError('Only an authority\'s system may call this');
  return p.participant;
}
