// Routes of the citizen sign-in (GET/POST /cockpit/sign-in, the round trip to an OpenID Provider, POST
// /cockpit/sign-out). The realm middleware in front (sessions/realm.ts) has parsed the form, loaded the
// session and checked every POST's token.
import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { CONTENT_SECURITY_POLICY } from '../kit/security.ts';
import { signInAttemptLimit } from '../sessions/sign-in-limit.ts';
import { CALLBACK_PATH, citizenSignInController } from './controller.ts';
import { START_PATH } from './template.ts';

export default function citizenSignIn(router: Router, ctx: Context): void {
  const c = citizenSignInController(ctx);
  const provider = ctx.pages.citizenIdentity;
  if (provider?.kind === 'redirect') {
    // NOTE: browsers apply form-action to the redirects after a form, so the sign-out form (POST, then 303 to
    // the provider's end_session_endpoint) needs the provider's origin there; nothing else is widened.
    router.use('/cockpit', (_req, res, next) => {
      res.set('Content-Security-Policy', CONTENT_SECURITY_POLICY.replace("form-action 'self'", `form-action 'self' ${provider.formOrigins().join(' ')}`));
      next();
    });
  }
  const limit = signInAttemptLimit(ctx.cfg.signInAttemptsPerMinute, 'cockpit', ctx.cfg.demo, ctx.metrics);
  router.get('/cockpit/sign-in', c.show);
  router.post('/cockpit/sign-in', limit, c.submit);
  router.get(START_PATH, limit, c.start);
  router.get(CALLBACK_PATH, limit, c.callback);
  router.post('/cockpit/sign-out', c.signOut);
}
