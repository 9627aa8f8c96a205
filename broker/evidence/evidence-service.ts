// The evidence path as the routes and the server see it: POST (the pipeline), GET (later state and pending
// items), the sweep, and the drain on shutdown. The steps live in their own modules beside this one.
import type { Participant } from '../identity/auth/principal.ts';
import type { EvidenceRequestBody } from '../http/schemas.ts';
import { sweepRequests, type SweepCounts } from './async-sweep.ts';
import type { EvidenceAnswer } from './evidence-answer.ts';
import { currentAnswer, type PendingPollDeps } from './pending-poll.ts';
import { EvidencePipeline, lockMsFor, type EvidenceServiceDeps, type SubmitOptions, type SubmitResult } from './pipeline.ts';

export type { EvidenceAnswer, EvidenceItemAnswer } from './evidence-answer.ts';
export type { EvidenceServiceDeps, SubmitOptions, SubmitResult } from './pipeline.ts';
export { IdempotencyMismatchError } from './claim.ts';

export class EvidenceService {
  /** Work started here and not yet committed; drain() waits for it on shutdown. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly pipeline: EvidencePipeline;
  private readonly polling: PendingPollDeps;

  constructor(private readonly deps: EvidenceServiceDeps) {
    this.pipeline = new EvidencePipeline(deps, (work) => this.track(work));
    this.polling = { ...deps, fanOut: this.pipeline.fanOut };
  }

  submit(participant: Participant, body: EvidenceRequestBody, opts: SubmitOptions = {}): Promise<SubmitResult> {
    return this.pipeline.submit(participant, body, opts);
  }

  get(participant: Participant, id: string): Promise<EvidenceAnswer> {
    return currentAnswer(this.polling, participant, id);
  }

  sweep(): Promise<SweepCounts> {
    const { requests, clock, log } = this.deps;
    return sweepRequests({ requests, clock, lockMs: lockMsFor(this.deps.registerTimeoutMs) }, (request) => {
      this.track(this.pipeline.resume(request)).catch((err: unknown) => log.error({ err, requestId: request.id }, 'resumed evidence request failed'));
    });
  }

  /** Waits for work this process started (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = () => this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }
}
