// The level of assurance a provider vouched with (the id_token's `acr`), against the levels this broker
// accepts. BundID reports eIDAS levels; whatever the provider's names, only the configured ones pass.

/** The eIDAS level an accepted `acr` stands for, or null when it is not accepted (or absent). */
export function acceptedAssurance(acr: unknown, accepted: readonly string[]): 'substantial' | 'high' | null {
  if (typeof acr !== 'string' || !accepted.includes(acr)) return null;
  // NOTE: names differ between providers (URIs, "STORK-QAA-Level-4", "high"); "high" anywhere in the name is high.
  return /high|level-4/i.test(acr) ? 'high' : 'substantial';
}
