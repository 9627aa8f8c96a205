// What every page of one realm (clerks under /ui, citizens under /cockpit) gets before its routes: the
// form body parser, its session from the cookie, and the CSRF check on every POST — in one place, so no
// form can forget it.
import type { Router } from 'express';
import { formRefusedPage } from '../kit/error-pages.ts';
import type { Service } from '../kit/layout.ts';
import { field, formBody, sendPage } from '../kit/security.ts';
import type { WebSessions } from '../../identity/sessions/web-sessions.ts';

export function mountRealm(router: Router, prefix: '/ui' | '/cockpit', service: Service, sessions: WebSessions, sandbox: boolean): void {
  router.use(prefix, formBody, sessions.load(), (req, res, next) => {
    if (req.method !== 'POST') return next();
    // NOTE: the synchronizer token: a cross-site form cannot read it, so a POST without it is refused
    // before any handler looks at the body.
    if (sessions.csrfValid(req, field(req.body, '_csrf'))) return next();
    sendPage(res, 403, formRefusedPage(service, sandbox));
  });
}
