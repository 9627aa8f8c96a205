import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { actorId } from '../../identity/auth/principal.ts';
import { principalOf } from '../../identity/auth/authenticate.ts';
import { IdParam, parseOrThrow } from '../schemas.ts';
import { assertMaySeeConsent, consentJson } from './views.ts';

/** DELETE /v1/consents/:id — revoke a consent; it stops the next request at once. Idempotent. */
export default function deleteConsent(router: Router, ctx: Context): void {
  router.delete('/v1/consents/:id', async (req, res) => {
    const principal = principalOf(req);
    const { id } = parseOrThrow(IdParam, req.params, 'path');
    assertMaySeeConsent(principal, await ctx.consentStore.get(id));
    const revoked = await ctx.consents.revoke(id, actorId(principal));
    const transfers = await ctx.audit.transfersUnderConsents(revoked.citizenIdNr, [revoked.id]);
    res.json(consentJson(revoked, ctx.clock(), transfers.get(revoked.id)));
  });
}
