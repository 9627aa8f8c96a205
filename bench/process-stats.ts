// What a benchmarked process reports about itself for one measurement phase: CPU time, event-loop delay
// and utilization, resident memory (current and the peak sampled every 20 ms). Each child process under
// test (broker, baseline proxies, simulators) runs one probe; the load generator lives in another process,
// so its own work never shows up in these figures.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

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
}

const MB = 1024 * 1024;

/** Starts measuring at once; `reset()` starts a new phase, `read()` reports the phase so far. */
export function createStatsProbe() {
  // NOTE: a 2 ms sampling resolution catches short stalls that the 10 ms default would average away.
  const delay = monitorEventLoopDelay({ resolution: 2 });
  delay.enable();
  let cpu = process.cpuUsage();
  let started = performance.now();
  let elu = performance.eventLoopUtilization();
  let rssPeak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 20);
  sampler.unref();

  return {
    reset(): void {
      delay.reset();
      cpu = process.cpuUsage();
      started = performance.now();
      elu = performance.eventLoopUtilization();
      rssPeak = process.memoryUsage.rss();
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
      };
    },
    stop(): void {
      clearInterval(sampler);
      delay.disable();
    },
  };
}
