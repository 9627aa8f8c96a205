// Citizen sign-in with OpenID Connect, against a real OpenID Provider (oidc-provider, the sandbox provider)
// started here, on SQLite and PostgreSQL: the browser's side is played by two cookie jars (broker, provider)
// following redirects by hand. Success, a too low level of assurance, a replayed state, a wrong nonce, a
// reused code, the provider's own error, and sign-out at the provider.
import { expect } from 'chai';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import { envToConfig, readEnv, ConfigError, type OidcConfig } from '../../broker/config/config.ts';
import { SANDBOX_ACR, startSandboxProvider, type SandboxProvider } from '../../broker/identity/oidc/sandbox-provider.ts';
import { formatIdNr } from '../../broker/pages/kit/labels.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { logLines } from '../helpers/log-lines.ts';
import { PageClient, titleOf } from './page-client.ts';

const CLIENT_ID = 'evidence-broker-cockpit';
const CLIENT_SECRET = 'sandbox-client-secret-for-tests-0123456789';
const IDNR_CLAIM = 'https://bundid.example/claims/idnr';
const [CITIZEN, OTHER_CITIZEN] = DEMO_CITIZENS as [string, string];
const ACCEPTED = [SANDBOX_ACR.substantial, SANDBOX_ACR.high];

/** The path and query of an absolute address, for a PageClient whose base is that address's origin. */
const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

