// Distinct, valid, deterministic IdNrs for the benchmarks (the same seed gives the same citizens in every
// process). A citizen a simulator does not know still gets a final answer (not found), so it counts as complete.
import { isValidIdNr, withCheckDigit } from '../broker/domain/idnr.ts';
/** A small seeded PRNG (mulberry32): the same seed gives the same citizens in every process. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` distinct valid IdNrs. Built, not searched: a shuffled permutation of the ten digits with one
 * digit overwritten by another gives exactly one digit twice, which the IdNr rules require.
 */
export function benchCitizens(count: number, seed = 9): string[] {
  const random = prng(seed);
  const out = new Set<string>();
  const digits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  let attempts = 0;
  while (out.size < count) {
    if (++attempts > count * 20 + 1000) throw new Error(`could not make ${count} distinct IdNrs`);
    const d = [...digits];
    for (let i = d.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [d[i], d[j]] = [d[j]!, d[i]!];
    }
    const from = Math.floor(random() * 10);
    let to = Math.floor(random() * 9);
    if (to >= from) to += 1;
    d[to] = d[from]!;
    if (d[0] === '0') continue;
    const idNr = withCheckDigit(d.join(''));
    if (!isValidIdNr(idNr)) continue;
    out.add(idNr);
  }
  return [...out];
}
