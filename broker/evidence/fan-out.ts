// Fourth step: every routed register instance at once, each under its policy and time budget. One failure
// never sinks the others: it becomes that item's status. An item routing refused is not fetched at all.
import type { Logger } from 'pino';
import type { RegisterAdapter, RegisterOutcome, RegisterRequest } from '../../adapters/contract.ts';
import { dataHash } from '../audit/chain.ts';
import type { RegisterClients } from '../directory/register-clients.ts';
import type { RegisterInstance } from '../directory/register-instance.ts';
import { ROUTE_REFUSAL_MESSAGES, type Route } from '../directory/routing.ts';
import type { BrokerMetrics } from '../ops/metrics.ts';
import type { FetchedItem, Provenance } from './evidence-answer.ts';
import type { EvidenceRequestRecord } from './evidence-request-store.ts';
import { reasonOf } from './outcome.ts';
import { policyRefusal, type RegisterPolicies } from './register-policy.ts';

export interface FanOutDeps {
  /** Each instance's adapter. */
  clients: Pick<RegisterClients, 'adapterFor'>;
  policies: RegisterPolicies;
  registerTimeoutMs: number;
  log: Logger;
  metrics: Pick<BrokerMetrics, 'registerDuration' | 'registerFailures'>;
}

/** One call to a register: a first fetch or a poll of a pending item. */
export type RegisterCall = (adapter: RegisterAdapter, signal: AbortSignal) => Promise<RegisterOutcome>;

/** Who answered (or would have answered) an item: the instance's id and display name, or none. */
export function provenanceOf(instance: RegisterInstance | null, fetchedAt: Date | null): Provenance {
  return { register: instance?.id ?? null, registerName: instance?.name ?? null, fetchedAt: fetchedAt?.toISOString() ?? null };
}

export class RegisterFanOut {
  constructor(private readonly deps: FanOutDeps) {}

  /** Calls the instance of each routed item; `callEnded` hears of each call's end (retries included). */
  async fetch(routes: readonly Route[], call: RegisterCall, callEnded?: (register: string) => void): Promise<FetchedItem[]> {
    const settled = await Promise.allSettled(
      routes.map((r) => ('refusal' in r ? Promise.resolve(null) : this.callOne(r.instance, call).finally(() => callEnded?.(r.instance.id)))),
    );
    return settled.map((s, i) => {
      const r = routes[i]!;
      if ('refusal' in r) return refusedItem(r);
      return s.status === 'fulfilled' ? itemOf(r.instance, r.type, s.value!) : this.failedItem(r.instance, r.type, s.reason);
    });
  }

  private async callOne(instance: RegisterInstance, call: RegisterCall): Promise<RegisterOutcome> {
    const adapter = this.deps.clients.adapterFor(instance);
    const stop = this.deps.metrics.registerDuration.startTimer({ register: instance.id });
    try {
      const budget = AbortSignal.timeout(this.deps.registerTimeoutMs);
      const outcome = await this.deps.policies.of(instance.id).execute(({ signal }) => call(adapter, signal), budget);
      stop({ outcome: outcome.status });
      return outcome;
    } catch (err) {
      stop({ outcome: 'unavailable' });
      throw err;
    }
  }

  private failedItem(instance: RegisterInstance, type: Route['type'], err: unknown): FetchedItem {
    const reason = policyRefusal(type, err) ?? reasonOf(type, err);
    this.deps.metrics.registerFailures.inc({ register: instance.id, code: reason.code });
    if (reason.code.endsWith('_INTERNAL')) this.deps.log.error({ err, evidenceType: type, register: instance.id }, 'register call failed unexpectedly');
    else this.deps.log.warn({ code: reason.code, evidenceType: type, register: instance.id }, 'register unavailable');
    return { type, status: 'unavailable', data: null, provenance: provenanceOf(instance, null), reason, pendingTicket: null };
  }
}

function itemOf(instance: RegisterInstance, type: Route['type'], o: RegisterOutcome): FetchedItem {
  const provenance = provenanceOf(instance, o.fetchedAt);
  switch (o.status) {
    case 'delivered':
      return { type, status: 'delivered', data: o.data, provenance, dataHash: dataHash(o.data), pendingTicket: null };
    case 'not-found':
      return { type, status: 'not-found', data: null, provenance, pendingTicket: null };
    case 'pending':
      return { type, status: 'pending', data: null, provenance, pendingTicket: o.ticket };
  }
}

/** An item routing refused: unavailable with the routing reason, no register asked. */
function refusedItem(r: Extract<Route, { refusal: string }>): FetchedItem {
  return {
    type: r.type,
    status: 'unavailable',
    data: null,
    provenance: provenanceOf(r.instance, null),
    reason: { code: r.refusal, message: ROUTE_REFUSAL_MESSAGES[r.refusal] },
    pendingTicket: null,
  };
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
