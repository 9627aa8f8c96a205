// Fourth step: every register at once, each under its policy and time budget. One failure never sinks the
// others: it becomes that item's status.
import type { Logger } from 'pino';
import type { RegisterAdapter, RegisterOutcome, RegisterRequest } from '../../adapters/contract.ts';
import { dataHash } from '../audit/chain.ts';
import type { EvidenceType } from '../../adapters/index.ts';
import type { BrokerMetrics } from '../ops/metrics.ts';
import type { FetchedItem } from './evidence-answer.ts';
import type { EvidenceRequestRecord } from './evidence-request-store.ts';
import { reasonOf } from './outcome.ts';
import { policyRefusal, type RegisterPolicies } from './register-policy.ts';

export type AdapterSet = { [T in EvidenceType]: RegisterAdapter<T> };

export interface FanOutDeps {
  adapters: AdapterSet;
  policies: RegisterPolicies;
  registerTimeoutMs: number;
  log: Logger;
  metrics: Pick<BrokerMetrics, 'registerDuration' | 'registerFailures'>;
}

/** One call to a register: a first fetch or a poll of a pending item. */
export type RegisterCall = (adapter: RegisterAdapter, signal: AbortSignal) => Promise<RegisterOutcome>;

export class RegisterFanOut {
  constructor(private readonly deps: FanOutDeps) {}

  /** The register that answers for a type. */
  registerOf(type: EvidenceType): string {
    return this.deps.adapters[type].register;
  }

  /** Calls the register of each type; `callEnded` hears of each call's end (retries included). */
  async fetch(types: readonly EvidenceType[], call: RegisterCall, callEnded?: (type: EvidenceType) => void): Promise<FetchedItem[]> {
    const settled = await Promise.allSettled(types.map((type) => this.callOne(type, call).finally(() => callEnded?.(type))));
    return settled.map((s, i) => (s.status === 'fulfilled' ? this.itemOf(types[i]!, s.value) : this.failedItem(types[i]!, s.reason)));
  }

  private async callOne(type: EvidenceType, call: RegisterCall): Promise<RegisterOutcome> {
    const adapter = this.deps.adapters[type] as RegisterAdapter;
    const stop = this.deps.metrics.registerDuration.startTimer({ register: adapter.register });
    try {
      const budget = AbortSignal.timeout(this.deps.registerTimeoutMs);
      const outcome = await this.deps.policies[type].execute(({ signal }) => call(adapter, signal), budget);
      stop({ outcome: outcome.status });
      return outcome;
    } catch (err) {
      stop({ outcome: 'unavailable' });
      throw err;
    }
  }

  private itemOf(type: EvidenceType, o: RegisterOutcome): FetchedItem {
    const provenance = { register: this.registerOf(type), fetchedAt: o.fetchedAt.toISOString() };
    switch (o.status) {
      case 'delivered':
        return { type, status: 'delivered', data: o.data, provenance, dataHash: dataHash(o.data), pendingTicket: null };
      case 'not-found':
        return { type, status: 'not-found', data: null, provenance, pendingTicket: null };
      case 'pending':
        return { type, status: 'pending', data: null, provenance, pendingTicket: o.ticket };
    }
  }

  private failedItem(type: EvidenceType, err: unknown): FetchedItem {
    const register = this.registerOf(type);
    const reason = policyRefusal(type, err) ?? reasonOf(type, err);
    this.deps.metrics.registerFailures.inc({ register, code: reason.code });
    if (reason.code.endsWith('_INTERNAL')) this.deps.log.error({ err, evidenceType: type }, 'register call failed unexpectedly');
    else this.deps.log.warn({ code: reason.code, evidenceType: type }, 'register unavailable');
    return { type, status: 'unavailable', data: null, provenance: { register, fetchedAt: null }, reason, pendingTicket: null };
  }
}

/** What a register is asked, from the recorded request. */
export function registerRequestOf(request: EvidenceRequestRecord): RegisterRequest {
  return {
    requestId: request.id,
    idNr: request.citizenIdNr,
    purpose: request.purpose,
    requester: request.participantId,
    period: { from: request.periodFrom, to: request.periodTo },
  };
}
