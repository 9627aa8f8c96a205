// The signed paper form an authority names when it records a consent (POST /v1/consents `paper`): every test
// that records one with an authority's token sends it.

/** The UTC day `days` before now, YYYY-MM-DD: never after today in Germany, which is ahead of UTC. */
export function daysAgo(days: number, now = Date.now()): string {
  return new Date(now - days * 86_400_000).toISOString().slice(0, 10);
}

/** A form signed yesterday. */
export const PAPER_FORM = { reference: 'EG-Antrag 2026/0815', signedOn: daysAgo(1) } as const;
