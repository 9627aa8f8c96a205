// How a citizen proves who they are to the cockpit: a sandbox stand-in (type a test IdNr, a form the broker
// shows), or an OpenID Provider such as BundID (online ID card, eIDAS "substantial"/"high") that the browser
// is sent to and comes back from (identity/oidc/). Either way the cockpit then sees only a signed-in IdNr.
import { idNrProblem } from '../domain/idnr.ts';
import { field } from '../pages/kit/security.ts';
import { idNrMessage } from '../pages/kit/validation.ts';

/** A citizen as an identity provider vouches for them. */
export interface VerifiedCitizen {
  idNr: string;
  /** eIDAS level of assurance; the sandbox vouches for nothing. */
  assurance: 'none' | 'substantial' | 'high';
}

/** The outcome of a sign-in: the citizen, or a message for one form field. */
export type CitizenVerification = { ok: true; citizen: VerifiedCitizen } | { ok: false; field: string; message: string };

/** Signs a citizen in to the cockpit: with a form on the sign-in page, or by a round trip to a provider. */
export type CitizenIdentityProvider = FormCitizenIdentity | RedirectCitizenIdentity;

/** A provider whose form the sign-in page shows itself (the sandbox). */
export interface FormCitizenIdentity {
  readonly kind: 'form';
  /** Shown on the sign-in page, e.g. "Sandbox-Anmeldung". */
  readonly name: string;
  /** True for the stand-in: the pages then say clearly that this is no real identification. */
  readonly sandbox: boolean;
  /** Checks what came back to POST /cockpit/sign-in. */
  verify(body: unknown): Promise<CitizenVerification>;
}

/** What the broker keeps between sending the browser to the provider and its return (never in the browser). */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
}

/** Why a sign-in at the provider did not sign anyone in; each has its own page. */
export type SignInRefusal =
  /** The provider vouched with a lower level of assurance than accepted. */
  | 'assurance-too-low'
  /** The citizen cancelled at the provider (error=access_denied). */
  | 'cancelled'
  /** The provider reported another error in the redirect. */
  | 'provider-error'
  /** The answer does not belong to the request (state or nonce differ, bad id_token). */
  | 'mismatch'
  /** The code was expired or already used (invalid_grant). */
  | 'code-expired'
  /** The provider vouched, but named no valid IdNr in the configured claim. */
  | 'no-idnr'
  /** The provider could not be reached or answered nonsense. */
  | 'unreachable';

/** The outcome of a provider's callback. */
export type RedirectSignIn =
  | { ok: true; citizen: VerifiedCitizen; idToken: string }
  | { ok: false; refusal: SignInRefusal; /** For the log: the provider's error code or ours, never personal data. */ detail: string };

/** A provider the browser is sent to (OpenID Connect: BundID, or the demo's sandbox provider). */
export interface RedirectCitizenIdentity {
  readonly kind: 'redirect';
  readonly name: string;
  readonly sandbox: boolean;
  /** The provider's address for the authorization request, and what to keep for its return. */
  begin(redirectUri: string): Promise<{ url: string; pending: PendingSignIn }>;
  /** Checks the provider's redirect back (the callback's full URL) against what was kept. */
  complete(callbackUrl: URL, pending: PendingSignIn): Promise<RedirectSignIn>;
  /** Where to send the browser to end the session at the provider too; null when it offers no end_session_endpoint. */
  endSessionUrl(idToken: string, postLogoutRedirectUri: string): Promise<string | null>;
  /** Origins the cockpit's forms may lead to (sign-out redirects to the provider). */
  formOrigins(): string[];
}

/**
 * The sandbox stand-in: any valid IdNr signs in as that (synthetic) citizen. Only for demo and test
 * systems — it proves nothing, which is why CITIZEN_SIGN_IN defaults to 'off' outside demo mode.
 */
export class SandboxCitizenIdentity implements FormCitizenIdentity {
  readonly kind = 'form';
  readonly name = 'Sandbox-Anmeldung (Ersatz für BundID)';
  readonly sandbox = true;

  async verify(body: unknown): Promise<CitizenVerification> {
    const idNr = field(body, 'idNr').replace(/\s+/g, '');
    const problem = idNr === '' ? 'missing' : idNrProblem(idNr);
    if (problem) return { ok: false, field: 'idNr', message: idNrMessage(problem) };
    return { ok: true, citizen: { idNr, assurance: 'none' } };
  }
}
