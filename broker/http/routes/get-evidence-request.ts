import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { participantOf } from '../../identity/auth/authenticate.ts';
import { IdParam, parseOrThrow } from '../schemas.ts';
import { sendEvidenceAnswer } from '../xml-api/http.ts';

/**
 * GET /v1/evidence-requests/:id — a request's state; pending items are asked about again.
 * JSON, or a nachweisAntwort with `Accept: application/xml` (or `?format=xml`).
 */
export default function getEvidenceRequest(router: Router, ctx: Context): void {
  router.get('/v1/evidence-requests/:id', async (req, res) => {
    const participant = participantOf(req);
    const { id } = parseOrThrow(IdParam, req.params, 'path');
    const answer = await ctx.evidence.get(participant, id);
    sendEvidenceAnswer(req, res, answer, { inReplyTo: null, brokerId: ctx.cfg.brokerId, participantId: participant.id, now: ctx.clock() });
  });
}