for (const kind of DATABASE_KINDS) {
  describe(`citizen sign-in with OpenID Connect (${kind})`, function () {
    this.timeout(60_000);
    let h: Harness;
    let op: SandboxProvider;
    const logged = logLines('info');

    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      op = await startSandboxProvider({
        port: 0,
        client: () => ({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: `${h.url}/cockpit/sign-in/callback`, postLogoutRedirectUri: `${h.url}/cockpit/sign-in?status=abgemeldet` }),
        idNrClaim: IDNR_CLAIM,
        citizens: DEMO_CITIZENS,
      });
      const oidc: OidcConfig = {
        issuer: op.issuer,
        clientId: CLIENT_ID,
        clientSecret: { value: CLIENT_SECRET },
        redirectUri: null,
        acrValues: ACCEPTED,
        idNrClaim: IDNR_CLAIM,
        scopes: 'openid idnr',
        providerName: 'Sandbox-BundID',
      };
      h = await startHarness(db, { log: logged.log, config: { citizenSignIn: 'oidc', oidc, signInAttemptsPerMinute: 10_000 } });
    });
    after(async () => {
      await h?.close();
      await op?.close();
    });

    /** A browser: one cookie jar for the broker, one for the provider. */
    const browser = () => ({ broker: new PageClient(h.url), provider: new PageClient(op.issuer) });

    /** Follows the provider's redirects (its own addresses only) until a page or a redirect back to the broker. */
    async function atProvider(provider: PageClient, first: string): Promise<{ html: string; location: string | null; status: number }> {
      let res = await provider.get(pathOf(first));
      for (let hops = 0; res.location && new URL(res.location, op.issuer).origin === op.issuer; hops++) {
        if (hops > 10) throw new Error('too many redirects at the provider');
        res = await provider.get(pathOf(new URL(res.location, op.issuer).href));
      }
      return res;
    }

    /** Starts at the broker, picks the citizen and level at the provider; returns where the provider sends the browser back. */
    async function authorize(b: ReturnType<typeof browser>, idNr: string, acr: string): Promise<{ callback: string; authorizationUrl: URL }> {
      const start = await b.broker.get('/cockpit/sign-in/start');
      expect(start.status, start.html).to.equal(303);
      const authorizationUrl = new URL(start.location!);
      expect(authorizationUrl.origin).to.equal(op.issuer);
      const page = await atProvider(b.provider, authorizationUrl.href);
      expect(page.status, page.html).to.equal(200);
      const action = /<form method="post" action="([^"]+)"/.exec(page.html)![1]!;
      let res = await b.provider.post(action, { idNr, acr }, null);
      for (let hops = 0; res.location && new URL(res.location, op.issuer).origin === op.issuer; hops++) {
        if (hops > 10) throw new Error('too many redirects at the provider');
        res = await b.provider.get(pathOf(new URL(res.location, op.issuer).href));
      }
      expect(res.location, res.html).to.be.a('string');
      expect(new URL(res.location!).origin).to.equal(h.url);
      return { callback: pathOf(res.location!), authorizationUrl };
    }

    async function signedIn(idNr = CITIZEN) {
      const b = browser();
      const { callback } = await authorize(b, idNr, SANDBOX_ACR.high);
      const back = await b.broker.get(callback);
      expect(back.status, back.html).to.equal(303);
      expect(back.location).to.equal('/cockpit');
      return b;
    }

    const isSignedIn = async (c: PageClient) => (await c.get('/cockpit')).status === 200;

    it('signs the citizen in with the IdNr from the configured claim, asked for with PKCE, state, nonce and acr_values', async () => {
      const b = browser();
      const page = await b.broker.get('/cockpit/sign-in');
      expect(page.status).to.equal(200);
      expect(page.html).to.include('href="/cockpit/sign-in/start"').and.include('Anmelden mit Sandbox-BundID');
      expect(page.html).to.not.include('name="idNr"');
      const { callback, authorizationUrl } = await authorize(b, OTHER_CITIZEN, SANDBOX_ACR.substantial);
      const q = authorizationUrl.searchParams;
      expect(q.get('code_challenge_method')).to.equal('S256');
      expect(q.get('code_challenge')).to.match(/^[\w-]{43}$/);
      expect(q.get('state')).to.match(/^[\w-]{20,}$/);
      expect(q.get('nonce')).to.match(/^[\w-]{20,}$/);
      expect(q.get('acr_values')).to.equal(ACCEPTED.join(' '));
      expect(q.get('redirect_uri')).to.equal(`${h.url}/cockpit/sign-in/callback`);
      expect(q.get('client_id')).to.equal(CLIENT_ID);
      const back = await b.broker.get(callback);
      expect(back.status, back.html).to.equal(303);
      expect(b.broker.cookies.has('eb_citizen_oidc'), 'the pending sign-in cookie is cleared').to.equal(false);
      const cockpit = await b.broker.get('/cockpit');
      expect(cockpit.status).to.equal(200);
      expect(cockpit.html).to.include(`Steuer-ID ${formatIdNr(OTHER_CITIZEN)}`);
      expect(logged.lines.join('\n')).to.not.include(OTHER_CITIZEN);
    });

    it('refuses a lower level of assurance than accepted with a page that says why (403), and signs nobody in', async () => {
      const b = browser();
      const { callback } = await authorize(b, CITIZEN, SANDBOX_ACR.low);
      const res = await b.broker.get(callback);
      expect(res.status).to.equal(403);
      expect(titleOf(res.html)).to.match(/^Das Vertrauensniveau reicht nicht aus/);
      expect(res.html).to.include('Online-Ausweis').and.include('Sie wurden nicht angemeldet');
      expect(await isSignedIn(b.broker)).to.equal(false);
      expect(logged.lines.some((l) => l.includes('"reason":"assurance-too-low"'))).to.equal(true);
    });

    it('refuses a replayed callback, even with the sign-in cookie sent again (400)', async () => {
      const b = browser();
      const { callback } = await authorize(b, CITIZEN, SANDBOX_ACR.high);
      const pendingCookie = b.broker.cookies.get('eb_citizen_oidc')!;
      expect(pendingCookie).to.be.a('string');
      expect((await b.broker.get(callback)).status).to.equal(303);
      const replay = browser();
      replay.broker.cookies.set('eb_citizen_oidc', pendingCookie);
      const res = await replay.broker.get(callback);
      expect(res.status).to.equal(400);
      expect(titleOf(res.html)).to.match(/^Anmeldung abgelaufen/);
      // Refused by the broker itself (the sign-in under way was taken), not only by the provider's used code.
      expect(res.html).to.include('keine offene Anmeldung');
      expect(await isSignedIn(replay.broker)).to.equal(false);
      // And in the browser that signed in: no cookie left, no sign-in under way.
      expect((await b.broker.get(callback)).status).to.equal(400);
    });

    it("refuses a callback whose state is another sign-in's (400)", async () => {
      const victim = browser();
      const attacker = browser();
      const { callback } = await authorize(attacker, OTHER_CITIZEN, SANDBOX_ACR.high);
      await victim.broker.get('/cockpit/sign-in/start');
      const res = await victim.broker.get(callback);
      expect(res.status).to.equal(400);
      expect(titleOf(res.html)).to.match(/^Anmeldung abgelehnt/);
      expect(await isSignedIn(victim.broker)).to.equal(false);
    });

    it('refuses an id_token whose nonce is not the one kept for this sign-in (400)', async () => {
      const b = browser();
      const { callback } = await authorize(b, CITIZEN, SANDBOX_ACR.high);
      // The kept nonce changes: the provider's id_token (with the one it was given) no longer matches.
      const db = h.broker.ctx.database.prisma;
      const rows = (await db.webSession.findMany()).filter((r) => r.data.includes('oidcPending') && r.data.includes(new URLSearchParams(callback.split('?')[1]).get('state')!));
      expect(rows).to.have.length(1);
      const data = JSON.parse(rows[0]!.data) as { oidcPending: { nonce: string } };
      data.oidcPending.nonce = 'a-nonce-the-provider-never-saw-0123456789';
      await db.webSession.update({ where: { idHash: rows[0]!.idHash }, data: { data: JSON.stringify(data) } });
      const res = await b.broker.get(callback);
      expect(res.status).to.equal(400);
      expect(titleOf(res.html)).to.match(/^Anmeldung abgelehnt/);
      expect(await isSignedIn(b.broker)).to.equal(false);
      expect(logged.lines.some((l) => l.includes('"reason":"mismatch"') && l.includes('OAUTH_JWT_CLAIM_COMPARISON_FAILED'))).to.equal(true);
    });

    it('refuses a code that was already used (invalid_grant) with a page asking to sign in again (400)', async () => {
      const b = browser();
      const { callback } = await authorize(b, CITIZEN, SANDBOX_ACR.high);
      expect((await b.broker.get(callback)).status).to.equal(303);
      // A new sign-in under way in the same browser, answered with the old code under the new state.
      const other = browser();
      const start = await other.broker.get('/cockpit/sign-in/start');
      const state = new URL(start.location!).searchParams.get('state')!;
      const code = new URLSearchParams(callback.split('?')[1]).get('code')!;
      const res = await other.broker.get(`/cockpit/sign-in/callback?code=${encodeURIComponent(code)}&state=${state}&iss=${encodeURIComponent(op.issuer)}`);
      expect(res.status).to.equal(400);
      expect(titleOf(res.html)).to.match(/^Anmeldung abgelaufen/);
      expect(await isSignedIn(other.broker)).to.equal(false);
      expect(logged.lines.some((l) => l.includes('"reason":"code-expired"') && l.includes('invalid_grant'))).to.equal(true);
    });

    it('says so when the citizen cancels at the provider (403)', async () => {
      const b = browser();
      const start = await b.broker.get('/cockpit/sign-in/start');
      const state = new URL(start.location!).searchParams.get('state')!;
      const res = await b.broker.get(`/cockpit/sign-in/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(op.issuer)}`);
      expect(res.status).to.equal(403);
      expect(titleOf(res.html)).to.match(/^Anmeldung abgebrochen/);
    });

    it('ends the session at the provider too on sign-out (end_session with id_token_hint and post_logout_redirect_uri)', async () => {
      const b = await signedIn();
      const cockpit = await b.broker.get('/cockpit');
      // The sign-out form may lead to the provider: its origin is in the page's form-action.
      expect(cockpit.headers.get('content-security-policy')).to.include(`form-action 'self' ${op.issuer}`);
      const out = await b.broker.post('/cockpit/sign-out', {});
      expect(out.status).to.equal(303);
      const endSession = new URL(out.location!);
      expect(endSession.origin).to.equal(op.issuer);
      expect(endSession.searchParams.get('id_token_hint')).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(endSession.searchParams.get('post_logout_redirect_uri')).to.equal(`${h.url}/cockpit/sign-in?status=abgemeldet`);
      expect(await isSignedIn(b.broker)).to.equal(false);
      // The provider asks to confirm; confirmed, it sends the browser back to the broker's signed-out page.
      const confirm = await atProvider(b.provider, endSession.href);
      expect(confirm.status, confirm.html).to.equal(200);
      const form = /<form id="op.logoutForm" method="post" action="([^"]+)"><input type="hidden" name="xsrf" value="([^"]+)"/.exec(confirm.html)!;
      const done = await b.provider.post(pathOf(new URL(form[1]!, op.issuer).href), { xsrf: form[2]!, logout: 'yes' }, null);
      expect(done.status).to.be.oneOf([302, 303]);
      expect(done.location).to.equal(`${h.url}/cockpit/sign-in?status=abgemeldet`);
      // The provider's session is gone: a new sign-in asks for the citizen again.
      const again = await b.broker.get('/cockpit/sign-in/start');
      const page = await atProvider(b.provider, again.location!);
      expect(page.status).to.equal(200);
      expect(page.html).to.include('Testperson');
    });
  });
}

