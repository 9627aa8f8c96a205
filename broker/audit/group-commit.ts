// Group commit for the audit log: concurrent callers' work is queued and run in ONE transaction per batch,
// so a batch pays for one BEGIN/COMMIT (one fsync) and one advance of the chain's head instead of one per
// caller. Each caller is answered only after the COMMIT that holds its facts and its audit entries.
import type { Db, DbTx } from '../db/database.ts';
import type { AuditEvent, AuditLog } from './audit-log.ts';

/** Records an audit event in the batch's transaction; returns the entry's sequence number. */
export type RecordAudit = (ev: AuditEvent) => number;

/**
 * Work run inside a shared transaction: it writes its facts through `tx` and records their audit events.
 * NOTE: it must touch nothing but `tx`, because it may run twice: when a batch-mate fails, the whole
 * batch rolls back and every job is run again on its own.
 */
export type CommitWork<T> = (tx: DbTx, record: RecordAudit) => Promise<T>;

interface Job {
  work: CommitWork<unknown>;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

// Bounds a batch's transaction time and its multi-row inserts (8 columns × 128 rows stays far below
// SQLite's and PostgreSQL's bind-parameter limits).
const MAX_BATCH = 128;

/** Queues work from concurrent callers and commits it in batches, one transaction each. */
export class AuditGroupCommit {
  private readonly queue: Job[] = [];
  private running = false;

  constructor(
    private readonly db: Db,
    private readonly audit: Pick<AuditLog, 'lockHead' | 'appendAfter'>,
    private readonly maxBatch = MAX_BATCH,
  ) {}

  /** Runs `work` in the next batch; resolves with its result once that batch has committed. */
  run<T>(work: CommitWork<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      // NOTE: no timer: the first caller starts a batch at once, and whoever arrives while it commits
      // waits for the next one, so batches grow with load and a lone caller pays no extra latency.
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) await this.flush(this.queue.splice(0, this.maxBatch));
    } finally {
      this.running = false;
    }
  }

  private async flush(batch: Job[]): Promise<void> {
    const results: unknown[] = [];
    try {
      // NOTE: the client's own transaction limits apply; a batch that runs out of time is re-run job by job.
      await this.db.$transaction(async (tx) => {
        const head = await this.audit.lockHead(tx);
        const events: AuditEvent[] = [];
        const record: RecordAudit = (ev) => head.seq + events.push(ev);
        for (const job of batch) results.push(await job.work(tx, record));
        await this.audit.appendAfter(tx, head, events);
      });
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // Nothing of the batch was committed. One job's failure must not fail its neighbours: run each on
      // its own, so every caller gets the outcome of its own work only.
      for (const job of batch) await this.flush([job]);
      return;
    }
    batch.forEach((job, i) => job.resolve(results[i]));
  }
}
