import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { appendSignatureLines } from '../../audit/signed-note.ts';
import { NotFoundError } from '../../domain/errors.ts';

/**
 * GET /v1/audit/checkpoint — the latest signed head of the audit Merkle tree as a C2SP tlog-checkpoint signed
 * note (text/plain), verifiable with the log key, with the cosignature lines of the witnesses that vouched for it.
 * Public, rate limited: what witnesses and citizens' tools fetch.
 */
export default function getAuditCheckpoint(router: Router, ctx: Context): void {
  router.get('/v1/audit/checkpoint', async (_req, res) => {
    const head = await ctx.treeHeads.latest();
    if (!head) throw new NotFoundError('A signed tree head');
    const cosignatures = await ctx.cosignatures.lines(head.treeSize);
    res.type('text/plain; charset=utf-8').send(cosignatures.length === 0 ? head.note : appendSignatureLines(head.note, cosignatures));
  });
}
