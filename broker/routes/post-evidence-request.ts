import type { Router } from 'express';
import type { Context } from '../context.ts';
import { participantOf } from '../auth/authenticate.ts';
import { EvidenceRequestBody, parseOrThrow } from '../schemas.ts';

/** POST /v1/evidence-requests — fetch evidence about a citizen from the registers. */
export default function postEvidenceRequest(router: Router, ctx: Context): void {
  router.post('/v1/evidence-requests', async (req, res) => {
    const participant = participantOf(req);
    const body = parseOrThrow(EvidenceRequestBody, req.body, 'body');
    const answer = await ctx.evidence.request(participant, body);
    res.status(201).location(`/v1/evidence-requests/${answer.id}`).json(answer);
  });
}
