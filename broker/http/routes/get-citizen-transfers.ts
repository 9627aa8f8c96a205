import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { transferJson } from '../../audit/audit-log.ts';
import { buildTransferLogXml } from '../../audit/transfer-log-xml.ts';
import { ownIdNr } from './citizen-access.ts';

/**
 * GET /v1/citizens/:idNr/transfers — every transfer of the citizen's data and every request about them that was
 * refused (kind 'refusal': nothing transferred), newest first; as JSON, or as an XML protocol extract with
 * `Accept: application/xml` or `?format=xml`.
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
    // Each with its leafIndex (what GET /v1/audit/proofs/inclusion takes); one whose details are gone with detailsMissing.
    res.json({ transfers: transfers.map(transferJson) });
  });
}
