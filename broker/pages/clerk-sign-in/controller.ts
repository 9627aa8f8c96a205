// Clerk sign-in and sign-out.
import type { Request, Response } from 'express';
import type { Context } from '../../context.ts';
import { formatTime } from '../kit/labels.ts';
import { sendPage } from '../kit/security.ts';
import { signInPage, type SignInView } from './template.ts';
import { readSignInForm } from './validation.ts';

const NOTICES: Record<string, SignInView['notice']> = {
  abgemeldet: { title: 'Sie sind abgemeldet', body: 'Ihre Sitzung wurde beendet.' },
  abgelaufen: { title: 'Bitte melden Sie sich erneut an', body: 'Ihre Sitzung ist abgelaufen oder wurde beendet.' },
};

export function signInController(ctx: Context) {
  const sessions = ctx.pages.clerkSessions;
  const sandbox = ctx.cfg.demo;

  return {
    async show(req: Request, res: Response): Promise<void> {
      if (sessions.current(req)?.clerkId) return res.redirect(303, '/ui/lookup');
      const csrfToken = sessions.formToken(req, res);
      const status = typeof req.query.status === 'string' ? req.query.status : '';
      sendPage(res, 200, signInPage({ csrfToken, sandbox, username: '', errors: new Map(), notice: NOTICES[status] ?? null }));
    },

    async submit(req: Request, res: Response): Promise<void> {
      const csrfToken = sessions.formToken(req, res);
      const { form, result } = readSignInForm(req.body);
      const again = (status: number, errors: Map<string, string>) =>
        sendPage(res, status, signInPage({ csrfToken, sandbox, username: form.username, errors, notice: null }));
      if (!result.ok) return again(400, result.errors);

      const outcome = await ctx.pages.clerks.signIn(form.username, form.password);
      if (!outcome.ok) {
        if (outcome.reason === 'locked') {
          ctx.log.warn({ event: 'clerk-sign-in-locked' }, 'clerk sign-in refused: locked');
          return again(
            429,
            new Map([['username', `Zu viele falsche Versuche. Die Anmeldung ist bis ${formatTime(outcome.lockedUntil)} gesperrt. Versuchen Sie es danach noch einmal.`]]),
          );
        }
        ctx.log.warn({ event: 'clerk-sign-in-failed', attemptsLeft: outcome.attemptsLeft }, 'clerk sign-in refused'); // never the name or password
        const left = outcome.attemptsLeft <= 2 ? ` Noch ${outcome.attemptsLeft} ${outcome.attemptsLeft === 1 ? 'Versuch' : 'Versuche'}, dann wird die Anmeldung gesperrt.` : '';
        // NOTE: one message for an unknown name and a wrong password, so the page never confirms a name.
        return again(400, new Map([['password', `Benutzername oder Passwort ist falsch.${left}`]]));
      }
      if (!(await ctx.participants.get(outcome.account.participantId))) {
        return again(400, new Map([['username', 'Ihr Konto ist keiner Behörde zugeordnet. Wenden Sie sich an die IT-Stelle Ihrer Behörde.']]));
      }
      await sessions.signIn(req, res, { clerkId: outcome.account.id });
      ctx.log.info({ event: 'clerk-signed-in', clerk: outcome.account.id, participant: outcome.account.participantId }, 'clerk signed in');
      res.redirect(303, '/ui/lookup');
    },

    async signOut(req: Request, res: Response): Promise<void> {
      await sessions.signOut(req, res);
      res.redirect(303, '/ui/sign-in?status=abgemeldet');
    },
  };
}
