import type { Request } from 'express';
import { principalOf } from '../../identity/auth/authenticate.ts';
import { ForbiddenError } from '../../domain/errors.ts';
import { IdNrParam, parseOrThrow } from '../schemas.ts';

/** The cockpit's data is the citizen's own: only that citizen may read it. Returns the checked IdNr. */
export function ownIdNr(req: Request): string {
  const principal = principalOf(req);
  const { idNr } = parseOrThrow(IdNrParam, req.params, 'path');
  if (principal.kind !== 'citizen' || principal.idNr !== idNr) {
    throw new ForbiddenError('Only the citizen may read their own consents and transfers');
  }
  return idNr;
}
