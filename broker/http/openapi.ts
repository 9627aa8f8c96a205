// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests (never written
// twice). Each operation names its path, schemas and answers; test/broker/openapi.test.ts checks that
// every route the server mounts is described here and nothing else is.
import { z } from 'zod';
import { EVIDENCE_TYPES } from '../../adapters/index.ts';
import {
  CheckpointListView,
  CheckpointsQuery,
  ConsentBody,
  ConsentListView,
  ConsentView,
  EvidenceAnswerView,
  EvidenceRequestBody,
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

/** One documented operation; `path` is in Express syntax (`:id`). */
export interface Operation {
  method: Method;
  path: string;
  summary: string;
  tag: 'evidence' | 'consents' | 'cockpit' | 'audit' | 'operations';
  /** false for the public operational endpoints. */
  auth: boolean;
  params?: z.ZodObject;
  query?: z.ZodType;
  body?: z.ZodType;
  ok: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  errors: number[];
  /** Also served as XML (XÖV style); the XSD named here describes the documents. */
  xml?: { request?: string; answer: string };
}

const XSD = 'xoev-schemas/nachweis/nachweis-1.1.xsd';

export const OPERATIONS: Operation[] = [
  { method: 'get', path: '/v1/me', summary: 'Who the caller is and what it may request', tag: 'operations', auth: true, ok: { status: 200, description: 'The caller', schema: MeView }, errors: [401] },
  {
    method: 'post',
    path: '/v1/evidence-requests',
    summary: 'Fetch evidence about a citizen from the registers',
    tag: 'evidence',
    auth: true,
    body: EvidenceRequestBody,
    ok: { status: 201, description: 'The answer, with the evidence delivered now (202 with Prefer: respond-async)', schema: EvidenceAnswerView },
    errors: [400, 401, 403, 409, 413, 415, 422, 429, 503],
    xml: { request: 'nachweisAnfrage', answer: 'nachweisAntwort' },
  },
  {
    method: 'get',
    path: '/v1/evidence-requests/:id',
    summary: 'A request\'s state; pending items are asked about again',
    tag: 'evidence',
    auth: true,
    params: IdParam,
    ok: { status: 200, description: 'The request (data only for items that arrived just now, or a held async answer)', schema: EvidenceAnswerView },
    errors: [400, 401, 404],
    xml: { answer: 'nachweisAntwort' },
  },
  { method: 'post', path: '/v1/consents', summary: 'Record a consent', tag: 'consents', auth: true, body: ConsentBody, ok: { status: 201, description: 'The consent', schema: ConsentView }, errors: [400, 401, 403] },
  { method: 'get', path: '/v1/consents/:id', summary: 'One consent (its citizen or grantee)', tag: 'consents', auth: true, params: IdParam, ok: { status: 200, description: 'The consent', schema: ConsentView }, errors: [400, 401, 404] },
  { method: 'delete', path: '/v1/consents/:id', summary: 'Revoke a consent (idempotent)', tag: 'consents', auth: true, params: IdParam, ok: { status: 200, description: 'The revoked consent', schema: ConsentView }, errors: [400, 401, 404] },
  { method: 'get', path: '/v1/citizens/:idNr/consents', summary: 'The citizen\'s consents (that citizen only)', tag: 'cockpit', auth: true, params: IdNrParam, ok: { status: 200, description: 'Consents, newest first', schema: ConsentListView }, errors: [400, 401, 403] },
  {
    method: 'get',
    path: '/v1/citizens/:idNr/transfers',
    summary: 'Every transfer of the citizen\'s data (that citizen only); XML with Accept: application/xml or ?format=xml',
    tag: 'cockpit',
    auth: true,
    params: IdNrParam,
    ok: { status: 200, description: 'Transfers, newest first', schema: TransferListView },
    errors: [400, 401, 403],
    xml: { answer: 'protokollauszug (xoev-schemas/protokoll/protokoll-1.2.xsd)' },
  },
  {
    method: 'get',
    path: '/v1/audit/verify',
    summary: 'Recompute the audit chain (operators); one at a time per broker process, 503 overloaded with Retry-After while one runs',
    tag: 'audit',
    auth: true,
    ok: { status: 200, description: 'The chain verifies (409 with the first broken link otherwise)', schema: VerifyView },
    errors: [401, 403, 409, 503],
  },
  {
    method: 'get',
    path: '/v1/audit/checkpoints',
    summary: 'Signed chain heads and the key that signs them',
    tag: 'audit',
    auth: true,
    query: CheckpointsQuery,
    ok: { status: 200, description: 'Checkpoints in chain order', schema: CheckpointListView },
    errors: [400, 401],
  },
  {
    method: 'get',
    path: '/v1/statistics',
    summary: 'Anonymized monthly transaction counts per region and evidence type (operators); CSV with ?format=csv',
    tag: 'operations',
    auth: true,
    query: StatisticsQuery,
    ok: { status: 200, description: 'Counts; cells below the threshold are suppressed', schema: StatisticsView },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/v1/directory/registers',
    summary: 'The register directory: every register instance with its jurisdiction, purposes, state and pinned certificates (participants and operators)',
    tag: 'operations',
    auth: true,
    ok: { status: 200, description: 'Register instances by evidence type and id', schema: RegisterListView },
    errors: [401, 403],
  },
  { method: 'get', path: '/v1/audit/checkpoint', summary: "The latest signed tree head of the audit log: a C2SP tlog-checkpoint signed note with the witnesses' cosignature lines; public, limited per address", tag: 'audit', auth: false, ok: { status: 200, description: 'The note', contentType: 'text/plain' }, errors: [404, 429] },
  {
    method: 'post',
    path: '/v1/audit/checkpoint/cosignatures',
    summary: "A witness's C2SP tlog-cosignature line on a signed tree head; accepted only from the configured witness keys and when it verifies over that head; public, limited per address",
    tag: 'audit',
    auth: false,
    body: CosignatureBody,
    ok: { status: 201, description: 'Stored (200 with stored: false when this witness already cosigned this head); served with /v1/audit/checkpoint from then on', schema: CosignatureView },
    errors: [400, 403, 404, 413, 415, 429],
  },
  { method: 'get', path: '/v1/audit/log-key', summary: "The audit log's verifier key in the C2SP note format; public", tag: 'audit', auth: false, ok: { status: 200, description: '<name>+<key hash>+<base64 key>', contentType: 'text/plain' }, errors: [429] },
  {
    method: 'get',
    path: '/v1/audit/entries/:index',
    summary: 'One leaf of the audit Merkle tree (0-based): its bytes (kind, time, salted commitment: no personal data) and RFC 9162 leaf hash; public, limited per address',
    tag: 'audit',
    auth: false,
    params: AuditIndexParam,
    ok: { status: 200, description: 'The leaf', schema: AuditLeafView },
    errors: [400, 404, 429],
  },
  {
    method: 'get',
    path: '/v1/audit/proofs/inclusion',
    summary: 'RFC 9162 inclusion proof of a leaf in a tree size (hex hashes, leaf side first); public, limited per address',
    tag: 'audit',
    auth: false,
    query: InclusionProofQuery,
    ok: { status: 200, description: 'The proof', schema: InclusionProofView },
    errors: [400, 429],
  },
  {
    method: 'get',
    path: '/v1/audit/proofs/consistency',
    summary: 'RFC 9162 consistency proof between two tree sizes (hex hashes); public, limited per address',
    tag: 'audit',
    auth: false,
    query: ConsistencyProofQuery,
    ok: { status: 200, description: 'The proof', schema: ConsistencyProofView },
    errors: [400, 429],
  },
  { method: 'get', path: '/healthz', summary: 'Liveness', tag: 'operations', auth: false, ok: { status: 200, description: 'Alive', schema: HealthView }, errors: [] },
  { method: 'get', path: '/readyz', summary: 'Readiness: the database answers', tag: 'operations', auth: false, ok: { status: 200, description: 'Ready', schema: HealthView }, errors: [503] },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', tag: 'operations', auth: false, ok: { status: 200, description: 'Prometheus text format', contentType: 'text/plain' }, errors: [] },
  { method: 'get', path: '/openapi.json', summary: 'This document', tag: 'operations', auth: false, ok: { status: 200, description: 'OpenAPI 3.1', contentType: 'application/json' }, errors: [] },
  { method: 'get', path: '/docs', summary: 'Browsable API reference', tag: 'operations', auth: false, ok: { status: 200, description: 'HTML page', contentType: 'text/html' }, errors: [] },
];

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request (problem+json with invalidParams)',
  401: 'Missing, unknown, expired or revoked bearer token',
  403: 'Not allowed for this caller (e.g. not a configured witness), or no consent / legal basis covers the request',
  404: 'Unknown, or not visible to the caller',
  409: 'Conflict: a request with this Idempotency-Key is in progress (Retry-After), or the audit chain is broken',
  413: 'Body too large',
  415: 'Body is neither JSON nor (where accepted) UTF-8 XML',
  422: 'Idempotency-Key reused with another request',
  429: 'Too many requests from this caller (Retry-After)',
  503: 'Overloaded or not ready (Retry-After)',
};

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

