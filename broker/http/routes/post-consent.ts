import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { actorId, type Principal } from '../../identity/auth/principal.ts';
import { principalOf } from '../../identity/auth/authenticate.ts';
import { ForbiddenError, ValidationError } from '../../domain/errors.ts';
import { grantBoundsProblem } from '../../../consent/grant-bounds.ts';
import { ConsentBody, parseOrThrow } from '../schemas.ts';
import { consentJson } from './views.ts';

/**
 * POST /v1/consents — record a consent. A citizen grants consent for themself to any known authority;
 * an authority records a consent the citizen gave it on paper, for itself only.
 */
export default function postConsent(router: Router, ctx: Context): void {
  router.post('/v1/consents', async (req, res) => {
    const principal = principalOf(req);
    const body = parseOrThrow(ConsentBody, req.body, 'body');
    assertMayGrant(principal, body.citizen.idNr, body.grantee);
    if (!(await ctx.participants.get(body.grantee))) {
      throw new ValidationError('Invalid body: grantee is not a known participant', [{ name: 'body.grantee', reason: 'is not a known participant' }]);
    }
    const now = ctx.clock();
    const validFrom = body.validFrom ? new Date(body.validFrom) : now;
    const validUntil = new Date(body.validUntil);
    const recordedBy = principal.kind === 'citizen' ? 'citizen' : 'authority';
    const problem = grantBoundsProblem({ validFrom, validUntil, recordedBy }, now, ctx.cfg.consentMaxValidityDays);
    if (problem) throw new ValidationError(`Invalid body: ${problem.field} ${problem.reason}`, [{ name: `body.${problem.field}`, reason: problem.reason }]);
    const consent = await ctx.consents.grant({
      citizenIdNr: body.citizen.idNr,
      granteeId: body.grantee,
      evidenceTypes: body.evidenceTypes,
      purpose: body.purpose,
      validFrom,
      validUntil,
      grantedBy: actorId(principal),
    });
    res.status(201).location(`/v1/consents/${consent.id}`).json(consentJson(consent, now));
  });
}

function assertMayGrant(p: Principal, idNr: string, grantee: string): void {
  switch (p.kind) {
    case 'citizen':
      if (p.idNr !== idNr) throw new ForbiddenError('A citizen may only grant consent for themself');
      return;
    case 'participant':
      if (p.participant.id !== grantee) throw new ForbiddenError('An authority may only record consents granted to itself');
      return;
    case 'operator':
      throw new ForbiddenError('Operators do not record consents');
  }
}
