// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests (never written
// twice). Each operation names its path, schemas, answers, the headers it takes and sends, and an example;
// test/broker/openapi.test.ts checks that every route the server mounts is described here and nothing else
// is, test/broker/openapi-conformance.test.ts checks the broker's real answers against the served document,
// and scripts/lint-openapi.sh lints it with Redocly's recommended rules.
import { z } from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import { EVIDENCE_TYPES } from '../../adapters/index.ts';
import * as ex from './openapi-examples.ts';
import {
  CheckpointListView,
  CheckpointsQuery,
  ConsentBody,
  ConsentListView,
  ConsentView,
  EvidenceAnswerView,
  EvidenceRequestBody,
  EvidenceRequestHeaders,
  HealthView,
  IdNrParam,
  IdParam,
  MeView,
  ProblemView,
  StatisticsQuery,
  RegisterListView,
  AuditIndexParam,
  AuditLeafView,
  ConsistencyProofQuery,
  ConsistencyProofView,
  CosignatureBody,
  CosignatureView,
  InclusionProofQuery,
  InclusionProofView,
  StatisticsView,
  TransferListView,
  VerifyView,
} from './schemas.ts';

type Method = 'get' | 'post' | 'delete';

/** A response header the broker sends, each described once below. */
type ResponseHeader = 'Location' | 'Retry-After' | 'Preference-Applied' | 'Idempotent-Replayed' | 'RateLimit' | 'RateLimit-Policy' | 'WWW-Authenticate';

/** One answer of an operation: its body (a schema, or a media type without one) and the headers sent with it (true: always). */
interface Answer {
  status: number;
  description: string;
  schema?: z.ZodType;
  contentType?: string;
  /** Another media type of the same answer (e.g. CSV), with its example. */
  alternative?: { contentType: string; example: string };
  headers?: Partial<Record<ResponseHeader, boolean>>;
  example: unknown;
}

/** One documented operation; `path` is in Express syntax (`:id`). */
export interface Operation {
  method: Method;
  path: string;
  summary: string;
  tag: 'evidence' | 'consents' | 'cockpit' | 'audit' | 'operations';
  /**
   * Who authenticates how: false for the public endpoints; 'bearer' where only tokens apply (citizens,
   * operators); 'bearer-or-mtls' where an authority's system may also present its client certificate.
   */
  auth: false | 'bearer' | 'bearer-or-mtls';
  params?: z.ZodObject;
  query?: z.ZodType;
  /** Request headers the operation reads (validated like the body). */
  headers?: z.ZodObject;
  body?: z.ZodType;
  bodyExample?: unknown;
  ok: Answer;
  /** Other success answers (202 async, 200 repeat). */
  alsoOk?: Answer[];
  errors: number[];
  /** An error answered with its own body rather than problem+json. */
  errorAnswers?: Partial<Record<number, Omit<Answer, 'status'>>>;
  /** Also served as XML (XÖV style); the XSD named here describes the documents. */
  xml?: { request?: string; answer: string };
}

const XSD = 'xoev-schemas/nachweis/nachweis-1.1.xsd';
const LOCATION = { Location: true } as const;

