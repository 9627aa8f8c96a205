// Resilience per register instance (cockatiel): a bulkhead, a breaker that fails fast while a register is down, and
// jittered retries only when the register never answered (unreachable, 5xx): a timeout or a bad answer would
// not change on retry. All attempts share the one per-register time budget (the caller's signal).
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
} from 'cockatiel';
import { reasonPrefix, RegisterError } from '../../adapters/contract.ts';
import type { EvidenceType } from '../../adapters/index.ts';
import type { Gauge } from 'prom-client';

/** Settings shared by every register's policy. */
export interface RegisterPolicySettings {
  maxInFlight: number;
  queue: number;
  /** Consecutive failures that open the circuit. */
  breakerThreshold: number;
  /** How long an open circuit waits before letting one probe through. */
  halfOpenAfterMs: number;
  /** Attempts including the first. */
  maxAttempts: number;
}

export const DEFAULT_POLICY_SETTINGS: RegisterPolicySettings = { maxInFlight: 64, queue: 64, breakerThreshold: 5, halfOpenAfterMs: 10_000, maxAttempts: 3 };

const retryable = (err: Error) => err instanceof RegisterError && (err.kind === 'UNREACHABLE' || err.kind === 'UPSTREAM_ERROR');
// The circuit counts what says the register is unwell; a lying or malformed answer is the register's fault too.
const breakerFailure = (err: Error) => err instanceof RegisterError;

const STATE_VALUE: Record<CircuitState, number> = { [CircuitState.Closed]: 0, [CircuitState.Open]: 1, [CircuitState.HalfOpen]: 2, [CircuitState.Isolated]: 3 };

function buildPolicy(register: string, settings: RegisterPolicySettings, circuitGauge: Gauge<'register'>) {
  const breaker = circuitBreaker(handleWhen(breakerFailure), {
    halfOpenAfter: settings.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(settings.breakerThreshold),
  });
  circuitGauge.set({ register }, 0);
  breaker.onStateChange((state) => circuitGauge.set({ register }, STATE_VALUE[state]));
  const retries = retry(handleWhen(retryable), {
    maxAttempts: settings.maxAttempts - 1,
    backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }),
  });
  // Outermost first: retry around the breaker (each attempt counts), the bulkhead innermost.
  return wrap(retries, breaker, bulkhead(settings.maxInFlight, settings.queue));
}

/** One register instance's policy: run a call under it with the call's time budget as the signal. */
export type RegisterPolicy = ReturnType<typeof buildPolicy>;

/** Each instance's policy, made at its first call: breakers, bulkheads and the circuit metric are per instance. */
export class RegisterPolicies {
  private readonly made = new Map<string, RegisterPolicy>();

  constructor(
    private readonly settings: RegisterPolicySettings,
    private readonly circuitGauge: Gauge<'register'>,
  ) {}

  of(register: string): RegisterPolicy {
    let policy = this.made.get(register);
    if (policy === undefined) {
      policy = buildPolicy(register, this.settings, this.circuitGauge);
      this.made.set(register, policy);
    }
    return policy;
  }
}

export function createRegisterPolicies(settings: RegisterPolicySettings, circuitGauge: Gauge<'register'>): RegisterPolicies {
  return new RegisterPolicies(settings, circuitGauge);
}

/** Policy refusals as stable per-item reasons. */
export function policyRefusal(type: EvidenceType, err: unknown): { code: string; message: string } | null {
  const prefix = reasonPrefix(type);
  if (err instanceof BrokenCircuitError) return { code: `${prefix}_CIRCUIT_OPEN`, message: 'the register failed repeatedly; the broker is not calling it for a while' };
  if (err instanceof BulkheadRejectedError) return { code: `${prefix}_BUSY`, message: 'too many calls to this register are in flight' };
  return null;
}
