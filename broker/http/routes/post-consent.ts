import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { actorId, type Principal } from '../../identity/auth/principal.ts';
import { principalOf } from '../../identity/auth/authenticate.ts';
import { ForbiddenError, ValidationError } from '../../domain/errors.ts';
import { grantBoundsProblem, paperProblems } from '../../../consent/grant-bounds.ts';
import { ConsentBody, parseOrThrow } from '../schemas.ts';
import { consentJson } from './views.ts';

/**
 * POST /v1/consents — record a consent. A citizen grants consent for themself to any known authority;
 * an authority records a consent the citizen gave it on paper, for itself only, naming the signed form.
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
    const dates = grantBoundsProblem({ validFrom, validUntil, recordedBy }, now, ctx.cfg.consentMaxValidityDays);
    const problems = [...(dates ? [dates] : []), ...paperProblems(body.paper, recordedBy, now)];
    if (problems.length > 0) {
      const invalidParams = problems.map((p) => ({ name: `body.${p.field}`, reason: p.reason }));
      throw new ValidationError(`Invalid body: ${invalidParams.map((p) => `${p.name} ${p.reason}`).join('; ')}`, invalidParams);
    }
    const consent = await ctx.consents.grant({
      citizenIdNr: body.citizen.idNr,
      granteeId: body.grantee,
      evidenceTypes: body.evidenceTypes,
      purpose: body.purpose,
      validFrom,
      validUntil,
      grantedBy: actorId(principal),
      // The API's caller is the authority's system, not a person: no clerk to name.
      paper: body.paper ? { ...body.paper, recordedByClerk: null } : null,
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
