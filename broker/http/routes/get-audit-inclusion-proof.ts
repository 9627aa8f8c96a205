import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { ValidationError } from '../../domain/errors.ts';
import { InclusionProofQuery, parseOrThrow } from '../schemas.ts';

/**
 * GET /v1/audit/proofs/inclusion?index=&treeSize= — the RFC 9162 inclusion proof of leaf `index` (0-based) in
 * the tree of `treeSize` leaves, hex hashes from the leaf up. Public, rate limited.
 */
export default function getAuditInclusionProof(router: Router, ctx: Context): void {
  router.get('/v1/audit/proofs/inclusion', async (req, res) => {
    const { index, treeSize } = parseOrThrow(InclusionProofQuery, req.query, 'query');
    const size = await ctx.audit.treeSize();
    if (treeSize > size) throw new ValidationError(`Invalid query: query.treeSize exceeds the tree's ${size} leaves`, [{ name: 'query.treeSize', reason: `must be at most ${size}` }]);
    const leaf = await ctx.audit.leaf(index, size);
    const hashes = await ctx.audit.inclusionProof(index, treeSize);
    res.json({ index, treeSize, leafHash: leaf!.hash.toString('hex'), hashes: hashes.map((h) => h.toString('hex')) });
  });
}
