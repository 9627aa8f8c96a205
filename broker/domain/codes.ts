// Code lists shared by the API, the consent policy and the register messages.
// Each list carries an XÖV-style listURI and version so XML messages can cite it.

/** The evidence types the broker can fetch; one register answers each. */
export const EVIDENCE_TYPES = ['salary', 'maternity-benefit', 'income'] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

/** Administrative procedures an evidence request may serve. */
export const PURPOSES = ['elterngeld', 'wohngeld', 'buergergeld', 'kinderzuschlag'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const CODE_LISTS = {
  evidenceType: { listURI: 'urn:de:evidence-broker:codeliste:nachweisart', listVersionID: '1.0' },
  purpose: { listURI: 'urn:de:evidence-broker:codeliste:zweck', listVersionID: '1.0' },
} as const;
