// Legal bases under which an authority may fetch evidence without the citizen's consent.
// NOTE: this is the demo policy of the sandbox; an operator replaces it with the bases its authorities
// actually rely on. Each entry allows exactly the listed purposes and evidence types, nothing more.
import type { EvidenceType, Purpose } from '../broker/domain/codes.ts';

/** A legal basis the policy accepts instead of consent. */
export interface LegalBasis {
  code: string;
  citation: string;
  purposes: readonly Purpose[];
  evidenceTypes: readonly EvidenceType[];
}

export const LEGAL_BASES: readonly LegalBasis[] = [
  { code: 'beeg-9', citation: '§ 9 BEEG (Einkommensnachweis für das Elterngeld)', purposes: ['elterngeld'], evidenceTypes: ['salary'] },
  { code: 'wogg-23', citation: '§ 23 WoGG (Auskunftspflicht beim Wohngeld)', purposes: ['wohngeld'], evidenceTypes: ['salary', 'income'] },
  { code: 'sgb2-57', citation: '§ 57 SGB II (Auskunftspflicht von Arbeitgebern)', purposes: ['buergergeld'], evidenceTypes: ['salary'] },
];

export function findLegalBasis(code: string): LegalBasis | undefined {
  return LEGAL_BASES.find((b) => b.code === code);
}
