import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { principalOf } from '../../identity/auth/authenticate.ts';
import { ForbiddenError } from '../../domain/errors.ts';
import { registerListView } from '../../directory/directory-view.ts';

/**
 * GET /v1/directory/registers — the register instances this broker routes to: jurisdiction, purposes, state
 * and pinned certificates (public facts, no keys). For participants and operators; not for citizens' tokens.
 */
export default function getDirectoryRegisters(router: Router, ctx: Context): void {
  router.get('/v1/directory/registers', (req, res) => {
    if (principalOf(req).kind === 'citizen') throw new ForbiddenError('The register directory is for participants and operators');
    res.json(registerListView(ctx.directory.list(), ctx.clock()));
  });
}
