// The API's request and response shapes: zod validates every input at the edge with these, and the
// same schemas describe the API (OpenAPI) later. Handlers only ever see the parsed, typed values.
import { z } from 'zod';
import { PURPOSES } from '../domain/codes.ts';
import { EVIDENCE_TYPE_LIST, EVIDENCE_TYPES, perEvidenceType, type EvidenceType } from '../../adapters/index.ts';
import { idNrProblem, idNrProblemMessages } from '../domain/idnr.ts';
import { LEGAL_BASES } from '../../consent/legal-bases.ts';
import { ValidationError } from '../domain/errors.ts';
import { CSV_DIALECTS } from '../ops/statistics/statistics.ts';
import { missingHints, RoutingHints } from '../directory/routing.ts';

export const IdNr = z
  .string()
  .superRefine((value, ctx) => {
    const problem = idNrProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `IdNr ${idNrProblemMessages[problem]}` });
  })
  .meta({ description: 'Steuerliche Identifikationsnummer: 11 digits with a valid check digit', example: '86095742719' });

const EvidenceType = z.enum(EVIDENCE_TYPES);
const Purpose = z.enum(PURPOSES);
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM');
const uniqueTypes = z
  .array(EvidenceType)
  .min(1)
  .max(EVIDENCE_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'must not repeat an evidence type');

/** The purposes each type may serve (adapters/<type>/descriptor.ts), made once. */
const PURPOSES_OF = perEvidenceType((t) => new Set<string>(t.purposes));

/** Refuses a type that does not serve the purpose, naming it (`params.reason` lets pages word it themselves). */
function servesPurpose(b: { evidenceTypes: EvidenceType[]; purpose: string }, ctx: z.RefinementCtx): void {
  const unserved = b.evidenceTypes.filter((t) => !PURPOSES_OF[t].has(b.purpose));
  if (unserved.length === 0) return;
  const message = `${unserved.map((t) => `${t} may be asked for ${[...PURPOSES_OF[t]].join(', ')} only`).join('; ')}`;
  ctx.addIssue({ code: 'custom', message, path: ['evidenceTypes'], params: { reason: 'purpose', types: unserved } });
}

/** The longest period each type may be asked for, per purpose (adapters/<type>/descriptor.ts), made once. */
const MAX_PERIOD_OF = perEvidenceType((t) => t.maxPeriodMonths as Partial<Record<string, number>>);
const monthIndex = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;

/** Refuses a period longer than the purpose may ask for of every requested type (data minimization). */
function withinPeriodLimit(b: { evidenceTypes: EvidenceType[]; purpose: string; period?: { from: string; to: string } | undefined }, ctx: z.RefinementCtx): void {
  if (!b.period) return;
  const months = monthIndex(b.period.to) - monthIndex(b.period.from) + 1;
  const limits = b.evidenceTypes.map((t) => MAX_PERIOD_OF[t][b.purpose]).filter((m): m is number => m !== undefined);
  if (limits.length === 0) return;
  const max = Math.min(...limits);
  if (months > max) ctx.addIssue({ code: 'custom', message: `for ${b.purpose} at most ${max} months may be asked for these evidence types`, path: ['period'], params: { reason: 'period', max } });
}

/** Refuses a request without a routing hint one of its types needs (400 naming `routing.<hint>`), before anything is stored. */
function hasRoutingHints(b: { evidenceTypes: EvidenceType[]; routing?: RoutingHints | undefined }, ctx: z.RefinementCtx): void {
  for (const missing of missingHints(b.evidenceTypes, b.routing)) {
    ctx.addIssue({ code: 'custom', message: missing.message, path: ['routing', missing.hint], params: { reason: 'routing', hint: missing.hint } });
  }
}

