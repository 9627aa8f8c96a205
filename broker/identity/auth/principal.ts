// Who is calling: an authority's system (participant), a citizen (cockpit) or an operator (statistics,
// audit). Routes decide on this type.
import type { Purpose } from '../../domain/codes.ts';
import type { EvidenceType } from '../../../adapters/index.ts';

/** A participant as the directory knows it, with what it may request. */
export interface Participant {
  id: string;
  name: string;
  kind: 'authority';
  /** ISO 3166-2 code of the authority's Land, e.g. DE-NW (for the anonymized statistics). */
  region: string;
  evidenceTypes: EvidenceType[];
  purposes: Purpose[];
  /** Codes of the legal bases (consent/legal-bases.ts) it may rely on instead of consent. */
  legalBases: string[];
}

/** The authenticated caller of a request. */
export type Principal =
  | { kind: 'participant'; participant: Participant }
  | { kind: 'citizen'; idNr: string }
  | { kind: 'operator'; name: string };

/** The id written to the audit log for a principal (never the citizen's IdNr in clear). */
export function actorId(p: Principal): string {
  switch (p.kind) {
    case 'participant':
      return p.participant.id;
    case 'citizen':
      return 'citizen';
    case 'operator':
      return `operator:${p.name}`;
  }
}
