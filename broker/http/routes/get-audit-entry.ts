import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { AuditIndexParam, parseOrThrow } from '../schemas.ts';

/**
 * GET /v1/audit/entries/:index — one leaf of the audit Merkle tree (0-based): its bytes (kind, time and the
 * salted commitment to the details — no personal data) and its RFC 9162 leaf hash. Public, rate limited.
 */
export default function getAuditEntry(router: Router, ctx: Context): void {
  router.get('/v1/audit/entries/:index', async (req, res) => {
    const { index } = parseOrThrow(AuditIndexParam, req.params, 'path');
    const leaf = await ctx.audit.leaf(index);
    if (!leaf) throw new NotFoundError('This audit log entry');
    res.json({ index, leaf: leaf.bytes.toString('base64'), leafHash: leaf.hash.toString('hex') });
  });
}
