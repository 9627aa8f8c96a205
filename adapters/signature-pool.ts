// A pool of worker threads for the private-key operation of register-message signatures. RSA-3072 signing
// costs ~1.5 ms of CPU per message and the broker signs one query per register call; on the event loop the
// three queries of a request are signed one after another and every other request waits behind them. The pool
// (piscina) runs them on the other cores while the event loop goes on; canonicalization and digests, which are
// cheap, stay on the main thread (./signing.ts signEnvelopeWith), so a task is only the ~500 canonical bytes of
// SignedInfo and the parsed key (KeyObjects cross threads by postMessage).
import { Piscina } from 'piscina';
import { rsaPssSign, type SignatureOperation } from './signing.ts';

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
    return { threads, sign: async (data, key) => rsaPssSign(data, key), close: async () => {} };
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
    sign: (data, key) => pool.run({ data, key }) as Promise<Uint8Array>,
    close: () => pool.destroy(),
  };
}
