import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { CheckpointsQuery, parseOrThrow } from '../schemas.ts';

/**
 * GET /v1/audit/checkpoints — signed chain heads (sequence, hash, time, Ed25519 signature) and the key that
 * signs them. Keep copies: `npm run admin -- audit verify-checkpoint` proves one against the chain later.
 */
export default function getAuditCheckpoints(router: Router, ctx: Context): void {
  router.get('/v1/audit/checkpoints', async (req, res) => {
    const query = parseOrThrow(CheckpointsQuery, req.query, 'query');
    const checkpoints = await ctx.checkpoints.list(query.after ?? 0, query.limit ?? 100);
    res.json({ algorithm: 'Ed25519', keyId: ctx.checkpoints.publicKey.keyId, publicKey: ctx.checkpoints.publicKey.pem, checkpoints });
  });
}
