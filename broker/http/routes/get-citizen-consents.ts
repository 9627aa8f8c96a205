import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { ownIdNr } from './citizen-access.ts';
import { consentJson } from './views.ts';

/** GET /v1/citizens/:idNr/consents — the citizen's consents, newest first, each with the transfers made under it. */
export default function getCitizenConsents(router: Router, ctx: Context): void {
  router.get('/v1/citizens/:idNr/consents', async (req, res) => {
    const idNr = ownIdNr(req);
    const now = ctx.clock();
    const consents = await ctx.consentStore.listForCitizen(idNr);
    const transfers = await ctx.audit.transfersUnderConsents(idNr, consents.map((c) => c.id));
    res.json({ consents: consents.map((c) => consentJson(c, now, transfers.get(c.id))) });
  });
}
