// What a process under test uses in one phase (CPU by thread, GC pauses, event-loop delay, RSS peak), and how
// busy the shared machine was meanwhile with processes that are not the bench's.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { constants, monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

/** One phase's figures; times in milliseconds, memory in MiB. */
export interface PhaseStats {
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Event-loop utilization over the phase, 0..1. */
  elu: number;
  eventLoopDelayP50Ms: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  rssMb: number;
  rssPeakMb: number;
  heapUsedMb: number;
  /** CPU by thread (Linux): `main` is the event loop's, `other` all the rest together (signing pool, GC and
   *  compiler helpers, libuv); Node 20 names them all "node", so they cannot be told apart. */
  threadCpuMs: Record<string, number>;
  /** The main thread's GC pauses, ms by kind (minor, major, incremental, weakcb); GC work on helper threads
   *  is in `other` above. */
  gcPauseMs: Record<string, number>;
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** Clock ticks per second for /proc's utime/stime: 100 on every Linux Node supports. */
const TICKS_PER_S = 100;

/** CPU ms so far per thread id; empty where /proc is missing. */
function threadTimes(): Map<string, { ms: number }> {
  const out = new Map<string, { ms: number }>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // NOTE: the name (field 2) is in parentheses and may hold spaces; fields after it are plain.
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      // fields[0] is field 3 (state): utime is field 14, stime field 15.
      const ticks = Number(fields[11]) + Number(fields[12]);
      out.set(tid, { ms: (ticks * 1000) / TICKS_PER_S });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

function threadDelta(since: Map<string, { ms: number }>): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const [tid, now] of threadTimes()) {
    const ms = now.ms - (since.get(tid)?.ms ?? 0);
    const which = tid === String(process.pid) ? 'main' : 'other';
    if (ms > 0) byName[which] = (byName[which] ?? 0) + ms;
  }
  return byName;
}

const MB = 1024 * 1024;

/** Starts measuring at once; `reset()` starts a new phase, `read()` reports the phase so far. */
export function createStatsProbe() {
  // NOTE: a 2 ms sampling resolution catches short stalls that the 10 ms default would average away.
  const delay = monitorEventLoopDelay({ resolution: 2 });
  delay.enable();
  let cpu = process.cpuUsage();
  let threads = threadTimes();
  let started = performance.now();
  let elu = performance.eventLoopUtilization();
  let rssPeak = process.memoryUsage.rss();
  let gcPauseMs: Record<string, number> = {};
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = GC_KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
      gcPauseMs[kind] = (gcPauseMs[kind] ?? 0) + entry.duration;
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 20);
  sampler.unref();

  return {
    reset(): void {
      delay.reset();
      cpu = process.cpuUsage();
      threads = threadTimes();
      started = performance.now();
      elu = performance.eventLoopUtilization();
      rssPeak = process.memoryUsage.rss();
      gcPauseMs = {};
    },
    read(): PhaseStats {
      const used = process.cpuUsage(cpu);
      const mem = process.memoryUsage();
      rssPeak = Math.max(rssPeak, mem.rss);
      const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
      return {
        wallMs: performance.now() - started,
        cpuUserMs: used.user / 1000,
        cpuSystemMs: used.system / 1000,
        elu: performance.eventLoopUtilization(elu).utilization,
        eventLoopDelayP50Ms: ms(delay.percentile(50)),
        eventLoopDelayP99Ms: ms(delay.percentile(99)),
        eventLoopDelayMaxMs: ms(delay.max),
        rssMb: mem.rss / MB,
        rssPeakMb: rssPeak / MB,
        heapUsedMb: mem.heapUsed / MB,
        threadCpuMs: threadDelta(threads),
        gcPauseMs: { ...gcPauseMs },
      };
    },
    stop(): void {
      clearInterval(sampler);
      delay.disable();
      gc.disconnect();
    },
  };
}

interface CpuTicks {
  busy: number;
  total: number;
  at: number;
}

function ticks(): CpuTicks | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [, ...fields] = line.trim().split(/\s+/);
    const n = fields.map(Number);
    // user nice system idle iowait irq softirq steal
    const idle = (n[3] ?? 0) + (n[4] ?? 0);
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total, at: performance.now() };
  } catch {
    return null;
  }
}

/** CPU milliseconds used so far by all PostgreSQL server processes (utime + stime of every `postgres`). */
function postgresCpuMs(): number {
  let ticksUsed = 0;
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticksUsed += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticksUsed * 10; // USER_HZ is 100 on Linux
}

/** Machine CPU over a phase: busy share of all cores, and CPU (in cores) used by processes other than ours. */
export interface MachineLoad {
  busyPct: number;
  foreignCores: number;
  /** PostgreSQL's own CPU during a PostgreSQL phase (counted as the target's, not as foreign). */
  postgresCores: number | null;
}

/**
 * Starts a measurement; `end(ownCpuMs)` takes the CPU milliseconds the bench's own processes used. With
 * `postgres`, the PostgreSQL server's CPU counts as the bench's (the broker's database work happens there).
 */
export function machineLoad(opts: { postgres?: boolean } = {}): { end(ownCpuMs: number): MachineLoad | null } {
  const start = ticks();
  const parentCpu = process.cpuUsage();
  const pgStart = opts.postgres ? postgresCpuMs() : 0;
  return {
    end(ownCpuMs) {
      const stop = ticks();
      if (!start || !stop || stop.total === start.total) return null;
      const share = (stop.busy - start.busy) / (stop.total - start.total);
      const wallMs = stop.at - start.at;
      const parent = process.cpuUsage(parentCpu);
      const pgMs = opts.postgres ? postgresCpuMs() - pgStart : 0;
      const ownCores = (ownCpuMs + pgMs + (parent.user + parent.system) / 1000) / wallMs;
      return {
        busyPct: share * 100,
        foreignCores: Math.max(0, share * os.cpus().length - ownCores),
        postgresCores: opts.postgres ? pgMs / wallMs : null,
      };
    },
  };
}

/**
 * Waits until the machine has been quiet (less than `maxBusyCores` busy over a 0.5 s window, with nothing of
 * the bench running) or `maxWaitMs` has passed; returns how long it waited and whether it got quiet.
 */
export async function waitForQuiet(maxBusyCores: number, maxWaitMs: number): Promise<{ waitedMs: number; quiet: boolean }> {
  const started = performance.now();
  for (;;) {
    const a = ticks();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const b = ticks();
    if (!a || !b || b.total === a.total) return { waitedMs: 0, quiet: true };
    const busyCores = ((b.busy - a.busy) / (b.total - a.total)) * os.cpus().length;
    const waitedMs = performance.now() - started;
    if (busyCores < maxBusyCores) return { waitedMs, quiet: true };
    if (waitedMs >= maxWaitMs) return { waitedMs, quiet: false };
  }
}
