// How busy the whole machine was during a phase, and how much of that was not the bench's own processes.
// These machines are shared: a test suite running next to the bench shows up here as foreign CPU, and the
// phase's numbers should then be read with care. Linux only (/proc/stat); elsewhere nothing is reported.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

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
