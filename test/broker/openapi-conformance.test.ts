// The broker's real answers checked against the OpenAPI document it serves, not against the zod schemas that
// made it: a sample of every operation's success and error answers from a running broker (real simulators,
// port 0) is matched to its documented path, status, media type, response headers and body schema. The
// oracle is independent of the code under test: Ajv's JSON Schema 2020-12 validator (the dialect of OpenAPI
// 3.1) with ajv-formats, reading the schemas out of the served /openapi.json by JSON pointer.
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { cosign, verifierKey } from '../../broker/audit/signed-note.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';
import { EVIDENCE_TYPES } from '../../adapters/index.ts';
import { PURPOSES } from '../../broker/domain/codes.ts';

// ajv-formats is CommonJS: its default export arrives as the module object or the function, by loader.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

const CITIZEN = '86095742719';
const WITNESS_NAME = 'witness.example/w1';
const DOC_ID = 'urn:evidence-broker:served-openapi';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

interface DocOperation {
  responses: Record<string, { headers?: Record<string, { required?: boolean; schema: object }>; content?: Record<string, { schema?: object }> }>;
}

/** Reads the served document and checks answers against it; remembers which (operation, status) it saw. */
class Conformance {
  private readonly ajv: Ajv2020;
  private readonly routes: { method: string; template: string; pattern: RegExp }[] = [];
  readonly seen = new Map<string, Set<number>>();