export const EvidenceRequestBody = z
  .strictObject({
    citizen: z.strictObject({ idNr: IdNr }),
    evidenceTypes: uniqueTypes,
    purpose: Purpose,
    caseReference: z.string().trim().min(1).max(100).regex(/^[\p{L}\p{N} ._\/-]+$/u, 'may hold letters, digits, space and . _ / -'),
    consentId: z.uuid().optional(),
    legalBasis: z.enum(LEGAL_BASES.map((b) => b.code) as [string, ...string[]]).optional(),
    period: z
      .strictObject({ from: Month, to: Month })
      .refine((p) => p.from <= p.to, 'from must not be after to')
      .optional(),
    routing: RoutingHints.optional().meta({
      description: 'Finds the responsible register instance of each type: maternity-benefit needs insurerIk, income ags (residence), birth-certificate birthPlaceAgs; salary none',
    }),
  })
  .refine((b) => !(b.consentId && b.legalBasis), { message: 'name either a consentId or a legalBasis, not both' })
  .superRefine(servesPurpose)
  .superRefine(withinPeriodLimit)
  .superRefine(hasRoutingHints);
export type EvidenceRequestBody = z.infer<typeof EvidenceRequestBody>;

export const EvidenceRequestHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{16,255}$/, 'must be 16 to 255 visible ASCII characters (a UUID is a good choice)')
    .optional(),
  prefer: z.string().max(200).optional(),
});

/** The signed form a paper consent comes from; an authority must send it, a citizen never does. */
export const PaperForm = z
  .strictObject({
    reference: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[^\p{C}\p{Zl}\p{Zp}]+$/u, 'must be printable characters, without line breaks')
      .meta({ description: 'The reference printed on the signed form', example: 'EG-Antrag 2026/0815' }),
    signedOn: z.iso.date().meta({ description: 'The day the citizen signed the form (YYYY-MM-DD): not after today in Germany, at most 365 days before', example: '2026-12-03' }),
  })
  .meta({ description: 'Required when an authority records a consent (given on paper); refused from a citizen' });

export const ConsentBody = z
  .strictObject({
    citizen: z.strictObject({ idNr: IdNr }),
    grantee: z.string().min(1).max(100),
    evidenceTypes: uniqueTypes,
    purpose: Purpose,
    validFrom: z.iso.datetime({ offset: true }).optional(),
    validUntil: z.iso.datetime({ offset: true }),
    paper: PaperForm.optional(),
  })
  // NOTE: compare instants, not the strings: offsets may differ between the two.
  .refine((c) => !c.validFrom || Date.parse(c.validFrom) < Date.parse(c.validUntil), { message: 'validFrom must be before validUntil', path: ['validUntil'] })
  .superRefine(servesPurpose);
export type ConsentBody = z.infer<typeof ConsentBody>;

export const IdParam = z.strictObject({ id: z.uuid() });

export const CheckpointsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional().meta({ description: 'only checkpoints after this sequence number' }),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

const LeafIndex = z.string().regex(/^(0|[1-9]\d{0,9})$/, 'must be a whole number (0-based)').transform(Number).pipe(z.number().int().max(2 ** 31 - 1));
const TreeSize = z.string().regex(/^[1-9]\d{0,9}$/, 'must be a whole number of leaves, at least 1').transform(Number).pipe(z.number().int().max(2 ** 31 - 1));

export const AuditIndexParam = z.strictObject({ index: LeafIndex.meta({ description: '0-based leaf index (entry seq − 1)' }) });

export const InclusionProofQuery = z
  .strictObject({ index: LeafIndex, treeSize: TreeSize })
  .refine((q) => q.index < q.treeSize, { message: 'must be below treeSize', path: ['index'] });

export const ConsistencyProofQuery = z
  .strictObject({ from: TreeSize, to: TreeSize })
  .refine((q) => q.from <= q.to, { message: 'must not be greater than to', path: ['from'] });

const Hex32 = z.string().regex(/^[0-9a-f]{64}$/);
export const AuditLeafView = z.object({ index: z.number().int(), leaf: z.base64(), leafHash: Hex32 });
export const InclusionProofView = z.object({ index: z.number().int(), treeSize: z.number().int(), leafHash: Hex32, hashes: z.array(Hex32) });
export const ConsistencyProofView = z.object({ from: z.number().int(), to: z.number().int(), hashes: z.array(Hex32) });

