import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { ValidationError } from '../../domain/errors.ts';
import { ConsistencyProofQuery, parseOrThrow } from '../schemas.ts';

/**
 * GET /v1/audit/proofs/consistency?from=&to= — the RFC 9162 consistency proof that the tree of `to` leaves
 * extends the tree of `from` leaves, hex hashes. Public, rate limited: what a witness asks for.
 */
export default function getAuditConsistencyProof(router: Router, ctx: Context): void {
  router.get('/v1/audit/proofs/consistency', async (req, res) => {
    const { from, to } = parseOrThrow(ConsistencyProofQuery, req.query, 'query');
    const size = await ctx.audit.treeSize();
    if (to > size) throw new ValidationError(`Invalid query: query.to exceeds the tree's ${size} leaves`, [{ name: 'query.to', reason: `must be at most ${size}` }]);
    const hashes = await ctx.audit.consistencyProof(from, to);
    res.json({ from, to, hashes: hashes.map((h) => h.toString('hex')) });
  });
}