  constructor(readonly doc: { paths: Record<string, Record<string, DocOperation>> }) {
    this.ajv = new Ajv2020({ allErrors: true, strict: true, strictTuples: false, strictRequired: false });
    addFormats(this.ajv);
    // zod writes `format: base64` beside `contentEncoding: base64`; not among JSON Schema's formats, so checked here.
    this.ajv.addFormat('base64', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
    // The document's own vocabulary around the schemas (and OpenAPI's `example`), so strict mode accepts it.
    this.ajv.addVocabulary(['openapi', 'info', 'servers', 'security', 'tags', 'paths', 'components', 'example', 'discriminator', 'xml', 'externalDocs']);
    this.ajv.addSchema({ ...doc, $id: DOC_ID });
    for (const [template, item] of Object.entries(doc.paths)) {
      const pattern = new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`);
      for (const method of Object.keys(item)) this.routes.push({ method, template, pattern });
    }
  }

  /** The operation a request went to, by the document's path templates (not the server's routes). */
  private operationOf(method: string, url: string): { key: string; pointer: string; op: DocOperation } {
    const path = new URL(url, 'http://broker').pathname;
    const route = this.routes.find((r) => r.method === method.toLowerCase() && r.pattern.test(path));
    if (!route) throw new Error(`${method} ${path} is not in the document`);
    const pointer = `#/paths/${route.template.replaceAll('~', '~0').replaceAll('/', '~1')}/${route.method}`;
    return { key: `${route.method} ${route.template}`, pointer, op: this.doc.paths[route.template]![route.method]! };
  }

  /** Sends a request and checks the answer against the document; returns the answer with its JSON body. */
  async check(h: Harness, method: string, url: string, opts: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer & { body: any }> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? h.token : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(h.url + url, { method, headers, ...(body !== undefined ? { body } : {}) });
    const answer = { status: res.status, headers: res.headers, text: await res.text() };
    const json = this.verify(method, url, answer);
    return { ...answer, body: json };
  }

  /** Checks one answer: a documented status, media type, required and well-formed headers, and the body's schema. */
  verify(method: string, url: string, answer: Answer): unknown {
    const { key, pointer, op } = this.operationOf(method, url);
    const where = `${key} → ${answer.status}`;
    const documented = op.responses[String(answer.status)];
    expect(documented, `${where} is not documented (${answer.text.slice(0, 200)})`).to.not.equal(undefined);
    this.seen.set(key, (this.seen.get(key) ?? new Set()).add(answer.status));
    const responsePointer = `${pointer}/responses/${answer.status}`;

    for (const [name, header] of Object.entries(documented!.headers ?? {})) {
      const value = answer.headers.get(name);
      if (value === null) {
        expect(header.required, `${where}: header ${name} is required but was not sent`).to.not.equal(true);
        continue;
      }
      const validate = this.ajv.getSchema(`${DOC_ID}${responsePointer}/headers/${name}/schema`)!;
      expect(validate(value), `${where}: header ${name}: ${JSON.stringify(value)} ${this.ajv.errorsText(validate.errors)}`).to.equal(true);
    }

    const mediaType = (answer.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const content = documented!.content ?? {};
    expect(Object.keys(content), `${where}: media type ${mediaType}`).to.include(mediaType);
    if (!/^application\/(.+\+)?json$/.test(mediaType)) return undefined;
    const body: unknown = JSON.parse(answer.text);
    if (content[mediaType]!.schema) {
      const escaped = mediaType.replaceAll('/', '~1');
      const validate = this.ajv.getSchema(`${DOC_ID}${responsePointer}/content/${escaped}/schema`)!;
      expect(validate(body), `${where}: body does not match the documented schema: ${this.ajv.errorsText(validate.errors)}\n${answer.text.slice(0, 500)}`).to.equal(true);
    }
    return body;
  }
}

const evidenceRequest = (o: Record<string, unknown> = {}) => ({
  citizen: { idNr: CITIZEN },
  evidenceTypes: ['salary', 'income'],
  purpose: 'wohngeld',
  caseReference: 'WG-OPENAPI-1',
  routing: ROUTING,
  ...o,
});
const consentBody = () => ({
  citizen: { idNr: CITIZEN },
  grantee: AUTHORITY_ID,
  evidenceTypes: ['salary', 'income'],
  purpose: 'wohngeld',
  paper: PAPER_FORM,
  validUntil: new Date(Date.now() + 86_400_000).toISOString(),
});

for (const kind of DATABASE_KINDS) {
  describe(`the broker answers as its OpenAPI document says (${kind})`, function () {
    let h: Harness;
    let c: Conformance;
    const witnessKey = generateKeyPairSync('ed25519').privateKey;
    const RATE_LIMIT = 200;

    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db, {
        config: { witnessKeys: [verifierKey(WITNESS_NAME, witnessKey, 'cosignature/v1')], rateLimitPerMinute: RATE_LIMIT },
      });
      const served = await fetch(`${h.url}/openapi.json`);
      expect(served.status).to.equal(200);
      c = new Conformance(JSON.parse(await served.text()));
    });
    after(async () => h?.close());

    it('evidence requests: 201, 202 async, a replay, the XML answer, and 400/401/403/404/413/415/422', async () => {
      const consent = await c.check(h, 'POST', '/v1/consents', { body: consentBody() });
      expect(consent.status).to.equal(201);
      const created = await c.check(h, 'POST', '/v1/evidence-requests', { body: evidenceRequest(), headers: { 'idempotency-key': 'openapi-conformance-0001' } });
      expect(created.status).to.equal(201);
      const replayed = await c.check(h, 'POST', '/v1/evidence-requests', { body: evidenceRequest(), headers: { 'idempotency-key': 'openapi-conformance-0001' } });
      expect([replayed.status, replayed.headers.get('idempotent-replayed')]).to.deep.equal([201, 'true']);
      expect((await c.check(h, 'POST', '/v1/evidence-requests', { body: evidenceRequest({ caseReference: 'other' }), headers: { 'idempotency-key': 'openapi-conformance-0001' } })).status).to.equal(422);
      const accepted = await c.check(h, 'POST', '/v1/evidence-requests', { body: evidenceRequest({ caseReference: 'WG-OPENAPI-2' }), headers: { prefer: 'respond-async' } });
      expect(accepted.status).to.equal(202);
      expect((await c.check(h, 'GET', accepted.headers.get('location')!)).status).to.equal(200);
      expect((await c.check(h, 'GET', `/v1/evidence-requests/${created.body.id}`)).status).to.equal(200);
      const xml = await c.check(h, 'GET', `/v1/evidence-requests/${created.body.id}?format=xml`);
      expect([xml.status, xml.text]).to.satisfy(([status, text]: [number, string]) => status === 200 && text.startsWith('<?xml'));

      expect((await c.check(h, 'POST', '/v1/evidence-requests', { body: { citizen: { idNr: '1' } } })).status).to.equal(400);
      expect((await c.check(h, 'POST', '/v1/evidence-requests', { body: evidenceRequest(), token: null })).status).to.equal(401);
      expect((await c.check(h, 'POST', '/v1/evidence-requests', { body: evidenceRequest(), token: await h.citizenToken(CITIZEN) })).status).to.equal(403);
      expect((await c.check(h, 'POST', '/v1/evidence-requests', { body: evidenceRequest({ caseReference: 'x'.repeat(70_000) }) })).status).to.equal(413);
      expect((await c.check(h, 'POST', '/v1/evidence-requests', { body: 'plain', headers: { 'content-type': 'text/plain' } })).status).to.equal(415);
      expect((await c.check(h, 'GET', `/v1/evidence-requests/${UNKNOWN_ID}`)).status).to.equal(404);
      expect((await c.check(h, 'GET', '/v1/evidence-requests/not-a-uuid')).status).to.equal(400);
    });

    it('consents and the cockpit: 200/201 and 400/401/403/404', async () => {
      const consent = await c.check(h, 'POST', '/v1/consents', { body: consentBody() });
      expect(consent.status).to.equal(201);
      expect((await c.check(h, 'GET', consent.headers.get('location')!)).status).to.equal(200);
      expect((await c.check(h, 'DELETE', `/v1/consents/${consent.body.id}`)).status).to.equal(200);
      expect((await c.check(h, 'POST', '/v1/consents', { body: { ...consentBody(), grantee: '' } })).status).to.equal(400);
      expect((await c.check(h, 'POST', '/v1/consents', { body: consentBody(), token: 'eb_not_a_known_token_000000' })).status).to.equal(401);
      expect((await c.check(h, 'GET', `/v1/consents/${UNKNOWN_ID}`)).status).to.equal(404);
      expect((await c.check(h, 'DELETE', `/v1/consents/${UNKNOWN_ID}`)).status).to.equal(404);

      const citizen = await h.citizenToken(CITIZEN);
      expect((await c.check(h, 'GET', `/v1/citizens/${CITIZEN}/consents`, { token: citizen })).status).to.equal(200);
      expect((await c.check(h, 'GET', `/v1/citizens/${CITIZEN}/transfers`, { token: citizen })).status).to.equal(200);
      const xml = await c.check(h, 'GET', `/v1/citizens/${CITIZEN}/transfers`, { token: citizen, headers: { accept: 'application/xml' } });
      expect(xml.status).to.equal(200);
      expect((await c.check(h, 'GET', `/v1/citizens/${CITIZEN}/consents`)).status).to.equal(403);
      expect((await c.check(h, 'GET', '/v1/citizens/123/transfers', { token: citizen })).status).to.equal(400);
    });

    it('identity, directory, statistics and verification: 200 and 400/401/403, and 409 for a broken chain', async () => {
      const operator = await h.operatorToken();
      const citizen = await h.citizenToken(CITIZEN);
      for (const token of [h.token, citizen, operator]) expect((await c.check(h, 'GET', '/v1/me', { token })).status).to.equal(200);
      expect((await c.check(h, 'GET', '/v1/me', { token: null })).status).to.equal(401);
      expect((await c.check(h, 'GET', '/v1/directory/registers')).status).to.equal(200);
      expect((await c.check(h, 'GET', '/v1/directory/registers', { token: citizen })).status).to.equal(403);
      expect((await c.check(h, 'GET', '/v1/statistics', { token: operator })).status).to.equal(200);
      const csv = await c.check(h, 'GET', '/v1/statistics?format=csv', { token: operator });
      expect(csv.status).to.equal(200);
      expect((await c.check(h, 'GET', '/v1/statistics?from=2026-13', { token: operator })).status).to.equal(400);
      expect((await c.check(h, 'GET', '/v1/statistics')).status).to.equal(403);
      expect((await c.check(h, 'GET', '/v1/audit/verify', { token: operator })).status).to.equal(200);
      expect((await c.check(h, 'GET', '/v1/audit/verify')).status).to.equal(403);
      // A changed detail row breaks the chain: 409 with the VerifyView (not problem+json); then put back.
      const prisma = h.broker.ctx.database.prisma;
      const detail = await prisma.auditDetail.findFirstOrThrow({ orderBy: { seq: 'asc' } });
      await prisma.auditDetail.update({ where: { seq: detail.seq }, data: { details: `${detail.details} ` } });
      try {
        const broken = await c.check(h, 'GET', '/v1/audit/verify', { token: operator });
        expect([broken.status, broken.body.ok]).to.deep.equal([409, false]);
      } finally {
        await prisma.auditDetail.update({ where: { seq: detail.seq }, data: { details: detail.details } });
      }
      expect((await c.check(h, 'GET', '/v1/audit/checkpoints')).status).to.equal(200);
      expect((await c.check(h, 'GET', '/v1/audit/checkpoints?limit=0')).status).to.equal(400);
    });

    it('the public audit log: note, key, leaves, proofs, cosignatures (201, 200 repeat) and 400/403/404/413/415', async () => {
      // Two requests make leaves; then a signed head for the note, the proofs and the cosignature.
      await c.check(h, 'POST', '/v1/consents', { body: consentBody() });
      await c.check(h, 'POST', '/v1/consents', { body: consentBody() });
      const head = (await h.broker.ctx.treeHeads.sign())!;
      const note = await c.check(h, 'GET', '/v1/audit/checkpoint', { token: null });
      expect(note.status).to.equal(200);
      expect((await c.check(h, 'GET', '/v1/audit/log-key', { token: null })).status).to.equal(200);
      expect((await c.check(h, 'GET', '/v1/audit/entries/0', { token: null })).status).to.equal(200);
      expect((await c.check(h, 'GET', '/v1/audit/entries/999999', { token: null })).status).to.equal(404);
      expect((await c.check(h, 'GET', '/v1/audit/entries/-1', { token: null })).status).to.equal(400);
      expect((await c.check(h, 'GET', `/v1/audit/proofs/inclusion?index=0&treeSize=${head.treeSize}`, { token: null })).status).to.equal(200);
      expect((await c.check(h, 'GET', '/v1/audit/proofs/inclusion?index=5&treeSize=2', { token: null })).status).to.equal(400);
      expect((await c.check(h, 'GET', `/v1/audit/proofs/consistency?from=1&to=${head.treeSize}`, { token: null })).status).to.equal(200);
      expect((await c.check(h, 'GET', '/v1/audit/proofs/consistency?from=3&to=2', { token: null })).status).to.equal(400);

      const checkpointText = head.note.slice(0, head.note.indexOf('\n\n') + 1);
      const line = cosign(checkpointText, WITNESS_NAME, witnessKey, Math.floor(Date.now() / 1000)).trim();
      const post = (body: unknown, headers?: Record<string, string>) => c.check(h, 'POST', '/v1/audit/checkpoint/cosignatures', { token: null, body, ...(headers ? { headers } : {}) });
      expect((await post({ treeSize: head.treeSize, cosignature: line })).status).to.equal(201);
      expect((await post({ treeSize: head.treeSize, cosignature: line })).status).to.equal(200);
      const stranger = generateKeyPairSync('ed25519').privateKey;
      expect((await post({ treeSize: head.treeSize, cosignature: cosign(checkpointText, 'stranger.example/w', stranger, 1).trim() })).status).to.equal(403);
      expect((await post({ treeSize: head.treeSize + 100, cosignature: line })).status).to.equal(404);
      expect((await post({ treeSize: 'one' })).status).to.equal(400);
      expect((await post({ treeSize: head.treeSize, cosignature: 'x'.repeat(5000) })).status).to.equal(413);
      expect((await post('x', { 'content-type': 'text/plain' })).status).to.equal(415);
    });

    it('the probes, the metrics and the documents', async () => {
      for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
        expect((await c.check(h, 'GET', path, { token: null })).status, path).to.equal(200);
      }
    });

    it('429 with Retry-After once a caller is over its limit', async () => {
      await h.broker.ctx.participants.upsert(
        { id: 'conformance-limited', name: 'Limited', kind: 'authority', region: 'DE-BY', evidenceTypes: [...EVIDENCE_TYPES], purposes: [...PURPOSES], legalBases: [] },
        new Date(),
      );
      const token = await h.broker.ctx.tokens.issue({ participantId: 'conformance-limited' }, 'test');
      const statuses: number[] = [];
      for (let i = 0; i <= RATE_LIMIT; i++) statuses.push((await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status);
      expect(statuses.filter((s) => s === 200)).to.have.length(RATE_LIMIT);
      const refused = await c.check(h, 'GET', '/v1/me', { token });
      expect(refused.status).to.equal(429);
    });

    describe('when the broker is at its limit of requests in flight, or not ready', () => {
      let full: Harness;
      before(async function () {
        const db = await testDatabase(kind);
        if (!db) return this.skip();
        full = await startHarness(db, { config: { maxInFlight: 0 } });
      });
      after(async () => full?.close());

      it('answers every operation but the probes and the metrics 503 with Retry-After, as documented', async () => {
        const docPaths = Object.entries(c.doc.paths);
        let checked = 0;
        for (const [template, item] of docPaths) {
          for (const method of Object.keys(item)) {
            const url = template.replace('{id}', UNKNOWN_ID).replace('{idNr}', CITIZEN).replace('{index}', '0');
            // A request with a body counts in flight once it is authenticated and read, so it carries a token.
            const res = await c.check(full, method.toUpperCase(), url, { token: full.token, ...(method === 'post' ? { body: {} } : {}) });
            if (/^\/(healthz|readyz|metrics)$/.test(template)) {
              expect(res.status, template).to.equal(200);
            } else {
              expect(res.status, `${method} ${template}`).to.equal(503);
              expect(res.headers.get('retry-after')).to.match(/^[1-9]\d*$/);
              checked++;
            }
          }
        }
        expect(checked).to.equal(docPaths.reduce((n, [, item]) => n + Object.keys(item).length, 0) - 3);
      });

      it('answers /readyz 503 with Retry-After when the database does not hold the audit head', async () => {
        await full.broker.ctx.database.prisma.auditHead.deleteMany();
        const res = await c.check(full, 'GET', '/readyz', { token: null });
        expect(res.status).to.equal(503);
      });
    });

    after('every operation was seen answering successfully, and every one with documented errors answering one', function () {
      if (!c) return;
      for (const [template, item] of Object.entries(c.doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          const key = `${method} ${template}`;
          const seen = [...(c.seen.get(key) ?? [])];
          expect(seen.some((s) => s < 300), `${key}: no success answer checked`).to.equal(true);
          const documentedErrors = Object.keys(op.responses).filter((s) => Number(s) >= 400);
          if (documentedErrors.length > 0) expect(seen.some((s) => s >= 400), `${key}: no error answer checked`).to.equal(true);
        }
      }
    });
  });
}