export const CosignatureBody = z.strictObject({
  treeSize: z.number().int().min(1).max(2 ** 31 - 1).meta({ description: 'the size of the signed tree head the cosignature is for' }),
  cosignature: z.string().max(1024).meta({ description: 'one C2SP tlog-cosignature line: "— <witness name> <base64(key ID ‖ time ‖ signature)>"' }),
});
export const CosignatureView = z.object({ treeSize: z.number().int(), witness: z.string(), stored: z.boolean() });

export const StatisticsQuery = z
  .strictObject({
    from: Month.optional(),
    to: Month.optional(),
    format: z.enum(['json', 'csv']).optional(),
    /** CSV dialect: `excel-de` for German Excel (semicolons, UTF-8 BOM, decimal comma, CRLF); default plain RFC 4180-ish. */
    dialect: z
      .enum(CSV_DIALECTS, { error: (issue) => `unknown dialect ${JSON.stringify(issue.input)}; known: ${CSV_DIALECTS.join(', ')}` })
      .optional()
      .describe('CSV dialect (with format=csv): "excel-de" = semicolon separator, UTF-8 BOM, decimal comma, CRLF'),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['to'] })
  .refine((q) => !q.dialect || q.format !== 'json', { message: 'a dialect applies to format=csv only', path: ['dialect'] });
export const IdNrParam = z.strictObject({ idNr: IdNr });

/** Parses a value with a schema or throws a 400 naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const invalidParams = result.error.issues.map((issue) => ({
    name: [where, ...issue.path.map(String)].join('.'),
    reason: issue.message,
  }));
  throw new ValidationError(`Invalid ${where}: ${invalidParams.map((p) => `${p.name} ${p.reason}`).join('; ')}`, invalidParams);
}

// ---- Responses: what the API answers. Used for the OpenAPI document and checked by the tests. ----

const ItemStatus = z.enum(['delivered', 'not-found', 'unavailable', 'pending']);
const Basis = z.union([
  z.object({ basis: z.literal('consent'), consentId: z.uuid() }),
  z.object({ basis: z.literal('legal-basis'), legalBasis: z.string() }),
]);

export const EvidenceItemView = z.object({
  type: EvidenceType,
  status: ItemStatus,
  data: z
    .union(EVIDENCE_TYPE_LIST.map((t) => t.evidenceSchema) as unknown as readonly [z.ZodType, z.ZodType, ...z.ZodType[]])
    .nullable()
    .meta({ description: 'The evidence, only in the answer that delivered it; the broker keeps no copy' }),
  provenance: z.object({
    register: z.string().nullable().meta({ description: 'The register instance asked (directory id); null when none was responsible' }),
    registerName: z.string().nullable().meta({ description: "The instance's display name" }),
    fetchedAt: z.iso.datetime().nullable(),
  }),
  reason: z.object({ code: z.string(), message: z.string() }).optional().meta({ description: 'Why the item is unavailable' }),
  dataHash: z.string().regex(/^[0-9a-f]{64}$/).optional().meta({ description: 'SHA-256 of the canonical JSON of the delivered data' }),
});

export const EvidenceAnswerView = z.object({
  id: z.uuid(),
  status: z.enum(['in-progress', 'complete', 'partial', 'failed']).meta({ description: 'in-progress only for an accepted async request' }),
  purpose: Purpose,
  caseReference: z.string(),
  period: z.object({ from: Month, to: Month }),
  createdAt: z.iso.datetime(),
  basis: Basis,
  evidence: z.array(EvidenceItemView),
  auditEntryId: z.number().int().positive().nullable(),
});

const TransferLeafIndex = z.number().int().meta({ description: "The entry's leaf in the audit Merkle tree (0-based), for GET /v1/audit/proofs/inclusion" });

/** A transfer made under a consent, as the consent lists it (its entry in GET /v1/citizens/{idNr}/transfers has the rest). */
const ConsentTransferView = z.object({
  auditEntryId: z.number().int(),
  leafIndex: TransferLeafIndex,
  at: z.iso.datetime(),
  requester: z.string(),
  requestId: z.uuid().nullable(),
  outcome: z.enum(['complete', 'partial', 'failed']).nullable().meta({ description: 'null on a later delivery of items an earlier request left pending' }),
});

