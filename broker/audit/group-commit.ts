// Group commit for the audit log: concurrent callers' work is queued and run in ONE transaction per batch,
// so a batch pays for one BEGIN/COMMIT (one fsync) and one advance of the chain's head instead of one per
// caller. Each caller is answered only after the COMMIT that holds its facts and its audit entries.
import { directSqlOf, TRANSACTION_LIMITS, type Db } from '../db/database.ts';
import type { SqlStatements } from '../db/direct-sql.ts';
import type { AuditEvent, ChainHead } from './chain.ts';

/** The two chain steps a batch takes (AuditLog provides them); named here so this module stays below the log. */
export interface ChainAppender<H extends ChainHead = ChainHead> {
  lockHead(sql: SqlStatements): Promise<H>;
  appendAfter(sql: SqlStatements, head: H, events: AuditEvent[]): Promise<unknown>;
}

/** Records an audit event in the batch's transaction; returns the entry's sequence number. */
export type RecordAudit = (ev: AuditEvent) => number;

/**
 * Work run inside a shared transaction: writes through `tx` (broker/db/direct-sql.ts), records audit events.
 * NOTE: touch nothing but `tx`: when a batch-mate fails the batch rolls back and this work runs again in the
 * next batch (on SQLite a statement outside `tx` would also wait on this very transaction).
 */
export type CommitWork<T> = (tx: SqlStatements, record: RecordAudit) => Promise<T>;

interface Job {
  work: CommitWork<unknown>;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
  /** Refuses the job if no batch took it in time. */
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Work that waited longer than the queue allows for a batch to take it (the one batch in flight is stuck,
 * e.g. behind a lock): nothing of it was run. broker/db/db-errors.ts classifies it as busy (503).
 */
export class AuditQueueTimeout extends Error {
  override name = 'AuditQueueTimeout';
  constructor(waitedMs: number) {
    super(`no audit batch took the work within ${waitedMs} ms`);
  }
}

// Bounds a batch's transaction time and its multi-row inserts (8 columns × 128 rows stays far below
// SQLite's and PostgreSQL's bind-parameter limits).
const MAX_BATCH = 128;

/** Queues work from concurrent callers and commits it in batches, one transaction each. */
export class AuditGroupCommit<H extends ChainHead = ChainHead> {
  private readonly queue: Job[] = [];
  private running = false;

  /**
   * `maxWaitMs`: how long work may wait in the queue for a batch (like an interactive transaction's maxWait:
   * only one batch runs at a time, so a stuck one must not hold every caller behind it indefinitely).
   */
  constructor(
    private readonly db: Db,
    private readonly audit: ChainAppender<H>,
    private readonly maxWaitMs: number,
    private readonly maxBatch = MAX_BATCH,
  ) {}

  /** Runs `work` in the next batch; resolves with its result once that batch has committed. */
  run<T>(work: CommitWork<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job: Job = { work, resolve: resolve as (v: unknown) => void, reject };
      job.timer = setTimeout(() => {
        const at = this.queue.indexOf(job);
        if (at < 0) return; // taken into a batch meanwhile
        this.queue.splice(at, 1);
        job.reject(new AuditQueueTimeout(this.maxWaitMs));
      }, this.maxWaitMs);
      job.timer.unref();
      this.queue.push(job);
      // NOTE: no timer: the first caller starts a batch at once, and whoever arrives while it commits
      // waits for the next one, so batches grow with load and a lone caller pays no extra latency.
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        for (const job of batch) clearTimeout(job.timer);
        await this.flush(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async flush(batch: Job[]): Promise<void> {
    const results: unknown[] = [];
    const failure: { job?: Job; err?: unknown } = {};
    try {
      // NOTE: a transaction straight on the driver adapter, with the same limits as Prisma's own: every answer
      // waits for this one, and Prisma's interactive transaction cost more CPU than its statements.
      await directSqlOf(this.db).transaction(async (tx) => {
        const head = await this.audit.lockHead(tx);
        const events: AuditEvent[] = [];
        const record: RecordAudit = (ev) => head.seq + events.push(ev);
        for (const job of batch) {
          try {
            results.push(await job.work(tx, record));
          } catch (err) {
            Object.assign(failure, { job, err });
            throw err;
          }
        }
        await this.audit.appendAfter(tx, head, events);
      }, TRANSACTION_LIMITS);
    } catch (err) {
      // Nothing of the batch was committed. When one job's work failed, only that job fails: the others
      // go again at the head of the queue (each failure removes a job, so this ends). When the database
      // failed the batch itself (head lock, inserts, COMMIT), every job in it fails with that error.
      if (failure.job) {
        failure.job.reject(failure.err);
        this.queue.unshift(...batch.filter((job) => job !== failure.job));
      } else {
        for (const job of batch) job.reject(err);
      }
      return;
    }
    batch.forEach((job, i) => job.resolve(results[i]));
  }
}
