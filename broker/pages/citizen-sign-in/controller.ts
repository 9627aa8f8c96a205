// Citizen sign-in and sign-out. Who the citizen is comes from the identity provider only; from then on
// the IdNr lives in the server-side session and never in an address or a form field.
import type { Request, Response } from 'express';
import type { Context } from '../../context.ts';
import { sendPage } from '../kit/security.ts';
import { normalizeIdNr } from '../kit/validation.ts';
import { field } from '../kit/security.ts';
import { citizenSignInPage, signInUnavailablePage, type CitizenSignInView } from './template.ts';

const NOTICES: Record<string, CitizenSignInView['notice']> = {
  abgemeldet: { title: 'Sie sind abgemeldet', body: 'Ihre Sitzung wurde beendet.' },
  abgelaufen: { title: 'Bitte melden Sie sich erneut an', body: 'Ihre Sitzung ist abgelaufen oder wurde beendet.' },
};

export function citizenSignInController(ctx: Context) {
  const sessions = ctx.pages.citizenSessions;
  const sandbox = ctx.cfg.demo;
  const provider = ctx.pages.citizenIdentity;

  return {
    async show(req: Request, res: Response): Promise<void> {
      if (sessions.current(req)?.citizenIdNr) return res.redirect(303, '/cockpit');
      if (!provider) return sendPage(res, 503, signInUnavailablePage(sandbox));
      const csrfToken = sessions.formToken(req, res);
      const status = typeof req.query.status === 'string' ? req.query.status : '';
      sendPage(res, 200, citizenSignInPage({ provider, csrfToken, sandbox, idNr: '', errors: new Map(), notice: NOTICES[status] ?? null }));
    },

    async submit(req: Request, res: Response): Promise<void> {
      if (!provider) return sendPage(res, 503, signInUnavailablePage(sandbox));
      const verified = await provider.verify(req.body);
      if (!verified.ok) {
        ctx.log.warn({ event: 'citizen-sign-in-failed', field: verified.field }, 'citizen sign-in refused'); // never the IdNr
        const csrfToken = sessions.formToken(req, res);
        const idNr = normalizeIdNr(field(req.body, 'idNr')).slice(0, 40);
        return sendPage(
          res,
          400,
          citizenSignInPage({ provider, csrfToken, sandbox, idNr, errors: new Map([[verified.field, verified.message]]), notice: null }),
        );
      }
      await sessions.signIn(req, res, { citizenIdNr: verified.citizen.idNr });
      res.redirect(303, '/cockpit');
    },

    async signOut(req: Request, res: Response): Promise<void> {
      await sessions.signOut(req, res);
      res.redirect(303, '/cockpit/sign-in?status=abgemeldet');
    },
  };
}
