import type { Router } from 'express';
import type { Context } from '../context.ts';
import { participantOf } from '../auth/authenticate.ts';
import { EvidenceRequestBody, EvidenceRequestHeaders, parseOrThrow } from '../schemas.ts';

/**
 * POST /v1/evidence-requests — fetch evidence about a citizen from the registers.
 * `Idempotency-Key`: a repeat with the same key and body gets the first answer (no second fetch, no second
 * audit entry). `Prefer: respond-async`: 202 at once; GET the Location for the answer.
 */
export default function postEvidenceRequest(router: Router, ctx: Context): void {
  router.post('/v1/evidence-requests', async (req, res) => {
    const participant = participantOf(req);
    const headers = parseOrThrow(EvidenceRequestHeaders, { 'idempotency-key': req.get('idempotency-key'), prefer: req.get('prefer') }, 'header');
    const body = parseOrThrow(EvidenceRequestBody, req.body, 'body');
    const result = await ctx.evidence.submit(participant, body, {
      idempotencyKey: headers['idempotency-key'],
      respondAsync: /(^|[,;\s])respond-async($|[,;\s])/.test(headers.prefer ?? ''),
    });
    res.location(`/v1/evidence-requests/${result.answer.id}`);
    if (result.kind === 'accepted') {
      res.status(202).set('Preference-Applied', 'respond-async').set('Retry-After', '1').json(result.answer);
      return;
    }
    if (result.kind === 'replayed') res.set('Idempotent-Replayed', 'true');
    res.status(201).json(result.answer);
  });
}
