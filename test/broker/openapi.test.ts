// The OpenAPI document describes exactly the routes the server mounts, is valid 3.1 in shape, and the
// answers the broker gives match the response schemas it documents.
import { expect } from 'chai';
import express from 'express';
import packageJson from '../../package.json' with { type: 'json' };
import { OPERATIONS, toOpenApiPath } from '../../broker/http/openapi.ts';
import { authenticatedRoutes, publicRoutes, transparencyRoutes } from '../../broker/http/routes/index.ts';
import { ConsentView, EvidenceAnswerView, MeView, ProblemView, VerifyView } from '../../broker/http/schemas.ts';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every (method, path) the Express app routes, walking nested routers. */
function mountedRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) return Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => `${m} ${layer.route!.path}`);
    return layer.handle?.stack ? mountedRoutes(layer.handle.stack) : [];
  });
}

describe('OpenAPI document', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness((await testDatabase('sqlite'))!);
  });
  after(async () => h?.close());

  it('describes every API route the server mounts and no route that does not exist', () => {
    // The API is what routes/index.ts lists; the pages (HTML for people) are not part of it.
    const api = express.Router();
    for (const route of [...publicRoutes, ...transparencyRoutes, ...authenticatedRoutes]) route(api, h.broker.ctx);
    const mounted = mountedRoutes((api as unknown as { stack: Layer[] }).stack)
      .filter((r) => !r.startsWith('get /docs/'))
      .sort();
    const documented = OPERATIONS.map((op) => `${op.method} ${op.path}`).sort();
    expect(mounted).to.deep.equal(documented);
  });

  it('is served at /openapi.json as OpenAPI 3.1 with every path and a Problem schema', async () => {
    const res = await h.call('GET', '/openapi.json', { token: null });
    expect(res.status).to.equal(200);
    expect(res.body.openapi).to.equal('3.1.0');
    for (const op of OPERATIONS) expect(res.body.paths[toOpenApiPath(op.path)], op.path).to.have.property(op.method);
    expect(res.body.paths['/v1/evidence-requests'].post.requestBody.content['application/json'].schema.properties).to.have.keys(
      'citizen', 'evidenceTypes', 'purpose', 'caseReference', 'consentId', 'legalBasis', 'period', 'routing',
    );
    expect(res.body.components.schemas.Problem.required).to.include.members(['type', 'title', 'status', 'detail', 'code']);
  });

  it('names the package version, both ways to authenticate, the async answer and the headers the API takes and sends', async () => {
    const doc = (await h.call('GET', '/openapi.json', { token: null })).body;
    expect(doc.info.version).to.equal(packageJson.version);
    expect(doc.components.securitySchemes).to.have.keys('bearer', 'mutualTLS');
    expect(doc.components.securitySchemes.mutualTLS.type).to.equal('mutualTLS');
    const post = doc.paths['/v1/evidence-requests'].post;
    expect(post.security).to.deep.equal([{ bearer: [] }, { mutualTLS: [] }]);
    expect(post.parameters.filter((p: { in: string }) => p.in === 'header').map((p: { name: string }) => p.name)).to.have.members(['Idempotency-Key', 'Prefer']);
    expect(post.responses['202'].headers).to.include.keys('Location', 'Retry-After', 'Preference-Applied', 'RateLimit');
    expect(post.responses['201'].headers.Location.required).to.equal(true);
    expect(post.responses['429'].headers['Retry-After'].required).to.equal(true);
    // Citizens and operators only ever use tokens.
    expect(doc.paths['/v1/statistics'].get.security).to.deep.equal([{ bearer: [] }]);
    expect(doc.paths['/healthz'].get.security).to.deep.equal([]);
    for (const op of OPERATIONS) {
      const content = doc.paths[toOpenApiPath(op.path)][op.method].responses[op.ok.status].content;
      expect(Object.values(content).some((media) => (media as { example?: unknown }).example !== undefined), `${op.method} ${op.path} has an example`).to.equal(true);
    }
  });

  it('serves a browsable reference at /docs from local assets', async () => {
    const page = await fetch(`${h.url}/docs`);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include('swagger-ui');
    expect((await fetch(`${h.url}/docs/assets/swagger-ui-bundle.js`)).status).to.equal(200);
    expect((await fetch(`${h.url}/docs/init.js`)).status).to.equal(200);
  });

  it('matches what the broker actually answers', async () => {
    const me = await h.call('GET', '/v1/me');
    MeView.parse(me.body);
    const consent = await h.call('POST', '/v1/consents', {
      body: { citizen: { idNr: '86095742719' }, grantee: AUTHORITY_ID, evidenceTypes: ['salary', 'income'], purpose: 'wohngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    ConsentView.parse(consent.body);
    const answer = await h.call('POST', '/v1/evidence-requests', {
      body: { citizen: { idNr: '86095742719' }, evidenceTypes: ['salary', 'income'], purpose: 'wohngeld', caseReference: 'WG-1', routing: ROUTING },
    });
    EvidenceAnswerView.parse(answer.body);
    EvidenceAnswerView.parse((await h.call('GET', `/v1/evidence-requests/${answer.body.id}`)).body);
    VerifyView.parse((await h.call('GET', '/v1/audit/verify', { token: await h.operatorToken() })).body);
    ProblemView.parse((await h.call('GET', '/v1/me', { token: 'eb_not_a_known_token_000000' })).body);
    ProblemView.parse((await h.call('POST', '/v1/evidence-requests', { body: { citizen: { idNr: '1' } } })).body);
  });
});