export const ConsentView = z.object({
  id: z.uuid(),
  citizen: z.object({ idNr: z.string() }),
  grantee: z.string(),
  evidenceTypes: z.array(EvidenceType),
  purpose: Purpose,
  validFrom: z.iso.datetime(),
  validUntil: z.iso.datetime(),
  grantedAt: z.iso.datetime(),
  grantedBy: z.string().meta({
    description: "Who recorded it: 'citizen' (granted in the cockpit or through the API), the participant id of the authority that recorded it (with its token or by one of its clerks), or 'operator:<name>' for an import of paper consents",
  }),
  state: z.enum(['active', 'revoked', 'expired', 'not-yet-valid']),
  revokedAt: z.iso.datetime().nullable(),
  paper: z
    .object({
      reference: z.string(),
      signedOn: z.iso.date(),
      recordedByClerk: z.string().nullable().meta({ description: 'The clerk account that recorded it on the pages; null when the authority recorded it through the API' }),
    })
    .nullable()
    .meta({ description: 'For a consent given on paper and recorded by the authority; null when the citizen granted it' }),
  transfers: z.array(ConsentTransferView).meta({ description: 'The transfers made under this consent, newest first (while their audit details are kept)' }),
});
export type ConsentView = z.infer<typeof ConsentView>;

export const ConsentListView = z.object({ consents: z.array(ConsentView) });

/** A transfer whose audit details are there. */
const KeptTransferView = z.looseObject({
  auditEntryId: z.number().int(),
  leafIndex: TransferLeafIndex,
  at: z.iso.datetime(),
  kind: z.literal('transfer'),
  requester: z.string(),
  requestId: z.uuid().nullable(),
  purpose: Purpose.optional(),
  caseReference: z.string().optional(),
  basis: Basis.optional().meta({ description: 'What allowed it: the consent (its id, GET /v1/consents/{id} lists this transfer) or the legal basis' }),
  outcome: z.enum(['complete', 'partial', 'failed']).optional(),
  items: z
    .array(
      z.object({
        type: EvidenceType,
        register: z.string().nullable(),
        registerName: z.string().nullable().optional(),
        status: ItemStatus,
        dataHash: z.string().optional(),
        reason: z.string().optional(),
      }),
    )
    .optional(),
});

/** A request about the citizen refused before any register was asked: nothing was transferred. */
const RefusedAttemptView = z.object({
  auditEntryId: z.number().int(),
  leafIndex: TransferLeafIndex,
  at: z.iso.datetime(),
  kind: z.literal('refusal'),
  requester: z.string().meta({ description: 'The authority that asked' }),
  transferred: z.literal(false).meta({ description: 'Nothing was transferred' }),
  reason: z.object({
    code: z.string().meta({ description: 'Why it was refused (the problem\'s `refusal`, or the directory\'s evidence-type-not-allowed, purpose-not-allowed, legal-basis-not-allowed)' }),
    text: z.string().nullable().meta({ description: 'The reason in words (English); null for a code the broker no longer knows' }),
  }),
  purpose: Purpose.optional(),
  caseReference: z.string().optional(),
  evidenceTypes: z.array(EvidenceType).meta({ description: 'What the authority asked for' }),
  legalBasis: z.string().optional().meta({ description: 'The legal basis the authority named' }),
  consentId: z.uuid().nullable().meta({ description: "The citizen's consent the refusal is about (revoked, expired…); null otherwise" }),
});

/** An entry of the citizen's whose audit details are missing: listed, never left out (before retentionEndsAt: tampering). */
const MissingTransferView = z.object({
  auditEntryId: z.number().int(),
  leafIndex: TransferLeafIndex,
  at: z.iso.datetime(),
  kind: z.enum(['transfer', 'refusal']).meta({ description: 'What the entry was, from the audit chain' }),
  detailsMissing: z.literal(true).meta({ description: "The entry's detail row (who asked, purpose, items) is not in the database" }),
  retentionEndsAt: z.iso.datetime().meta({ description: "When the details may lawfully be deleted, from the entry's own time; missing before that means tampering" }),
});

