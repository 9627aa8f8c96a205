import type { Router } from 'express';
import type { Context } from '../context.ts';
import { participantOf } from '../auth/authenticate.ts';
import { IdParam, parseOrThrow } from '../schemas.ts';

/** GET /v1/evidence-requests/:id — a request's state; pending items are asked about again. */
export default function getEvidenceRequest(router: Router, ctx: Context): void {
  router.get('/v1/evidence-requests/:id', async (req, res) => {
    const participant = participantOf(req);
    const { id } = parseOrThrow(IdParam, req.params, 'path');
    res.json(await ctx.evidence.get(participant, id));
  });
}