describe('OpenID Connect sign-in when the provider cannot be reached', function () {
  this.timeout(60_000);
  it('shows a page saying so (502) and logs why without personal data', async function () {
    const db = await testDatabase('sqlite');
    if (!db) return this.skip();
    const logged = logLines('info');
    const oidc: OidcConfig = { issuer: 'http://127.0.0.1:9', clientId: 'x', clientSecret: { value: 'y' }, redirectUri: null, acrValues: ACCEPTED, idNrClaim: IDNR_CLAIM, scopes: 'openid', providerName: 'BundID' };
    const h = await startHarness(db, { log: logged.log, config: { citizenSignIn: 'oidc', oidc } });
    try {
      const res = await new PageClient(h.url).get('/cockpit/sign-in/start');
      expect(res.status).to.equal(502);
      expect(titleOf(res.html)).to.match(/^Der Anmeldedienst ist nicht erreichbar/);
      expect(logged.lines.some((l) => l.includes('"reason":"provider-down"'))).to.equal(true);
    } finally {
      await h.close();
    }
  });
});

describe('OpenID Connect configuration', () => {
  const complete = {
    CITIZEN_SIGN_IN: 'oidc',
    OIDC_ISSUER: 'https://id.bund.de/',
    OIDC_CLIENT_ID: 'broker',
    OIDC_CLIENT_SECRET: 'secret',
    OIDC_ACR_VALUES: 'http://eidas.europa.eu/LoA/substantial http://eidas.europa.eu/LoA/high',
    OIDC_IDNR_CLAIM: 'idnr',
  };
  const production = { BROKER_MODE: 'production', TLS_CERT_FILE: 'c.pem', TLS_KEY_FILE: 'k.pem', OIDC_REDIRECT_URI: 'https://broker.example/cockpit/sign-in/callback' };

  it('reads the provider, the client and the accepted levels', () => {
    const cfg = envToConfig(readEnv({ ...complete, OIDC_ACR_VALUES: 'a, b  a' }));
    expect(cfg.citizenSignIn).to.equal('oidc');
    expect(cfg.oidc).to.deep.include({ issuer: 'https://id.bund.de/', clientId: 'broker', acrValues: ['a', 'b'], idNrClaim: 'idnr', scopes: 'openid', providerName: 'id.bund.de', redirectUri: null });
    expect(envToConfig(readEnv({})).oidc).to.equal(null);
  });

  it('refuses an incomplete set at start, naming the variable', () => {
    for (const name of ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_ACR_VALUES', 'OIDC_IDNR_CLAIM'] as const) {
      const { [name]: _, ...rest } = complete;
      expect(() => envToConfig(readEnv(rest)), name).to.throw(ConfigError, new RegExp(`^invalid ${name}:`));
    }
    expect(() => envToConfig(readEnv({ OIDC_ISSUER: 'https://id.bund.de/' }))).to.throw(ConfigError, /^invalid OIDC_ISSUER: it is read only with CITIZEN_SIGN_IN=oidc/);
    expect(() => envToConfig(readEnv({ ...complete, OIDC_REDIRECT_URI: 'https://broker.example/elsewhere' }))).to.throw(ConfigError, /^invalid OIDC_REDIRECT_URI/);
  });

  it('in production mode wants HTTPS and a fixed redirect URI', () => {
    expect(envToConfig(readEnv({ ...complete, ...production })).oidc?.redirectUri).to.equal(production.OIDC_REDIRECT_URI);
    const { OIDC_REDIRECT_URI: _, ...noRedirect } = production;
    expect(() => envToConfig(readEnv({ ...complete, ...noRedirect }))).to.throw(ConfigError, /^invalid OIDC_REDIRECT_URI/);
    expect(() => envToConfig(readEnv({ ...complete, ...production, OIDC_ISSUER: 'http://id.example/' }))).to.throw(ConfigError, /^invalid OIDC_ISSUER: production mode/);
  });
});