export const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

export function buildOpenApiDocument(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const pathParams = op.params
      ? Object.entries(op.params.shape).map(([name, schema]) => ({ name, in: 'path', required: true, schema: jsonSchema(schema as z.ZodType, 'input') }))
      : [];
    const queryProps = op.query ? ((jsonSchema(op.query, 'input').properties ?? {}) as Record<string, unknown>) : {};
    const queryParams = Object.entries(queryProps).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
    const parameters = pathParams.length + queryParams.length > 0 ? [...pathParams, ...queryParams] : undefined;
    const xmlDoc = (element: string) => ({ schema: { type: 'string', description: `XML document \`${element}\` (${XSD})` } });
    const responses: Record<string, unknown> = {
      [op.ok.status]: {
        description: op.ok.description,
        ...(op.ok.schema
          ? { content: { 'application/json': { schema: jsonSchema(op.ok.schema, 'output') }, ...(op.xml ? { 'application/xml': xmlDoc(op.xml.answer) } : {}) } }
          : { content: { [op.ok.contentType ?? 'application/json']: {} } }),
      },
    };
    for (const status of op.errors) {
      responses[status] = { description: ERROR_TEXT[status] ?? 'Error', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    }
    paths[toOpenApiPath(op.path)] ??= {};
    paths[toOpenApiPath(op.path)]![op.method] = {
      summary: op.summary,
      tags: [op.tag],
      operationId: `${op.method}${op.path.replace(/[/:{}-]+(\w)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      ...(op.auth ? {} : { security: [] }),
      ...(parameters ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(op.body, 'input') }, ...(op.xml?.request ? { 'application/xml': xmlDoc(op.xml.request) } : {}) },
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
      version: '1.0.0',
      description:
        `Fetches ${EVIDENCE_TYPES.join(', ')} evidence from the responsible registers with the citizen's consent or a legal basis, and records every transfer in a tamper-evident audit chain. Errors are RFC 9457 problem+json with a stable \`type\`/\`code\`.`,
      license: { name: 'EUPL-1.2', identifier: 'EUPL-1.2' },
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An authority\'s or a citizen\'s token' } },
      schemas: { Problem: jsonSchema(ProblemView, 'output') },
    },
  };
}
