// Routes of the clerk's history (/ui/requests). Every route needs a signed-in clerk; the realm middleware
// in front (sessions/realm.ts) has already loaded the session and checked the CSRF token of POSTs.
import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { requireClerk } from '../sessions/signed-in.ts';
import { requestsController } from './controller.ts';

export default function requests(router: Router, ctx: Context): void {
  const c = requestsController(ctx);
  const signedIn = requireClerk(ctx);
  router.get('/ui/requests', signedIn, c.list);
  router.get('/ui/requests/:id', signedIn, c.show);
  router.post('/ui/requests/:id/pending', signedIn, c.fetchPending);
  // The address the fetch's answer shows, opened again: the request itself (fetching needs the button).
  router.get('/ui/requests/:id/pending', signedIn, c.toRequest);
}
