// Citizen sign-in and sign-out. Who the citizen is comes from the identity provider only; from then on
// the IdNr lives in the server-side session and never in an address or a form field. With an OpenID
// Provider the browser goes there and comes back to the callback, which must find the sign-in this browser
// started (a cookie naming a server-side record, taken once).
import type { Request, Response } from 'express';
import type { Context } from '../../context.ts';
import type { RedirectCitizenIdentity } from '../../identity/citizen-identity.ts';
import { PENDING_SIGN_IN_MS, PrismaPendingSignInStore } from '../../identity/oidc/pending-sign-ins.ts';
import type { SessionData } from '../../identity/sessions/session-store.ts';
import { clearedCookie, readCookie, sessionCookie } from '../../identity/sessions/cookies.ts';
import { sendPage } from '../kit/security.ts';
import { normalizeIdNr } from '../kit/validation.ts';
import { field } from '../kit/security.ts';
import { citizenSignInPage, failureStatus, signInFailedPage, signInUnavailablePage, type CitizenSignInView, type SignInFailure } from './template.ts';

const NOTICES: Record<string, CitizenSignInView['notice']> = {
  abgemeldet: { title: 'Sie sind abgemeldet', body: 'Ihre Sitzung wurde beendet.' },
  abgelaufen: { title: 'Bitte melden Sie sich erneut an', body: 'Ihre Sitzung ist abgelaufen oder wurde beendet.' },
};

export const CALLBACK_PATH = '/cockpit/sign-in/callback';
const SIGNED_OUT_PATH = '/cockpit/sign-in?status=abgemeldet';

/** A citizen session's data with the provider's id_token, kept for the sign-out at the provider. */
type ProviderSessionData = SessionData & { oidcIdToken?: string };

export function citizenSignInController(ctx: Context) {
  const sessions = ctx.pages.citizenSessions;
  const sandbox = ctx.cfg.demo;
  const provider = ctx.pages.citizenIdentity;
  const pendingSignIns = new PrismaPendingSignInStore(ctx.database.prisma);

  /** The cookie that names this browser's sign-in under way; __Host- like the session's over HTTPS. */
  const pendingCookie = (req: Request) => `${sessions.cookieName(req)}_oidc`;
  const cookieOptions = (req: Request) => ({ secure: ctx.cfg.cookieSecure === 'always' || req.secure, sameSite: 'Lax' as const });

  /** The registered callback; derived from the request only in development (config.ts insists on one in production). */
  const redirectUri = (req: Request) => ctx.cfg.oidc?.redirectUri ?? `${req.protocol}://${req.get('host') ?? 'localhost'}${CALLBACK_PATH}`;
  const postLogoutUri = (req: Request) => new URL(SIGNED_OUT_PATH, redirectUri(req)).href;

  const fail = (res: Response, p: RedirectCitizenIdentity, failure: SignInFailure, detail: string) => {
    // NOTE: reasons and the provider's codes only: never the IdNr, a token or the query string.
    ctx.log.warn({ event: 'citizen-sign-in-failed', reason: failure, detail }, 'citizen sign-in at the provider refused');
    sendPage(res, failureStatus(failure), signInFailedPage(failure, p.name, sandbox));
  };

  return {
    async show(req: Request, res: Response): Promise<void> {
      if (sessions.current(req)?.citizenIdNr) return res.redirect(303, '/cockpit');
      if (!provider) return sendPage(res, 503, signInUnavailablePage(sandbox));
      const csrfToken = provider.kind === 'form' ? sessions.formToken(req, res) : '';
      const status = typeof req.query.status === 'string' ? req.query.status : '';
      sendPage(res, 200, citizenSignInPage({ provider, csrfToken, sandbox, idNr: '', errors: new Map(), notice: NOTICES[status] ?? null }));
    },

    async submit(req: Request, res: Response): Promise<void> {
      if (!provider) return sendPage(res, 503, signInUnavailablePage(sandbox));
      // The provider's own page signs in; a form posted here is someone typing an IdNr where none is accepted.
      if (provider.kind === 'redirect') return res.redirect(303, '/cockpit/sign-in');
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

    /** GET /cockpit/sign-in/start: state, nonce and PKCE verifier kept here, the browser sent to the provider. */
    async start(req: Request, res: Response): Promise<void> {
      if (sessions.current(req)?.citizenIdNr) return res.redirect(303, '/cockpit');
      if (provider?.kind !== 'redirect') return res.redirect(303, '/cockpit/sign-in');
      let begun;
      try {
        begun = await provider.begin(redirectUri(req));
      } catch (err) {
        return fail(res, provider, 'provider-down', err instanceof Error ? `${err.name}: ${err.message}` : 'discovery failed');
      }
      const handle = await pendingSignIns.put(begun.pending, ctx.clock());
      res.append('Set-Cookie', `${sessionCookie(pendingCookie(req), handle, cookieOptions(req))}; Max-Age=${PENDING_SIGN_IN_MS / 1000}`);
      res.redirect(303, begun.url);
    },

    /** GET /cockpit/sign-in/callback: the provider's answer, checked against this browser's sign-in under way. */
    async callback(req: Request, res: Response): Promise<void> {
      if (provider?.kind !== 'redirect') return res.redirect(303, '/cockpit/sign-in');
      const handle = readCookie(req.headers.cookie, pendingCookie(req));
      res.append('Set-Cookie', clearedCookie(pendingCookie(req), cookieOptions(req)));
      const pending = handle ? await pendingSignIns.take(handle, ctx.clock()) : null;
      if (!pending) return fail(res, provider, 'no-pending', handle ? 'unknown, used or expired' : 'no cookie');
      const outcome = await provider.complete(new URL(req.originalUrl, pending.redirectUri), pending);
      if (!outcome.ok) return fail(res, provider, outcome.refusal, outcome.detail);
      const session = await sessions.signIn(req, res, { citizenIdNr: outcome.citizen.idNr });
      const data: ProviderSessionData = { ...session.data, oidcIdToken: outcome.idToken };
      session.data = data;
      await ctx.pages.sessionStore.saveData(session.idHash, data);
      ctx.log.info({ event: 'citizen-signed-in', assurance: outcome.citizen.assurance }, 'citizen signed in at the provider');
      res.redirect(303, '/cockpit');
    },

    async signOut(req: Request, res: Response): Promise<void> {
      const idToken = (sessions.current(req)?.data as ProviderSessionData | undefined)?.oidcIdToken;
      await sessions.signOut(req, res);
      if (provider?.kind === 'redirect' && idToken) {
        // The provider's session ends too, where it offers that; our own has ended either way.
        const endSession = await provider.endSessionUrl(idToken, postLogoutUri(req)).catch((err: unknown) => {
          ctx.log.warn({ event: 'provider-sign-out-failed', err: err instanceof Error ? err.message : 'unknown' }, 'could not reach the provider to end its session');
          return null;
        });
        if (endSession) return res.redirect(303, endSession);
      }
      res.redirect(303, SIGNED_OUT_PATH);
    },
  };
}
