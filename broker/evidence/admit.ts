// Third step: load shedding before anything is looked up or recorded. A register that cannot take another
// call would only give a `*_BUSY` item, so the request waits for room (bounded, without using the CPU);
// past that the caller gets 503 with Retry-After and sends the whole request again.
import { OverloadError } from '../domain/errors.ts';
import type { BrokerMetrics } from '../ops/metrics.ts';
import { AdmissionRefusedError, type Admission, type AdmissionGate } from './admission.ts';

/** Retry-After of a request refused because a register it needs is full (its calls are short). */
const REGISTERS_BUSY_RETRY_AFTER_SECONDS = 1;

/** Takes a slot at every register instance the request needs, or refuses it with 503. */
export function admit(gate: AdmissionGate, metrics: Pick<BrokerMetrics, 'refusals'>, registers: readonly string[], signal?: AbortSignal): Promise<Admission> {
  return gate.acquire(registers, signal).catch((err: unknown) => {
    if (!(err instanceof AdmissionRefusedError)) throw err;
    if (err.reason !== 'abandoned') metrics.refusals.inc({ reason: 'registers-busy' });
    throw new OverloadError(503, `Register ${err.busy.join(', ')} has too many calls in flight; retry shortly`, REGISTERS_BUSY_RETRY_AFTER_SECONDS);
  });
}
