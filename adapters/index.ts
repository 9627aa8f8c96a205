// The evidence types the broker knows, as one literal list: adding a type is a folder next to this file and
// one line here; nothing is loaded dynamically. Everything about the types elsewhere is derived from this list.
import type { z } from 'zod';
import { birthCertificate } from './birth-certificate/descriptor.ts';
import type { RegisterAdapter } from './contract.ts';
import type { EvidenceTypeDescriptor } from './evidence-type.ts';
import { income } from './income/descriptor.ts';
import { maternityBenefit } from './maternity-benefit/descriptor.ts';
import type { RegisterAdapterConfig } from './register-exchange.ts';
import { salary } from './salary/descriptor.ts';

/** Every evidence type, in the order lists, ports and enums follow. */
export const EVIDENCE_TYPE_LIST = [salary, maternityBenefit, income, birthCertificate] as const;

type Descriptor = (typeof EVIDENCE_TYPE_LIST)[number];
/** An evidence type's code ('salary', …). */
export type EvidenceType = Descriptor['code'];

/** The codes of the evidence types the broker can fetch; one register answers each. */
export const EVIDENCE_TYPES = EVIDENCE_TYPE_LIST.map((t) => t.code) as unknown as readonly [EvidenceType, ...EvidenceType[]];

/** Each type's normalized evidence. */
export type EvidenceDataByType = { [D in Descriptor as D['code']]: z.infer<D['evidenceSchema']> };

const BY_CODE = new Map<string, EvidenceTypeDescriptor>(EVIDENCE_TYPE_LIST.map((t) => [t.code, t as EvidenceTypeDescriptor]));

/** The descriptor of a type. */
export function evidenceTypeOf<T extends EvidenceType>(type: T): EvidenceTypeDescriptor<T, EvidenceDataByType[T]> {
  return BY_CODE.get(type) as EvidenceTypeDescriptor<T, EvidenceDataByType[T]>;
}

/** A record with one value per evidence type, made once. */
export function perEvidenceType<V>(make: (t: EvidenceTypeDescriptor<EvidenceType>) => V): Record<EvidenceType, V> {
  return Object.fromEntries(EVIDENCE_TYPE_LIST.map((t) => [t.code, make(t as EvidenceTypeDescriptor<EvidenceType>)])) as Record<EvidenceType, V>;
}

/** Each type's evidence schema. */
export const evidenceSchemas = perEvidenceType((t) => t.evidenceSchema) as { [T in EvidenceType]: z.ZodType<EvidenceDataByType[T]> };

/** The adapter of one register instance: its type's message family and mapping, the instance's address and keys. */
export function createAdapter<T extends EvidenceType>(type: T, cfg: RegisterAdapterConfig): RegisterAdapter<T, EvidenceDataByType[T]> {
  return evidenceTypeOf(type).createAdapter(cfg);
}
