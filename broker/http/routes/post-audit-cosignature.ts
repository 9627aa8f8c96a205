import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { assertNever, BrokerError, ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { CosignatureBody, parseOrThrow } from '../schemas.ts';

/**
 * POST /v1/audit/checkpoint/cosignatures — a witness hands in its cosignature on a signed tree head (JSON
 * `{ treeSize, cosignature }`). Public and limited per address like the other transparency routes: the
 * cosignature itself is the credential, accepted only from the configured witness keys (WITNESS_KEYS).
 */
export default function postAuditCosignature(router: Router, ctx: Context): void {
  router.post('/v1/audit/checkpoint/cosignatures', async (req, res) => {
    if (!req.is('application/json')) throw new BrokerError(415, 'unsupported-media-type', 'Unsupported media type', 'Send the cosignature as application/json: { "treeSize", "cosignature" }');
    const { treeSize, cosignature } = parseOrThrow(CosignatureBody, req.body, 'body');
    const outcome = await ctx.cosignatures.offer(treeSize, cosignature);
    switch (outcome.kind) {
      case 'stored':
        return void res.status(201).json({ treeSize, witness: outcome.witness, stored: true });
      case 'already-held':
        return void res.status(200).json({ treeSize, witness: outcome.witness, stored: false });
      case 'refused':
        switch (outcome.reason) {
          case 'unknown-witness':
            throw new ForbiddenError(outcome.detail);
          case 'no-such-head':
            throw new NotFoundError(`A signed tree head of ${treeSize} leaves`);
          case 'invalid-cosignature':
            throw new ValidationError(outcome.detail, [{ name: 'body.cosignature', reason: outcome.detail }]);
          default:
            return assertNever(outcome.reason);
        }
      default:
        return assertNever(outcome);
    }
  });
}
