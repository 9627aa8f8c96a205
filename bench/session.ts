// One bench run's shared state: the children and scratch databases it made (all removed at the end), the
// console log, and the noise guard that repeats a phase when other processes on this shared machine were busy.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchDatabase } from './bench-db.ts';
import { waitForQuiet, type MachineLoad } from './measure.ts';
import type { Child } from './child-process.ts';

export const log = (line: string) => process.stdout.write(`${line}\n`);
export const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

/** How long the bench waited for a quiet machine, and how many phases it ran again. */
export interface NoiseLog {
  waitedMs: number;
  repeated: number;
}

/** A phase result with the machine's load while it ran. */
export type Measured<T> = T & { machine: MachineLoad | null; attempts: number };

const NOISE_CORES = 0.3;

export class Session {
  readonly tmp = mkdtempSync(path.join(os.tmpdir(), 'evidence-broker-bench-'));
  readonly noise: NoiseLog = { waitedMs: 0, repeated: 0 };
  private readonly children = new Set<Child<unknown>>();
  private readonly databases = new Set<BenchDatabase>();
  private retryBudget: number;
  private quietBudgetMs: number;

  constructor(private readonly quick: boolean) {
    this.retryBudget = quick ? 3 : 10;
    this.quietBudgetMs = quick ? 15_000 : 150_000;
  }

  async track<R>(child: Promise<Child<R>>): Promise<Child<R>> {
    const c = await child;
    this.children.add(c as Child<unknown>);
    return c;
  }
  /** Hands the members' cleanup to a group that stands for them. */
  replace(members: Child<unknown>[], group: Child<unknown>): void {
    for (const m of members) this.children.delete(m);
    this.children.add(group);
  }
  async stop(c: Child<unknown>): Promise<void> {
    this.children.delete(c);
    await c.stop();
  }
  database(db: BenchDatabase): BenchDatabase {
    this.databases.add(db);
    return db;
  }
  async drop(db: BenchDatabase): Promise<void> {
    this.databases.delete(db);
    await db.drop().catch((err: unknown) => log(`  (could not drop ${db.url}: ${String(err)})`));
  }
  async cleanup(): Promise<void> {
    await Promise.allSettled([...this.children].map((c) => c.stop()));
    this.children.clear();
    await Promise.allSettled([...this.databases].map((d) => d.drop()));
    this.databases.clear();
    rmSync(this.tmp, { recursive: true, force: true });
  }

  /**
   * Runs a phase on a quiet machine: first our own backlog drains, then other processes' load; a phase with
   * more than NOISE_CORES of foreign CPU runs again (bounded per phase and per run) and the quietest counts.
   */
  async quietest<T extends { machine: MachineLoad | null }>(label: string, run: () => Promise<T>, drainFirst: Child<unknown>[] = []): Promise<T & { attempts: number }> {
    let best: T | null = null;
    let attempts = 0;
    for (;;) {
      if (drainFirst.length > 0) await drain(drainFirst);
      if (this.quietBudgetMs > 0) {
        const waited = await waitForQuiet(NOISE_CORES, Math.min(this.quick ? 5_000 : 30_000, this.quietBudgetMs));
        this.quietBudgetMs -= waited.waitedMs;
        this.noise.waitedMs += waited.waitedMs;
        if (waited.waitedMs > 1500) log(`    (waited ${fmt(waited.waitedMs / 1000)} s for other processes to quieten${waited.quiet ? '' : ', in vain'})`);
      }
      const r = await run();
      attempts++;
      if (best === null || (r.machine?.foreignCores ?? 0) < (best.machine?.foreignCores ?? 0)) best = r;
      const noisy = (r.machine?.foreignCores ?? 0) > NOISE_CORES;
      if (!noisy || attempts > (this.quick ? 1 : 2) || this.retryBudget <= 0) break;
      this.retryBudget--;
      this.noise.repeated++;
      log(`    (other processes used ${fmt(r.machine!.foreignCores, 1)} cores during ${label}: running it again)`);
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
    return { ...best, attempts };
  }
}

/** CPU ms (user + system) in a phase's stats. */
export const cpuMs = (s: { cpuUserMs: number; cpuSystemMs: number }) => s.cpuUserMs + s.cpuSystemMs;

/**
 * Waits (at most 60 s) until each process is under 5% of a core over 300 ms: a closed loop that stops leaves
 * requests in flight, and the next phase must not pay for that backlog.
 */
async function drain(who: Child<unknown>[]): Promise<void> {
  const started = performance.now();
  for (;;) {
    await Promise.all(who.map((c) => c.resetStats()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const busy = await Promise.all(who.map(async (c) => cpuMs(await c.readStats()) / 300 / c.processes));
    if (busy.every((b) => b < 0.05) || performance.now() - started > 60_000) break;
  }
  const ms = performance.now() - started;
  if (ms > 2000) log(`    (waited ${fmt(ms / 1000)} s for the backlog of the previous phase to drain)`);
}