export const TransferListView = z.object({ transfers: z.array(z.union([KeptTransferView, RefusedAttemptView, MissingTransferView])) });

export const RegisterListView = z.object({
  registers: z.array(
    z.object({
      id: z.string(),
      evidenceType: EvidenceType,
      name: z.string(),
      endpointUrl: z.string(),
      jurisdiction: z.object({
        kind: z.enum(['national', 'insurer', 'land', 'ags']),
        values: z.array(z.string()).meta({ description: 'IKs, 2-digit Land keys or 8-digit AGS; empty for a national register' }),
      }),
      purposes: z.array(Purpose),
      participants: z.array(z.string()).nullable().meta({ description: 'The participants it answers; null: every participant' }),
      enabled: z.boolean(),
      mutualTls: z.boolean(),
      certificates: z.array(
        z.object({
          fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
          notBefore: z.iso.datetime(),
          notAfter: z.iso.datetime(),
          status: z.enum(['valid', 'retired', 'expired', 'not-yet-valid']).meta({ description: 'Answers are accepted when signed with the key of any valid one' }),
          profile: z.enum(['rsa-pss-sha256', 'ecdsa-p256-sha256']),
        }),
      ),
    }),
  ),
});

export const MeView = z.union([
  z.object({
    kind: z.literal('participant'),
    participantId: z.string(),
    name: z.string(),
    region: z.string(),
    may: z.object({ evidenceTypes: z.array(EvidenceType), purposes: z.array(Purpose), legalBases: z.array(z.string()) }),
  }),
  z.object({ kind: z.literal('citizen'), citizen: z.object({ idNr: z.string() }) }),
  z.object({ kind: z.literal('operator'), name: z.string() }),
]);

export const VerifyView = z.union([
  z.object({
    ok: z.literal(true),
    entries: z.number().int(),
    headHash: z.string(),
    detailsChecked: z.number().int(),
    signedHeadsChecked: z.number().int().meta({ description: 'Signed tree heads whose root the rebuilt Merkle tree matched' }),
  }),
  z.object({
    ok: z.literal(false),
    entries: z.number().int(),
    brokenAt: z.number().int(),
    reason: z
      .string()
      .meta({ description: 'sequence-gap, previous-hash-mismatch, entry-hash-mismatch, detail-commitment-mismatch, detail-missing (deleted before its retention), signed-head-mismatch (brokenAt: that head\'s size), kept-leaf-mismatch (the entry differs from the leaf kept beside the signing key when it was signed), head-mismatch' }),
  }),
]);

export const CheckpointView = z.object({
  seq: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.iso.datetime(),
  signature: z.string().meta({ description: 'Ed25519 over "evidence-broker-checkpoint:v1\\n{seq}\\n{hash}\\n{createdAt}", base64' }),
  keyId: z.string(),
  publicKey: z.string(),
});

export const CheckpointListView = z.object({ algorithm: z.literal('Ed25519'), keyId: z.string(), publicKey: z.string(), checkpoints: z.array(CheckpointView) });

export const HealthView = z.object({ status: z.string(), database: z.string().optional() });

export const StatisticsView = z.object({
  from: Month,
  to: Month,
  suppressionThreshold: z.number().int(),
  rows: z.array(
    z.object({
      month: Month,
      region: z.string(),
      evidenceType: EvidenceType,
      register: z.string().meta({ description: 'The register instance that delivered (directory id)' }),
      transactions: z.number().int().nullable(),
      suppressed: z.boolean(),
    }),
  ),
});

export const ProblemView = z.object({
  type: z.url(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string().meta({ description: 'Stable error code; the last path segment of `type`' }),
  instance: z.string().optional(),
  invalidParams: z.array(z.object({ name: z.string(), reason: z.string() })).optional(),
  refusal: z.string().optional(),
});
