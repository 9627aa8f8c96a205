// Worker threads for the private-key operation, most of an RSA signature's cost: off the event loop, one
// request's register queries no longer hold up every other request. Canonicalization stays on the main
// thread, so a task is only the SignedInfo bytes, a KeyObject (KeyObjects cross threads) and the profile.
import { Piscina } from 'piscina';
import { signInProfile } from './signature-profile.ts';
import type { SignatureOperation } from './signing.ts';

/** A started pool of signing threads (or the calling thread, with 0), closed at shutdown. */
export interface SignaturePool extends SignatureOperation {
  readonly threads: number;
  close(): Promise<void>;
}

/**
 * A pool of `threads` workers, started at once (the first requests must not pay for thread start-up).
 * `threads` 0 signs on the calling thread (SIGNING_THREADS=0: one core, or to compare).
 */
export function createSignaturePool(threads: number): SignaturePool {
  if (threads === 0) {
    return { threads, sign: async (data, key, profile) => signInProfile(profile, data, key), close: async () => {} };
  }
  const pool = new Piscina({
    filename: new URL('./signature-worker.mjs', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
    execArgv: [], // the worker is plain JavaScript: no TypeScript loader in it
  });
  return {
    threads,
    sign: (data, key, profile) => pool.run({ data, key, profile }) as Promise<Uint8Array>,
    close: () => pool.destroy(),
  };
}
