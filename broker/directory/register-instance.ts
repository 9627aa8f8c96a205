// A register instance as the directory holds it, and the rules for defining one: jurisdiction values of the
// kind its evidence type routes by, purposes it may serve, an endpoint the broker may call. Pure: no I/O.
import { z } from 'zod';
import { EVIDENCE_TYPES, evidenceTypeOf, type EvidenceType } from '../../adapters/index.ts';
import type { JurisdictionKind } from '../../adapters/evidence-type.ts';
import { PURPOSES, type Purpose } from '../domain/codes.ts';

/** How each jurisdiction kind's values look: an insurer's 9-digit IK, a 2-digit Land key, an 8-digit AGS. */
export const JURISDICTION_VALUE: Readonly<Record<JurisdictionKind, { pattern: RegExp; describe: string }>> = {
  national: { pattern: /^$/, describe: 'no values (one instance for the whole country)' },
  insurer: { pattern: /^\d{9}$/, describe: "9-digit Institutionskennzeichen (IK) of a health insurer" },
  land: { pattern: /^(0[1-9]|1[0-6])$/, describe: '2-digit Land key (01 … 16, the first two digits of an AGS)' },
  ags: { pattern: /^(0[1-9]|1[0-6])\d{6}$/, describe: '8-digit Amtlicher Gemeindeschlüssel (AGS)' },
};

/** The jurisdiction row a national instance holds, so that a second national instance of a type is refused. */
export const NATIONAL_KEY = 'national';

/** A pinned certificate of an instance, with what decides whether answers signed with its key are accepted. */
export interface PinnedCertificate {
  fingerprint: string;
  pem: string;
  notBefore: Date;
  notAfter: Date;
  retiredAt: Date | null;
}

/** Whether answers signed with a pinned certificate's key are accepted at `now`. */
export type CertificateStatus = 'valid' | 'retired' | 'expired' | 'not-yet-valid';

export function certificateStatus(cert: PinnedCertificate, now: Date): CertificateStatus {
  if (cert.retiredAt !== null && cert.retiredAt <= now) return 'retired';
  if (cert.notAfter <= now) return 'expired';
  if (cert.notBefore > now) return 'not-yet-valid';
  return 'valid';
}

/** One register instance, as loaded from the directory. */
export interface RegisterInstance {
  id: string;
  evidenceType: EvidenceType;
  name: string;
  endpointUrl: string;
  jurisdiction: { kind: JurisdictionKind; values: string[] };
  purposes: Purpose[];
  /** The participants it answers; null: every participant. */
  participants: string[] | null;
  enabled: boolean;
  mutualTls: boolean;
  certificates: PinnedCertificate[];
}

/** The jurisdiction keys an instance holds in the directory (unique per evidence type). */
export function jurisdictionKeys(instance: Pick<RegisterInstance, 'jurisdiction'>): string[] {
  return instance.jurisdiction.kind === 'national' ? [NATIONAL_KEY] : [...instance.jurisdiction.values];
}

const INSTANCE_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/**
 * What an operator writes to add an instance (CLI `registers add`, a directory file): checked against the
 * rules of its evidence type. `production` refuses plain-HTTP endpoints.
 */
export function instanceDefinition(opts: { production: boolean }) {
  return z
    .strictObject({
      id: z.string().regex(INSTANCE_ID, 'must be 1-64 lower-case letters, digits and inner hyphens (e.g. gkv-aok-bayern)'),
      evidenceType: z.enum(EVIDENCE_TYPES),
      name: z.string().trim().min(1).max(200),
      endpointUrl: z
        .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
        .max(2000)
        .refine((u) => !opts.production || u.startsWith('https://'), 'must be an https:// URL in production mode (registers are called over TLS only)')
        .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'must not carry a user name or password'),
      jurisdiction: z.strictObject({ kind: z.enum(['national', 'insurer', 'land', 'ags']), values: z.array(z.string()).max(20_000).default([]) }),
      purposes: z.array(z.enum(PURPOSES)).min(1).refine((p) => new Set(p).size === p.length, 'must not repeat a purpose'),
      participants: z.array(z.string().min(1).max(100)).min(1).nullable().default(null),
      enabled: z.boolean().default(true),
      mutualTls: z.boolean().default(false),
    })
    .superRefine((d, ctx) => {
      const rule = evidenceTypeOf(d.evidenceType).routing;
      if (d.jurisdiction.kind !== rule.kind) {
        ctx.addIssue({ code: 'custom', path: ['jurisdiction', 'kind'], message: `must be ${rule.kind}: ${d.evidenceType} registers are found by that` });
        return;
      }
      const format = JURISDICTION_VALUE[rule.kind];
      if (rule.kind === 'national' && d.jurisdiction.values.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['jurisdiction', 'values'], message: 'must be empty for a national register' });
      }
      if (rule.kind !== 'national' && d.jurisdiction.values.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['jurisdiction', 'values'], message: `must name at least one ${format.describe}` });
      }
      const bad = d.jurisdiction.values.findIndex((v) => !format.pattern.test(v));
      if (bad !== -1) ctx.addIssue({ code: 'custom', path: ['jurisdiction', 'values', bad], message: `must be a ${format.describe}` });
      if (new Set(d.jurisdiction.values).size !== d.jurisdiction.values.length) {
        ctx.addIssue({ code: 'custom', path: ['jurisdiction', 'values'], message: 'must not repeat a value' });
      }
      const allowed = new Set<string>(evidenceTypeOf(d.evidenceType).purposes);
      const unserved = d.purposes.filter((p) => !allowed.has(p));
      if (unserved.length > 0) ctx.addIssue({ code: 'custom', path: ['purposes'], message: `${d.evidenceType} may not be asked for ${unserved.join(', ')}` });
    });
}
/** A checked instance definition (certificates are added beside it). */
export type InstanceDefinition = z.infer<ReturnType<typeof instanceDefinition>>;
