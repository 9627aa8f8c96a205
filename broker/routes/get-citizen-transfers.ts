import type { Router } from 'express';
import type { Context } from '../context.ts';
import { ownIdNr } from './citizen-access.ts';

/** GET /v1/citizens/:idNr/transfers — every transfer of the citizen's data, newest first. */
export default function getCitizenTransfers(router: Router, ctx: Context): void {
  router.get('/v1/citizens/:idNr/transfers', async (req, res) => {
    const idNr = ownIdNr(req);
    const transfers = await ctx.audit.transfersForCitizen(idNr);
    res.json({
      transfers: transfers.map((t) => ({
        auditEntryId: t.auditEntryId,
        at: t.at.toISOString(),
        requester: t.requester,
        requestId: t.requestId,
        ...t.details,
      })),
    });
  });
}
