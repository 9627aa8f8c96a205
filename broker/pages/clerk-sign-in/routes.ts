// Routes of the clerk sign-in (GET/POST /ui/sign-in, POST /ui/sign-out). The realm middleware in front
// (sessions/realm.ts) has parsed the form, loaded the session and checked the CSRF token of every POST.
import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { signInAttemptLimit } from '../sessions/sign-in-limit.ts';
import { signInController } from './controller.ts';

export default function clerkSignIn(router: Router, ctx: Context): void {
  const c = signInController(ctx);
  router.get('/ui', (_req, res) => res.redirect(303, '/ui/lookup'));
  router.get('/ui/sign-in', c.show);
  router.post('/ui/sign-in', signInAttemptLimit(ctx.cfg.signInAttemptsPerMinute, 'lookup', ctx.cfg.demo, ctx.metrics), c.submit);
  router.post('/ui/sign-out', c.signOut);
}
