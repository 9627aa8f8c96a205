// Code lists shared by the API, the consent policy and the register messages (the evidence types are
// the adapters' list, adapters/index.ts).
// Each list carries an XÖV-style listURI and version so XML messages can cite it.

/** Administrative procedures an evidence request may serve. */
export const PURPOSES = ['elterngeld', 'wohngeld', 'buergergeld', 'kinderzuschlag'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const CODE_LISTS = {
  evidenceType: { listURI: 'urn:de:evidence-broker:codeliste:nachweisart', listVersionID: '1.0' },
  purpose: { listURI: 'urn:de:evidence-broker:codeliste:zweck', listVersionID: '1.0' },
} as const;
