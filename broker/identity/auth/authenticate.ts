// Express middleware: resolves the caller to a Principal, or answers 401. Over mutual TLS a client
// certificate from the broker's CA identifies an authority's system (looked up by fingerprint in the
// directory, so a revoked certificate stops at once); otherwise `Authorization: Bearer …`.
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ForbiddenError, UnauthenticatedError } from '../../domain/errors.ts';
import type { CertificateStore } from '../../directory/certificate-store.ts';
import type { Participant, Principal } from './principal.ts';
import type { ParticipantStore, TokenStore } from './token-store.ts';

/** What authentication consults. */
export interface AuthenticationDeps {
  tokens: TokenStore;
  certificates: CertificateStore;
  participants: ParticipantStore;
  /** In production, tokens labelled 'demo' are refused even if a database still holds them. */
  refuseDemoTokens: boolean;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

async function fromClientCertificate(req: Request, deps: AuthenticationDeps): Promise<Principal | null | 'none'> {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || !socket.getPeerCertificate) return 'none';
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.raw) return 'none';
  // rejectUnauthorized is off so citizens' browsers (no certificate) can still reach the pages; a
  // certificate that is presented must chain to our CA, or the caller is refused here.
  if (!socket.authorized) return null;
  const participantId = await deps.certificates.participantFor(createHash('sha256').update(cert.raw).digest('hex'));
  const participant = participantId ? await deps.participants.get(participantId) : null;
  return participant ? { kind: 'participant', participant } : null;
}

export function authenticate(deps: AuthenticationDeps): RequestHandler {
  const { tokens } = deps;
  return (req: Request, res: Response, next: NextFunction) => {
    fromClientCertificate(req, deps).then((viaCert) => {
      if (viaCert === 'none') return bearer(req, res, next);
      if (!viaCert) return next(new UnauthenticatedError('The client certificate is unknown, revoked, expired or not issued by this broker\'s CA'));
      req.principal = viaCert;
      next();
    }, next);
  };

  function bearer(req: Request, res: Response, next: NextFunction): void {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9_\-.~+/]{16,200}=*)$/.exec(header);
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer realm="evidence-broker"');
      return next(new UnauthenticatedError());
    }
    tokens.authenticate(match[1]!, deps.refuseDemoTokens ? ['demo'] : []).then((principal) => {
      if (!principal) {
        res.set('WWW-Authenticate', 'Bearer realm="evidence-broker", error="invalid_token"');
        return next(new UnauthenticatedError('The bearer token is unknown, expired or revoked'));
      }
      req.principal = principal;
      next();
    }, next);
  }
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
