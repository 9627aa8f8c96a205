// Routes of the clerk's lookup (/ui/lookup). Every route needs a signed-in clerk; the realm middleware
// in front (sessions/realm.ts) has already loaded the session and checked the CSRF token of POSTs.
import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { requireClerk } from '../sessions/signed-in.ts';
import { lookupController } from './controller.ts';

export default function lookup(router: Router, ctx: Context): void {
  const c = lookupController(ctx);
  const signedIn = requireClerk(ctx);
  router.get('/ui/lookup', signedIn, c.show);
  router.post('/ui/lookup', signedIn, c.submit);
  router.get('/ui/lookup/requests/:id', signedIn, c.request);
}
