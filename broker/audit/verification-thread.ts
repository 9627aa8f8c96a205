// Full recomputation of the audit chain for GET /v1/audit/verify: in a worker thread, so a long chain never
// holds up the event loop, and one at a time per process, so callers cannot stack up threads and connections.
import { Worker } from 'node:worker_threads';
import type { DatabaseTarget } from '../db/database-url.ts';
import type { VerifyResult } from './chain-verification.ts';

/** Runs chain verifications one at a time, each in a fresh worker thread. */
export class ChainVerificationThread {
  private running: { worker: Worker | null; result: Promise<VerifyResult> } | null = null;

  /** `inProcess`: how to verify an in-memory SQLite database, which a worker cannot open. */
  constructor(
    private readonly target: DatabaseTarget,
    private readonly inProcess: () => Promise<VerifyResult>,
    /** How long audit details must be kept (a detail missing earlier is a break), and the broker's clock. */
    private readonly retentionDays: number,
    private readonly clock: () => Date = () => new Date(),
    /** The leaves kept beside the signing key (kept-leaves.ts), or null. */
    private readonly keptLeavesFile: string | null = null,
  ) {}

  /** Starts a verification; null while one is still running in this process. */
  start(): Promise<VerifyResult> | null {
    if (this.running) return null;
    const inMemory = this.target.provider === 'sqlite' && this.target.file === ':memory:';
    const worker = inMemory ? null : startWorker(this.target, this.retentionDays, this.clock(), this.keptLeavesFile);
    const result = worker ? resultOf(worker) : this.inProcess();
    const running = {
      worker,
      result: result.finally(() => {
        if (this.running === running) this.running = null;
      }),
    };
    this.running = running;
    return running.result;
  }

  /** Stops a verification still running (at shutdown); its caller gets an error. */
  async close(): Promise<void> {
    await this.running?.worker?.terminate();
  }
}

function resultOf(worker: Worker): Promise<VerifyResult> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the chain verification thread stopped (exit code ${code}) without a result`)));
  });
}

function startWorker(target: DatabaseTarget, retentionDays: number, now: Date, keptLeavesFile: string | null): Worker {
  const options = { workerData: { target, retentionDays, now: now.getTime(), keptLeavesFile }, execArgv: [] };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./verify-worker.js', import.meta.url), options);
  // NOTE: from TypeScript source (npm start, the tests) a worker on Node 20 does not inherit tsx's loader, so
  // it registers tsx itself before loading the worker's module; the built broker runs the compiled .js.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./verify-worker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); });`, { ...options, eval: true });
}
