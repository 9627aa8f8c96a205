import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { principalOf } from '../../identity/auth/authenticate.ts';

/** GET /v1/me — who the caller is and what it may request. */
export default function getMe(router: Router, _ctx: Context): void {
  router.get('/v1/me', (req, res) => {
    const p = principalOf(req);
    if (p.kind === 'citizen') {
      res.json({ kind: 'citizen', citizen: { idNr: p.idNr } });
      return;
    }
    if (p.kind === 'operator') {
      res.json({ kind: 'operator', name: p.name });
      return;
    }
    const { id, name, region, evidenceTypes, purposes, legalBases } = p.participant;
    res.json({ kind: 'participant', participantId: id, name, region, may: { evidenceTypes, purposes, legalBases } });
  });
}
