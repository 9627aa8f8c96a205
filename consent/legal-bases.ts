// Legal bases under which an authority may fetch evidence without consent, gathered from the descriptors.
// NOTE: this is the sandbox's demo policy; an operator replaces it with the bases its authorities rely on.
// Each entry allows exactly its purposes and evidence types (a basis named by several types covers each).
import type { Purpose } from '../broker/domain/codes.ts';
import { EVIDENCE_TYPE_LIST, type EvidenceType } from '../adapters/index.ts';

/** A legal basis the policy accepts instead of consent. */
export interface LegalBasis {
  code: string;
  citation: string;
  purposes: readonly Purpose[];
  evidenceTypes: readonly EvidenceType[];
}

function gather(): LegalBasis[] {
  const byCode = new Map<string, { code: string; citation: string; purposes: readonly Purpose[]; evidenceTypes: EvidenceType[] }>();
  for (const type of EVIDENCE_TYPE_LIST) {
    for (const grant of type.legalBases) {
      const known = byCode.get(grant.code);
      if (known === undefined) byCode.set(grant.code, { ...grant, evidenceTypes: [type.code] });
      else if (known.citation !== grant.citation || known.purposes.join() !== grant.purposes.join()) {
        throw new Error(`legal basis ${grant.code} is described differently by ${type.code}`);
      } else known.evidenceTypes.push(type.code);
    }
  }
  return [...byCode.values()];
}

export const LEGAL_BASES: readonly LegalBasis[] = gather();

export function findLegalBasis(code: string): LegalBasis | undefined {
  return LEGAL_BASES.find((b) => b.code === code);
}
