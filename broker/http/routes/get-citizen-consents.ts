import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { ownIdNr } from './citizen-access.ts';
import { consentJson } from './views.ts';

/** GET /v1/citizens/:idNr/consents — the citizen's consents, newest first. */
export default function getCitizenConsents(router: Router, ctx: Context): void {
  router.get('/v1/citizens/:idNr/consents', async (req, res) => {
    const idNr = ownIdNr(req);
    const now = ctx.clock();
    const consents = await ctx.consentStore.listForCitizen(idNr);
    res.json({ consents: consents.map((c) => consentJson(c, now)) });
  });
}
