// Routes of the citizen sign-in (GET/POST /cockpit/sign-in, POST /cockpit/sign-out). The realm middleware
// in front (sessions/realm.ts) has parsed the form, loaded the session and checked every POST's token.
import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { signInAttemptLimit } from '../sessions/sign-in-limit.ts';
import { citizenSignInController } from './controller.ts';

export default function citizenSignIn(router: Router, ctx: Context): void {
  const c = citizenSignInController(ctx);
  router.get('/cockpit/sign-in', c.show);
  router.post('/cockpit/sign-in', signInAttemptLimit(ctx.cfg.signInAttemptsPerMinute, 'cockpit', ctx.cfg.demo, ctx.metrics), c.submit);
  router.post('/cockpit/sign-out', c.signOut);
}
