import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { participantOf } from '../../identity/auth/authenticate.ts';
import { EvidenceRequestHeaders, parseOrThrow } from '../schemas.ts';
import { readEvidenceRequestInput, sendEvidenceAnswer } from '../xml-api/http.ts';

/**
 * POST /v1/evidence-requests: a JSON body or an XML nachweisAnfrage (broker/http/xml-api/) takes the same path and is
 * answered in the caller's format. `Idempotency-Key`: a repeat with the same key and body gets the first answer (no
 * second fetch, no second audit entry). `Prefer: respond-async`: 202 at once; GET the Location for the answer.
 */
export default function postEvidenceRequest(router: Router, ctx: Context): void {
  router.post('/v1/evidence-requests', async (req, res) => {
    const participant = participantOf(req);
    const headers = parseOrThrow(EvidenceRequestHeaders, { 'idempotency-key': req.get('idempotency-key'), prefer: req.get('prefer') }, 'header');
    const input = readEvidenceRequestInput(req, res, { participant, brokerId: ctx.cfg.brokerId });
    // A request still waiting for room at its registers leaves the queue when its caller has gone away.
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) gone.abort();
    });
    if (req.socket.destroyed) gone.abort(); // gone already, before the listener was there
    const result = await ctx.evidence.submit(participant, input.body, {
      signal: gone.signal,
      idempotencyKey: headers['idempotency-key'],
      respondAsync: /(^|[,;\s])respond-async($|[,;\s])/.test(headers.prefer ?? ''),
    });
    res.location(`/v1/evidence-requests/${result.answer.id}`);
    const addressing = { inReplyTo: input.messageId, brokerId: ctx.cfg.brokerId, participantId: participant.id, now: ctx.clock() };
    if (result.kind === 'accepted') {
      res.status(202).set('Preference-Applied', 'respond-async').set('Retry-After', '1');
      sendEvidenceAnswer(req, res, result.answer, addressing);
      return;
    }
    if (result.kind === 'replayed') res.set('Idempotent-Replayed', 'true');
    sendEvidenceAnswer(req, res.status(201), result.answer, addressing);
  });
}
