// A sandbox OpenID Provider (oidc-provider) standing in for BundID on this machine: its login page lets the
// tester pick a sandbox citizen and the level of assurance to vouch with. It proves nothing and is for demo
// and test systems only; the tests drive the broker's real OpenID Connect flow against it.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { html, join } from '../../pages/kit/html.ts';

/** The eIDAS levels the sandbox offers to vouch with (BundID's names for them). */
export const SANDBOX_ACR = {
  low: 'http://eidas.europa.eu/LoA/low',
  substantial: 'http://eidas.europa.eu/LoA/substantial',
  high: 'http://eidas.europa.eu/LoA/high',
} as const;

/** How the sandbox provider is set up. */
export interface SandboxProviderOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** The one client: the broker; asked at the first request, so the broker may start after the provider. */
  client: () => SandboxClient;
  /** The claim that carries the IdNr (the broker's OIDC_IDNR_CLAIM). */
  idNrClaim: string;
  /** The citizens the login page offers. */
  citizens: readonly string[];
  /** Lifetime of an authorization code, seconds (default 60). */
  codeTtlSeconds?: number;
}

/** The broker as the sandbox provider's client. */
export interface SandboxClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
}

/** A running sandbox provider. */
export interface SandboxProvider {
  issuer: string;
  close(): Promise<void>;
}

/** A pseudonymous subject per citizen, so the IdNr travels only in its own claim. */
const subjectOf = (idNr: string) => `sandbox-${createHash('sha256').update(idNr).digest('hex').slice(0, 16)}`;

export async function startSandboxProvider(o: SandboxProviderOptions): Promise<SandboxProvider> {
  const idNrOfSubject = new Map(o.citizens.map((idNr) => [subjectOf(idNr), idNr]));
  let provider: Provider | null = null;
  const server: Server = createServer((req, res) => {
    const p = (provider ??= new Provider(issuer, configuration(o.client())));
    const done = (err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(err instanceof Error ? err.message : 'error');
    };
    if (req.url?.startsWith('/interaction/')) return void interaction(p, req, res).catch(done);
    void p.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(o.port, o.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${o.host ?? '127.0.0.1'}:${port}`;

  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const configuration = (client: SandboxClient): Configuration => ({
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [client.redirectUri],
        post_logout_redirect_uris: [client.postLogoutRedirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: 'sandbox', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    acrValues: Object.values(SANDBOX_ACR),
    scopes: ['openid', 'idnr'],
    claims: { openid: ['sub'], idnr: [o.idNrClaim] },
    pkce: { required: () => true },
    ttl: { AuthorizationCode: o.codeTtlSeconds ?? 60, IdToken: 3600, AccessToken: 600, Interaction: 900, Session: 3600, Grant: 3600 },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => {
      const idNr = idNrOfSubject.get(sub);
      return idNr ? { accountId: sub, claims: async () => ({ sub, [o.idNrClaim]: idNr }) } : undefined;
    },
    // NOTE: the broker is the only client and first-party: no consent screen, the requested scopes are granted.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      if (!oidc.session?.accountId || !oidc.client) return undefined;
      const known = oidc.session.grantIdFor(oidc.client.clientId);
      const grant = (known ? await oidc.provider.Grant.find(known) : undefined) ?? new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
      await grant.save();
      return grant;
    },
  });
  return {
    issuer,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };

  /** GET: the page to pick a citizen and a level; POST: sign that citizen in at that level. */
  async function interaction(p: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await p.interactionDetails(req, res);
    if (req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const idNr = form.get('idNr') ?? '';
      const acr = form.get('acr') ?? '';
      if (!o.citizens.includes(idNr) || !Object.values<string>(SANDBOX_ACR).includes(acr)) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('Unbekannte Testperson oder unbekanntes Vertrauensniveau.');
        return;
      }
      await p.interactionFinished(req, res, { login: { accountId: subjectOf(idNr), acr } }, { mergeWithLastSubmission: false });
      return;
    }
    const page = html`<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Sandbox-Anmeldedienst</title></head>
<body><main>
<h1>Sandbox-Anmeldedienst (Ersatz für BundID)</h1>
<p>Wählen Sie eine erfundene Testperson. Niemand wird hier wirklich identifiziert.</p>
<form method="post" action="/interaction/${details.uid}">
<fieldset><legend>Testperson (Steuer-ID)</legend>
${join(o.citizens.map((idNr, i) => html`<p><label><input type="radio" name="idNr" value="${idNr}"${i === 0 ? html` checked` : null}> ${idNr}</label></p>`), '\n')}
</fieldset>
<p><label for="acr">Vertrauensniveau</label>
<select id="acr" name="acr">
<option value="${SANDBOX_ACR.high}" selected>hoch (Online-Ausweis)</option>
<option value="${SANDBOX_ACR.substantial}">substanziell</option>
<option value="${SANDBOX_ACR.low}">niedrig (wird vom Datenschutzcockpit abgelehnt)</option>
</select></p>
<button type="submit">Anmelden</button>
</form></main></body></html>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page.toString());
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 4096) throw new Error('form too large');
  }
  return body;
}
