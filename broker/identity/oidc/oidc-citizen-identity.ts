// Citizens sign in with an OpenID Provider (BundID, or the demo's sandbox provider): the authorization code
// flow with PKCE, state and nonce, done by openid-client. The provider's metadata is discovered at the first
// sign-in (not at start-up, so a provider's outage does not stop the broker) and kept.
import { readFileSync } from 'node:fs';
import * as oidc from 'openid-client';
import { ConfigError, type OidcConfig } from '../../config/config.ts';
import { isValidIdNr } from '../../domain/idnr.ts';
import type { PendingSignIn, RedirectCitizenIdentity, RedirectSignIn, SignInRefusal } from '../citizen-identity.ts';
import { acceptedAssurance } from './assurance.ts';

/** How long one call to the provider may take, in seconds (openid-client's unit). */
const PROVIDER_TIMEOUT_SECONDS = 10;

/** The client secret, read once at start-up: a missing file stops the start, not a sign-in. */
export function loadClientSecret(source: OidcConfig['clientSecret']): string {
  if ('value' in source) return source.value;
  try {
    const secret = readFileSync(source.file, 'utf8').trim();
    if (secret === '') throw new Error('empty');
    return secret;
  } catch {
    throw new ConfigError(`invalid OIDC_CLIENT_SECRET_FILE: ${source.file} must hold the client secret`);
  }
}

/** Sign-in with an OpenID Provider. */
export class OidcCitizenIdentity implements RedirectCitizenIdentity {
  readonly kind = 'redirect';
  readonly name: string;
  private discovered: Promise<oidc.Configuration> | null = null;
  private known: oidc.Configuration | null = null;

  constructor(
    private readonly cfg: OidcConfig,
    private readonly clientSecret: string,
    /** True for the demo's sandbox provider: the pages then say that its citizens are made up. */
    readonly sandbox = false,
  ) {
    this.name = cfg.providerName;
  }

  /** The provider's metadata and our client there; a failed discovery is tried again at the next sign-in. */
  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= oidc
      .discovery(new URL(this.cfg.issuer), this.cfg.clientId, undefined, oidc.ClientSecretBasic(this.clientSecret), {
        timeout: PROVIDER_TIMEOUT_SECONDS,
        // http:// only for a provider on this machine or in development (config.ts refuses it in production).
        ...(new URL(this.cfg.issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
      })
      .then((config) => (this.known = config))
      .catch((err: unknown) => {
        this.discovered = null;
        throw err;
      });
    return this.discovered;
  }

  async begin(redirectUri: string): Promise<{ url: string; pending: PendingSignIn }> {
    const config = await this.configuration();
    const pending: PendingSignIn = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier(), redirectUri };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.cfg.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      acr_values: this.cfg.acrValues.join(' '),
    });
    return { url: url.href, pending };
  }

  async complete(callbackUrl: URL, pending: PendingSignIn): Promise<RedirectSignIn> {
    const refused = (refusal: SignInRefusal, detail: string): RedirectSignIn => ({ ok: false, refusal, detail });
    const params = callbackUrl.searchParams;
    // NOTE: the state first: an answer to another browser's request says nothing about this one's.
    if (params.get('state') !== pending.state) return refused('mismatch', 'state');
    const error = params.get('error');
    if (error !== null) return refused(error === 'access_denied' ? 'cancelled' : 'provider-error', providerCode(error));
    try {
      const config = await this.configuration();
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callbackUrl,
        { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true },
        { redirect_uri: pending.redirectUri },
      );
      const claims = tokens.claims();
      const idToken = tokens.id_token;
      if (!claims || !idToken) return refused('mismatch', 'no-id-token');
      const assurance = acceptedAssurance(claims.acr, this.cfg.acrValues);
      if (!assurance) return refused('assurance-too-low', `acr ${typeof claims.acr === 'string' ? providerCode(claims.acr) : 'absent'}`);
      // The IdNr from the id_token, else from userinfo (providers that release scope claims there only).
      let idNr: unknown = claims[this.cfg.idNrClaim];
      if (idNr === undefined && config.serverMetadata().userinfo_endpoint) {
        idNr = (await oidc.fetchUserInfo(config, tokens.access_token, claims.sub))[this.cfg.idNrClaim];
      }
      if (typeof idNr !== 'string' || !isValidIdNr(idNr)) return refused('no-idnr', idNr === undefined ? 'claim absent' : 'claim invalid');
      return { ok: true, citizen: { idNr, assurance }, idToken };
    } catch (err) {
      return classify(err);
    }
  }

  async endSessionUrl(idToken: string, postLogoutRedirectUri: string): Promise<string | null> {
    const config = await this.configuration();
    if (!config.serverMetadata().end_session_endpoint) return null;
    return oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirectUri }).href;
  }

  formOrigins(): string[] {
    const endSession = this.known?.serverMetadata().end_session_endpoint;
    return [...new Set([new URL(this.cfg.issuer).origin, ...(endSession ? [new URL(endSession).origin] : [])])];
  }
}

/** A provider's code for the log: its own error code or acr, cut to a harmless token. */
function providerCode(value: string): string {
  return value.replace(/[^\w.:/-]/g, '?').slice(0, 80);
}

/** What a failed exchange means for the citizen. */
function classify(err: unknown): RedirectSignIn {
  const refused = (refusal: SignInRefusal, detail: string): RedirectSignIn => ({ ok: false, refusal, detail });
  if (err instanceof oidc.ResponseBodyError) return refused(err.error === 'invalid_grant' ? 'code-expired' : 'provider-error', `token endpoint: ${providerCode(err.error)}`);
  if (err instanceof oidc.AuthorizationResponseError) return refused(err.error === 'access_denied' ? 'cancelled' : 'provider-error', providerCode(err.error));
  if (err instanceof oidc.ClientError) {
    const unreadable = ['OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_RESPONSE_IS_NOT_JSON', 'OAUTH_PARSE_ERROR'].includes(err.code ?? '');
    return refused(unreadable ? 'unreachable' : 'mismatch', `${err.code ?? 'client error'}: ${err.message}`);
  }
  // fetch failures (TypeError), timeouts (TimeoutError/AbortError): the provider is not there.
  return refused('unreachable', err instanceof Error ? `${err.name}: ${err.message}` : 'unknown');
}
