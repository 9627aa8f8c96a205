import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { principalOf } from '../../identity/auth/authenticate.ts';
import { IdParam, parseOrThrow } from '../schemas.ts';
import { assertMaySeeConsent, consentJson } from './views.ts';

/** GET /v1/consents/:id — one consent with the transfers made under it, for its citizen or its grantee. */
export default function getConsent(router: Router, ctx: Context): void {
  router.get('/v1/consents/:id', async (req, res) => {
    const principal = principalOf(req);
    const { id } = parseOrThrow(IdParam, req.params, 'path');
    const consent = await ctx.consentStore.get(id);
    assertMaySeeConsent(principal, consent);
    const transfers = await ctx.audit.transfersUnderConsents(consent.citizenIdNr, [consent.id]);
    res.json(consentJson(consent, ctx.clock(), transfers.get(consent.id)));
  });
}
