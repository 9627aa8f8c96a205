import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { buildTransferLogXml } from '../../audit/transfer-log-xml.ts';
import { ownIdNr } from './citizen-access.ts';

/**
 * GET /v1/citizens/:idNr/transfers — every transfer of the citizen's data, newest first; as JSON, or as
 * an XML protocol extract with `Accept: application/xml` or `?format=xml`.
 */
export default function getCitizenTransfers(router: Router, ctx: Context): void {
  router.get('/v1/citizens/:idNr/transfers', async (req, res) => {
    const idNr = ownIdNr(req);
    const transfers = await ctx.audit.transfersForCitizen(idNr);
    const wantsXml = req.query.format === 'xml' || (req.query.format === undefined && req.accepts(['application/json', 'application/xml']) === 'application/xml');
    if (wantsXml) {
      res.type('application/xml').send(buildTransferLogXml({ idNr, transfers, now: ctx.clock(), sender: ctx.cfg.brokerId }));
      return;
    }
    res.json({
      transfers: transfers.map((t) => ({
        auditEntryId: t.auditEntryId,
        // Its leaf in the audit Merkle tree (0-based): what GET /v1/audit/proofs/inclusion takes.
        leafIndex: t.auditEntryId - 1,
        at: t.at.toISOString(),
        requester: t.requester,
        requestId: t.requestId,
        ...t.details,
      })),
    });
  });
}
