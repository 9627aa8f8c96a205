// What a benchmarked process reports about itself for one measurement phase: CPU time, event-loop delay
// and utilization, resident memory (current and the peak sampled every 20 ms). Each child process under
// test (broker, baseline proxies, simulators) runs one probe; the load generator lives in another process,
// so its own work never shows up in these figures.
import { readdirSync, readFileSync } from 'node:fs';
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
  /** CPU (user + system) over the phase by thread (Linux only; empty elsewhere): `main` is the event loop's
   *  thread, `other` every other thread together: worker threads (the signing pool), V8's GC and compiler
   *  helpers, libuv's pool. Node 20 names them all "node", so they cannot be told apart. Threads that ended
   *  during the phase are missing. */
  threadCpuMs: Record<string, number>;
  /** The main thread's garbage-collection pauses over the phase, ms by kind (minor = scavenges, major =
   *  mark-compact finishing, incremental = marking steps on the main thread, weakcb = weak callbacks). Work the
   *  GC does on helper threads (concurrent marking, parallel scavenging) is not in here: it is in `other`. */
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
