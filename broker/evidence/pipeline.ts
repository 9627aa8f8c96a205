// One evidence request end to end: authorize → permit → admit → fan out → commit → answer. Evidence passes
// through; it is held (sealed) only where the caller needs it again: an idempotent replay or an async delivery.
import type { Logger } from 'pino';
import type { ConsentStore } from '../../consent/consent-store.ts';
import type { AuditEvent } from '../audit/audit-log.ts';
import type { Participant } from '../identity/auth/principal.ts';
import type { EvidenceType } from '../../adapters/index.ts';
import type { BrokerMetrics } from '../ops/metrics.ts';
import type { EvidenceRequestBody } from '../http/schemas.ts';
import { admit } from './admit.ts';
import type { AdmissionGate } from './admission.ts';
import { authorize, requestedTypes } from './authorize.ts';
import { claim, newRequest, type Claim, type ClaimDeps } from './claim.ts';
import { commitAnswer, type AuditCommit } from './commit-answer.ts';
import { inProgressAnswer, type EvidenceAnswer, type FetchedItem } from './evidence-answer.ts';
import type { EvidenceRequestStore, HeldRequest } from './evidence-request-store.ts';
import { RegisterFanOut, registerRequestOf, provenanceOf } from './fan-out.ts';
import { permit, withdrawnItem, withdrawnSince } from './permit.ts';
import type { RegisterClients } from '../directory/register-clients.ts';
import type { RegisterDirectory } from '../directory/register-directory.ts';
import { route, type Route } from '../directory/routing.ts';
import type { RegisterPolicies } from './register-policy.ts';

/** How a POST ended: answered now, the first answer replayed for a repeated Idempotency-Key, or accepted (async). */
export type SubmitResult =
  | { kind: 'answered'; answer: EvidenceAnswer }
  | { kind: 'replayed'; answer: EvidenceAnswer }
  | { kind: 'accepted'; answer: EvidenceAnswer };

/** Options of a POST beyond its body. */
export interface SubmitOptions {
  /** The caller's Idempotency-Key header. */
  idempotencyKey?: string | undefined;
  /** Prefer: respond-async — answer 202 at once; a worker fetches, GET delivers. */
  respondAsync?: boolean;
  /** The person acting for the authority (a clerk's account id); recorded in the audit entry. */
  onBehalfOf?: string;
  /** Aborts when the caller has gone away: a request still waiting for its registers leaves the queue. */
  signal?: AbortSignal;
}

/** What the evidence path needs; nothing more. */
export interface EvidenceServiceDeps {
  requests: EvidenceRequestStore;
  /** The register directory's copy in use: routing reads it. */
  directory: RegisterDirectory;
  /** The adapter of each register instance. */
  clients: Pick<RegisterClients, 'adapterFor'>;
  policies: RegisterPolicies;
  /** Lets a request at its registers when they all have room; holds it (bounded) until then. */
  admission: AdmissionGate;
  consents: ConsentStore;
  audit: AuditCommit & { record(ev: AuditEvent): Promise<number> };
  clock: () => Date;
  registerTimeoutMs: number;
  log: Logger;
  metrics: BrokerMetrics;
  dataKey: Buffer;
  resultRetentionHours: number;
}

/** How long a process may hold a request before another may take it over. */
export const lockMsFor = (registerTimeoutMs: number) => registerTimeoutMs * 2 + 10_000;

/** A recorded request whose registers are being asked. */
type Fetching = { kind: 'fetching'; request: HeldRequest; fetched: Promise<FetchedItem[]> };
type Replayed = Extract<Claim, { kind: 'replayed' }>;

export class EvidencePipeline {
  readonly fanOut: RegisterFanOut;
  private readonly lockMs: number;
  private readonly claimDeps: ClaimDeps;

  /** `track` keeps the work after a request is recorded in sight of graceful shutdown. */
  constructor(
    private readonly deps: EvidenceServiceDeps,
    private readonly track: <T>(work: Promise<T>) => Promise<T>,
  ) {
    this.fanOut = new RegisterFanOut(deps);
    this.lockMs = lockMsFor(deps.registerTimeoutMs);
    this.claimDeps = { requests: deps.requests, dataKey: deps.dataKey, clock: deps.clock, lockMs: this.lockMs };
  }

  async submit(participant: Participant, body: EvidenceRequestBody, opts: SubmitOptions = {}): Promise<SubmitResult> {
    const types = requestedTypes(body);
    await authorize(this.deps.audit, participant, body, types, this.deps.clock());
    const routes = route(this.deps.directory, types, body.routing ?? {}, { purpose: body.purpose, participantId: participant.id });
    const step = await this.admitted(participant, body, opts, types, routes);
    if (step.kind === 'replayed') return step;
    const { request, fetched } = step;
    const answered = this.track(fetched.then((items) => commitAnswer(this.deps, request, items)));
    if (!opts.respondAsync) return { kind: 'answered', answer: await answered };
    answered.catch((err: unknown) => this.deps.log.error({ err, requestId: request.id }, 'async evidence request failed; a worker retries it'));
    return { kind: 'accepted', answer: inProgressAnswer(request) };
  }

  /**
   * Admit → permit → record → fan out. NOTE: the one place the admission slot is taken and given back: each
   * register's slot as its call ends, the rest once the fetch is over, or all at once when the request stops short.
   */
  private async admitted(participant: Participant, body: EvidenceRequestBody, opts: SubmitOptions, types: EvidenceType[], routes: Route[]): Promise<Fetching | Replayed> {
    const registers = routes.flatMap((r) => ('refusal' in r ? [] : [r.instance.id]));
    const admission = await admit(this.deps.admission, this.deps.metrics, registers, opts.signal);
    let fetched: Promise<FetchedItem[]> | null = null;
    try {
      const claimed = await this.record(participant, body, opts, types);
      if (claimed.kind === 'replayed') return claimed;
      fetched = this.fetch(claimed.request, routes, (register) => admission.release(register));
      return { kind: 'fetching', request: claimed.request, fetched };
    } finally {
      if (fetched) fetched.then(() => admission.release(), () => admission.release());
      else admission.release();
    }
  }

  /** Fetches and commits a request the sweep took over, only while its consent or legal basis still holds. */
  async resume(request: HeldRequest): Promise<EvidenceAnswer> {
    const withdrawn = await withdrawnSince(this.deps.consents, request, this.deps.clock());
    // Routed again from the recorded hints: the directory as it is now decides who is asked.
    const routes = route(this.deps.directory, request.evidenceTypes, request.routing ?? {}, { purpose: request.purpose, participantId: request.participantId });
    const items = withdrawn
      ? routes.map((r) => withdrawnItem(r.type, provenanceOf(r.instance, null), withdrawn))
      : await this.fetch(request, routes);
    return commitAnswer(this.deps, request, items);
  }

  /** Permit, then record: consent is checked, and the request recorded and locked, as of its admission. */
  private async record(participant: Participant, body: EvidenceRequestBody, opts: SubmitOptions, types: EvidenceType[]): Promise<Claim> {
    const now = this.deps.clock();
    const permission = await permit(this.deps, participant, body, types, now);
    const request = newRequest(participant, body, opts, types, permission, now, this.lockMs);
    return claim(this.claimDeps, request);
  }

  private fetch(request: HeldRequest, routes: readonly Route[], callEnded?: (register: string) => void): Promise<FetchedItem[]> {
    const registerRequest = registerRequestOf(request);
    return this.fanOut.fetch(routes, (adapter, signal) => adapter.fetchEvidence(registerRequest, signal), callEnded);
  }
}