export const OPERATIONS: Operation[] = [
  { method: 'get', path: '/v1/me', summary: 'Who the caller is and what it may request', tag: 'operations', auth: 'bearer-or-mtls', ok: { status: 200, description: 'The caller', schema: MeView, example: ex.meExample }, errors: [401, 429, 503] },
  {
    method: 'post',
    path: '/v1/evidence-requests',
    summary: 'Fetch evidence about a citizen from the registers',
    tag: 'evidence',
    auth: 'bearer-or-mtls',
    headers: EvidenceRequestHeaders,
    body: EvidenceRequestBody,
    bodyExample: ex.evidenceRequestExample,
    ok: {
      status: 201,
      description: 'The answer, with the evidence delivered now; a repeat with the same Idempotency-Key and body gets the first answer again (Idempotent-Replayed: true)',
      schema: EvidenceAnswerView,
      headers: { ...LOCATION, 'Idempotent-Replayed': false },
      example: ex.evidenceAnswerExample,
    },
    alsoOk: [
      {
        status: 202,
        description: 'Accepted (Prefer: respond-async): the request runs on; GET the Location for the answer, after Retry-After',
        schema: EvidenceAnswerView,
        headers: { ...LOCATION, 'Retry-After': true, 'Preference-Applied': true },
        example: ex.acceptedAnswerExample,
      },
    ],
    errors: [400, 401, 403, 409, 413, 415, 422, 429, 503],
    xml: { request: 'nachweisAnfrage', answer: 'nachweisAntwort' },
  },
  {
    method: 'get',
    path: '/v1/evidence-requests/:id',
    summary: 'A request\'s state; pending items are asked about again',
    tag: 'evidence',
    auth: 'bearer-or-mtls',
    params: IdParam,
    ok: { status: 200, description: 'The request (data only for items that arrived just now, or a held async answer)', schema: EvidenceAnswerView, example: ex.evidenceAnswerExample },
    errors: [400, 401, 403, 404, 429, 503],
    xml: { answer: 'nachweisAntwort' },
  },
  {
    method: 'post',
    path: '/v1/consents',
    summary: 'Record a consent',
    tag: 'consents',
    auth: 'bearer-or-mtls',
    body: ConsentBody,
    bodyExample: ex.consentBodyExample,
    ok: { status: 201, description: 'The consent', schema: ConsentView, headers: LOCATION, example: ex.consentExample },
    errors: [400, 401, 403, 413, 415, 429, 503],
  },
  { method: 'get', path: '/v1/consents/:id', summary: 'One consent (its citizen or grantee)', tag: 'consents', auth: 'bearer-or-mtls', params: IdParam, ok: { status: 200, description: 'The consent', schema: ConsentView, example: ex.consentExample }, errors: [400, 401, 404, 429, 503] },
  { method: 'delete', path: '/v1/consents/:id', summary: 'Revoke a consent (idempotent)', tag: 'consents', auth: 'bearer-or-mtls', params: IdParam, ok: { status: 200, description: 'The revoked consent', schema: ConsentView, example: ex.revokedConsentExample }, errors: [400, 401, 404, 429, 503] },
  { method: 'get', path: '/v1/citizens/:idNr/consents', summary: 'The citizen\'s consents (that citizen only)', tag: 'cockpit', auth: 'bearer', params: IdNrParam, ok: { status: 200, description: 'Consents, newest first', schema: ConsentListView, example: { consents: [ex.consentExample] } }, errors: [400, 401, 403, 429, 503] },
  {
    method: 'get',
    path: '/v1/citizens/:idNr/transfers',
    summary: 'Every transfer of the citizen\'s data (that citizen only); XML with Accept: application/xml or ?format=xml',
    tag: 'cockpit',
    auth: 'bearer',
    params: IdNrParam,
    ok: { status: 200, description: 'Transfers and refused requests, newest first', schema: TransferListView, example: ex.transfersExample },
    errors: [400, 401, 403, 429, 503],
    xml: { answer: 'protokollauszug (xoev-schemas/protokoll/protokoll-1.2.xsd)' },
  },
  {
    method: 'get',
    path: '/v1/audit/verify',
    summary: 'Recompute the audit chain (operators); one at a time per broker process, 503 overloaded with Retry-After while one runs',
    tag: 'audit',
    auth: 'bearer',
    ok: { status: 200, description: 'The chain verifies', schema: VerifyView, example: ex.verifyExample },
    errors: [401, 403, 409, 429, 503],
    errorAnswers: { 409: { description: 'The chain is broken: the first broken link (not problem+json)', schema: VerifyView, example: ex.verifyBrokenExample } },
  },
  {
    method: 'get',
    path: '/v1/audit/checkpoints',
    summary: 'Signed chain heads and the key that signs them',
    tag: 'audit',
    auth: 'bearer-or-mtls',
    query: CheckpointsQuery,
    ok: { status: 200, description: 'Checkpoints in chain order', schema: CheckpointListView, example: ex.checkpointsExample },
    errors: [400, 401, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/statistics',
    summary: 'Anonymized monthly transaction counts per region and evidence type (operators); CSV with ?format=csv (&dialect=excel-de for German Excel)',
    tag: 'operations',
    auth: 'bearer',
    query: StatisticsQuery,
    ok: {
      status: 200,
      description: 'Counts; cells below the threshold are suppressed',
      schema: StatisticsView,
      alternative: { contentType: 'text/csv', example: ex.statisticsCsvExample },
      example: ex.statisticsExample,
    },
    errors: [400, 401, 403, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/directory/registers',
    summary: 'The register directory: every register instance with its jurisdiction, purposes, state and pinned certificates (participants and operators)',
    tag: 'operations',
    auth: 'bearer-or-mtls',
    ok: { status: 200, description: 'Register instances by evidence type and id', schema: RegisterListView, example: ex.registersExample },
    errors: [401, 403, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/audit/checkpoint',
    summary: "The latest signed tree head of the audit log: a C2SP tlog-checkpoint signed note with the witnesses' cosignature lines; public, limited per address",
    tag: 'audit',
    auth: false,
    ok: { status: 200, description: 'The note', contentType: 'text/plain', example: ex.checkpointNoteExample },
    errors: [404, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/audit/checkpoint/cosignatures',
    summary: "A witness's C2SP tlog-cosignature line on a signed tree head; accepted only from the configured witness keys and when it verifies over that head; public, limited per address",
    tag: 'audit',
    auth: false,
    body: CosignatureBody,
    bodyExample: ex.cosignatureBodyExample,
    ok: { status: 201, description: 'Stored; served with /v1/audit/checkpoint from then on', schema: CosignatureView, example: ex.cosignatureExample },
    alsoOk: [{ status: 200, description: 'This witness already cosigned this head (stored: false)', schema: CosignatureView, example: { ...ex.cosignatureExample, stored: false } }],
    errors: [400, 403, 404, 413, 415, 429, 503],
  },
  { method: 'get', path: '/v1/audit/log-key', summary: "The audit log's verifier key in the C2SP note format; public", tag: 'audit', auth: false, ok: { status: 200, description: '<name>+<key hash>+<base64 key>', contentType: 'text/plain', example: ex.logKeyExample }, errors: [429, 503] },
  {
    method: 'get',
    path: '/v1/audit/entries/:index',
    summary: 'One leaf of the audit Merkle tree (0-based): its bytes (kind, time, salted commitment: no personal data) and RFC 9162 leaf hash; public, limited per address',
    tag: 'audit',
    auth: false,
    params: AuditIndexParam,
    ok: { status: 200, description: 'The leaf', schema: AuditLeafView, example: ex.auditEntryExample },
    errors: [400, 404, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/audit/proofs/inclusion',
    summary: 'RFC 9162 inclusion proof of a leaf in a tree size (hex hashes, leaf side first); public, limited per address',
    tag: 'audit',
    auth: false,
    query: InclusionProofQuery,
    ok: { status: 200, description: 'The proof', schema: InclusionProofView, example: ex.inclusionProofExample },
    errors: [400, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/audit/proofs/consistency',
    summary: 'RFC 9162 consistency proof between two tree sizes (hex hashes); public, limited per address',
    tag: 'audit',
    auth: false,
    query: ConsistencyProofQuery,
    ok: { status: 200, description: 'The proof', schema: ConsistencyProofView, example: ex.consistencyProofExample },
    errors: [400, 429, 503],
  },
  // The probes and the metrics are never refused for load (an orchestrator must see an overloaded broker as alive).
  { method: 'get', path: '/healthz', summary: 'Liveness', tag: 'operations', auth: false, ok: { status: 200, description: 'Alive', schema: HealthView, example: ex.healthExample }, errors: [] },
  { method: 'get', path: '/readyz', summary: 'Readiness: the database answers and the audit log holds (503 while the broker drains for shutdown)', tag: 'operations', auth: false, ok: { status: 200, description: 'Ready', schema: HealthView, example: ex.readyExample }, errors: [503] },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', tag: 'operations', auth: false, ok: { status: 200, description: 'Prometheus text format', contentType: 'text/plain', example: ex.metricsExample }, errors: [] },
  { method: 'get', path: '/openapi.json', summary: 'This document', tag: 'operations', auth: false, ok: { status: 200, description: 'OpenAPI 3.1', contentType: 'application/json', example: ex.openApiExample }, errors: [503] },
  { method: 'get', path: '/docs', summary: 'Browsable API reference', tag: 'operations', auth: false, ok: { status: 200, description: 'HTML page', contentType: 'text/html', example: ex.docsPageExample }, errors: [503] },
];

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request (problem+json with invalidParams)',
  401: 'Missing, unknown, expired or revoked bearer token, or a client certificate that is not a participant\'s',
  403: 'Not allowed for this caller (e.g. not a configured witness), or no consent / legal basis covers the request',
  404: 'Unknown, or not visible to the caller',
  409: 'Conflict: a request with this Idempotency-Key is in progress (Retry-After)',
  413: 'Body too large',
  415: 'Body is neither JSON nor (where accepted) UTF-8 XML',
  422: 'Idempotency-Key reused with another request',
  429: 'Too many requests from this caller or address (Retry-After)',
  503: 'Overloaded (requests in flight, a busy database or register) or not ready (Retry-After)',
};

/** Headers sent with an error answer: true always, false sometimes. */
const ERROR_HEADERS: Partial<Record<number, Partial<Record<ResponseHeader, boolean>>>> = {
  401: { 'WWW-Authenticate': false },
  409: { 'Retry-After': false },
  429: { 'Retry-After': true },
  503: { 'Retry-After': true },
};

const RESPONSE_HEADERS: Record<ResponseHeader, { description: string; schema: Record<string, unknown>; example: string | number }> = {
  Location: { description: 'Where the created resource (or the async answer) is read', schema: { type: 'string', format: 'uri-reference' }, example: '/v1/evidence-requests/0b7e4f52-5d0c-4b1e-9a43-2f6d1c8e7a10' },
  'Retry-After': { description: 'Seconds to wait before asking again', schema: { type: 'string', pattern: '^[1-9][0-9]*$' }, example: '1' },
  'Preference-Applied': { description: 'RFC 7240: the preference honoured', schema: { type: 'string', const: 'respond-async' }, example: 'respond-async' },
  'Idempotent-Replayed': { description: 'The answer is the stored first answer to this Idempotency-Key', schema: { type: 'string', const: 'true' }, example: 'true' },
  RateLimit: {
    description: 'What is left of the quota (IETF draft-ietf-httpapi-ratelimit-headers-08): per caller for token or certificate callers, per address for the public audit endpoints',
    schema: { type: 'string' },
    example: '"600-in-1min"; r=599; t=60',
  },
  'RateLimit-Policy': { description: 'The quota policy (IETF draft-ietf-httpapi-ratelimit-headers-08)', schema: { type: 'string' }, example: '"600-in-1min"; q=600; w=60' },
  'WWW-Authenticate': { description: 'RFC 6750 bearer challenge', schema: { type: 'string' }, example: 'Bearer realm="evidence-broker", error="invalid_token"' },
};

const REQUEST_HEADER_TEXT: Record<string, { description: string; example: string }> = {
  'idempotency-key': {
    description: 'A repeat with the same key and body gets the first answer (no second fetch, no second audit entry); the same key with another body is refused (422)',
    example: '3f1c2a8e-7b9d-4e6f-a1c3-5d7e9f0b2a4c',
  },
  prefer: { description: 'RFC 7240; `respond-async` answers 202 at once with a Location to read the answer from', example: 'respond-async' },
};

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

export const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

const canonicalHeaderName = (name: string) => name.replace(/(^|-)(\w)/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

/** Sent with every answer of an operation the per-caller or per-address rate limit covers (server.ts). */
const rateLimited = (op: Operation) => op.auth !== false || op.path.startsWith('/v1/audit/');

/** Response headers as OpenAPI header objects, inline: a `required` beside a $ref would be ignored. */
function headersOf(sent: Partial<Record<ResponseHeader, boolean>>): Record<string, unknown> | undefined {
  const entries = Object.entries(sent) as [ResponseHeader, boolean][];
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([name, always]) => [name, { ...RESPONSE_HEADERS[name], required: always }]));
}

function answerObject(op: Operation, answer: Omit<Answer, 'status'>, success: boolean): Record<string, unknown> {
  const limits: Partial<Record<ResponseHeader, boolean>> = rateLimited(op) ? { RateLimit: success, 'RateLimit-Policy': success } : {};
  const headers = headersOf({ ...answer.headers, ...limits });
  const xmlDoc = (element: string) => ({ schema: { type: 'string', description: `XML document \`${element}\` (${XSD})` } });
  const content = answer.schema
    ? {
        'application/json': { schema: jsonSchema(answer.schema, 'output'), example: answer.example },
        ...(op.xml ? { 'application/xml': xmlDoc(op.xml.answer) } : {}),
        ...(answer.alternative ? { [answer.alternative.contentType]: { schema: { type: 'string' }, example: answer.alternative.example } } : {}),
      }
    : { [answer.contentType ?? 'application/json']: { schema: answer.contentType === 'application/json' ? { type: 'object' } : { type: 'string' }, example: answer.example } };
  return { description: answer.description, ...(headers ? { headers } : {}), content };
}

export function buildOpenApiDocument(serverUrl = '/'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const pathParams = op.params
      ? Object.entries(op.params.shape).map(([name, schema]) => ({ name, in: 'path', required: true, schema: jsonSchema(schema as z.ZodType, 'input') }))
      : [];
    const queryProps = op.query ? ((jsonSchema(op.query, 'input').properties ?? {}) as Record<string, unknown>) : {};
    if (op.xml && !('format' in queryProps)) queryProps.format = { type: 'string', enum: ['json', 'xml'], description: 'The answer\'s format, instead of an Accept header' };
    const queryParams = Object.entries(queryProps).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
    const headerProps = op.headers ? ((jsonSchema(op.headers, 'input').properties ?? {}) as Record<string, Record<string, unknown>>) : {};
    const headerParams = Object.entries(headerProps).map(([name, schema]) => ({
      name: canonicalHeaderName(name),
      in: 'header',
      required: false,
      description: REQUEST_HEADER_TEXT[name]?.description,
      schema,
      example: REQUEST_HEADER_TEXT[name]?.example,
    }));
    const parameters = [...pathParams, ...queryParams, ...headerParams];
    const responses: Record<string, unknown> = {};
    for (const answer of [op.ok, ...(op.alsoOk ?? [])]) responses[answer.status] = answerObject(op, answer, true);
    for (const status of op.errors) {
      const own = op.errorAnswers?.[status];
      if (own) {
        responses[status] = answerObject(op, own, false);
        continue;
      }
      const headers = headersOf({ ...ERROR_HEADERS[status], ...(rateLimited(op) ? { RateLimit: false, 'RateLimit-Policy': false } : {}) });
      responses[status] = {
        description: ERROR_TEXT[status] ?? 'Error',
        ...(headers ? { headers } : {}),
        content: {
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
          ...(op.xml ? { 'application/xml': { schema: { type: 'string', description: `The problem as an XML error document (${XSD}), for callers that speak XML` } } } : {}),
        },
      };
    }
    paths[toOpenApiPath(op.path)] ??= {};
    paths[toOpenApiPath(op.path)]![op.method] = {
      summary: op.summary,
      tags: [op.tag],
      operationId: `${op.method}${op.path.replace(/[/:{}-]+(\w)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      security: op.auth === false ? [] : op.auth === 'bearer' ? [{ bearer: [] }] : [{ bearer: [] }, { mutualTLS: [] }],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: jsonSchema(op.body, 'input'), example: op.bodyExample },
                ...(op.xml?.request ? { 'application/xml': { schema: { type: 'string', description: `XML document \`${op.xml.request}\` (${XSD})` } } } : {}),
              },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Evidence broker (Once-Only)',
      version: packageJson.version,
      description:
        `Fetches ${EVIDENCE_TYPES.join(', ')} evidence from the responsible registers with the citizen's consent or a legal basis, and records every transfer in a tamper-evident audit chain. Errors are RFC 9457 problem+json with a stable \`type\`/\`code\`.`,
      license: { name: 'EUPL-1.2', identifier: 'EUPL-1.2' },
    },
    servers: [{ url: serverUrl, description: 'This broker' }],
    security: [{ bearer: [] }, { mutualTLS: [] }],
    tags: [
      { name: 'evidence', description: 'Evidence requests of authorities\' systems' },
      { name: 'consents', description: 'Consents that let an authority ask' },
      { name: 'cockpit', description: 'A citizen\'s own consents and transfers' },
      { name: 'audit', description: 'The tamper-evident audit log: verification, signed heads, public proofs' },
      { name: 'operations', description: 'Identity, directory, statistics, probes and this document' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An authority\'s, a citizen\'s or an operator\'s token' },
        mutualTLS: {
          type: 'mutualTLS',
          description: 'When the broker serves HTTPS (TLS_CERT_FILE): an authority\'s system presents a client certificate issued by the broker\'s CA and listed in the directory for that participant; citizens and operators use bearer tokens',
        },
      },
      schemas: { Problem: { ...jsonSchema(ProblemView, 'output'), examples: [ex.problemExample] } },
    },
  };
}
