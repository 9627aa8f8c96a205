// The API's request and response shapes: zod validates every input at the edge with these, and the
// same schemas describe the API (OpenAPI) later. Handlers only ever see the parsed, typed values.
import { z } from 'zod';
import { EVIDENCE_TYPES, PURPOSES } from './domain/codes.ts';
import { idNrProblem, idNrProblemMessages } from './domain/idnr.ts';
import { LEGAL_BASES } from '../consent/legal-bases.ts';
import { ValidationError } from './errors.ts';

export const IdNr = z.string().superRefine((value, ctx) => {
  const problem = idNrProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `IdNr ${idNrProblemMessages[problem]}` });
});

const EvidenceType = z.enum(EVIDENCE_TYPES);
const Purpose = z.enum(PURPOSES);
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM');
const uniqueTypes = z
  .array(EvidenceType)
  .min(1)
  .max(EVIDENCE_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'must not repeat an evidence type');

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
  })
  .refine((b) => !(b.consentId && b.legalBasis), { message: 'name either a consentId or a legalBasis, not both' });
export type EvidenceRequestBody = z.infer<typeof EvidenceRequestBody>;

export const ConsentBody = z
  .strictObject({
    citizen: z.strictObject({ idNr: IdNr }),
    grantee: z.string().min(1).max(100),
    evidenceTypes: uniqueTypes,
    purpose: Purpose,
    validFrom: z.iso.datetime({ offset: true }).optional(),
    validUntil: z.iso.datetime({ offset: true }),
  })
  .refine((c) => !c.validFrom || c.validFrom < c.validUntil, { message: 'validFrom must be before validUntil', path: ['validUntil'] });
export type ConsentBody = z.infer<typeof ConsentBody>;

export const IdParam = z.strictObject({ id: z.uuid() });
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
