// Recovery and housekeeping, run at start and then periodically by every broker process: async requests
// whose holder died are taken over and answered; sync ones are marked abandoned (their caller is gone, and
// an answer nobody receives must not be recorded as a transfer); expired sealed answers are erased.
import { newLock } from './claim.ts';
import type { EvidenceRequestStore, HeldRequest } from './evidence-request-store.ts';

/** Orphans taken over per sweep; the next sweep takes the rest. */
const ORPHANS_PER_SWEEP = 100;

export interface SweepDeps {
  requests: EvidenceRequestStore;
  clock: () => Date;
  lockMs: number;
}

export interface SweepCounts {
  resumed: number;
  abandoned: number;
  purged: number;
}

/** Sweeps once; `resume` is handed each async request this process took over (it answers in the background). */
export async function sweepRequests(deps: SweepDeps, resume: (request: HeldRequest) => void): Promise<SweepCounts> {
  const { requests } = deps;
  const now = deps.clock();
  const purged = await requests.purgeExpiredResults(now);
  const abandoned = await requests.abandonStale(now);
  const orphans = await requests.findOrphans(now, ORPHANS_PER_SWEEP);
  let resumed = 0;
  for (const orphan of orphans) {
    const lock = newLock(now, deps.lockMs);
    if (!(await requests.takeOver(orphan.id, orphan.lockToken, lock.lockToken, lock.lockedUntil))) continue;
    resumed++;
    resume({ ...orphan, lockToken: lock.lockToken });
  }
  return { resumed, abandoned, purged };
}
