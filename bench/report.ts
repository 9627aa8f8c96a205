// Turns the bench's measurements into tables (Markdown, printed as is on the console) and checks the
// issue's targets. Pure formatting: no measurement happens here.
import type { ProfileSummary } from './cpu-profile.ts';
import type { ClosedLoopResult } from './load-closed.ts';
import type { OpenLoopResult } from './load-open.ts';
import type { AppendResult, VerifyResult } from './micro-audit.ts';
import type { ConsentResult } from './micro-consents.ts';
import type { ServiceResult } from './micro-service.ts';
import type { MachineLoad } from './machine-cpu.ts';
import type { OpCost } from './micro-xml.ts';
import type { PhaseStats } from './process-stats.ts';

/** What was measured. */
export type TargetId = 'broker-sqlite' | 'broker-postgresql' | 'proxy-xml' | 'proxy-raw' | 'registers-direct';

export interface ClosedRow {
  target: TargetId;
  label: string;
  latencyMs: number;
  result: ClosedLoopResult;
  stats: PhaseStats;
  sims: PhaseStats;
  machine: MachineLoad | null;
  /** Runs it took to get one without much foreign CPU (see run.ts, quietest). */
  attempts: number;
}

export interface OpenRow {
  target: TargetId;
  label: string;
  latencyMs: number;
  result: OpenLoopResult;
  /** null for the registers called directly (no process of its own). */
  stats: PhaseStats | null;
  sims: PhaseStats;
  machine: MachineLoad | null;
  attempts: number;
}

/** A one-at-a-time run: the open loop's result shape, without process figures. */
export type SoloRow = Omit<OpenRow, 'stats' | 'sims'> & { stats: null; sims: null };

export interface ProfileRow {
  target: TargetId;
  label: string;
  requests: number;
  /** Whether the profile could be cut to the load window. */
  windowed: boolean;
  summary: ProfileSummary;
  file: string;
  machine: MachineLoad | null;
  attempts: number;
}

/** One layer of the broker at one concurrency (the layers section: all in one broker process). */
export interface LayerRow {
  layer: 'protocol' | 'service' | 'broker';
  connections: number;
  goodRps: number;
  failed: number;
  cpuMsPerRequest: number;
  mainMsPerRequest: number;
  otherMsPerRequest: number;
  machine: MachineLoad | null;
  attempts: number;
  /** How many rounds the kept (median) one was chosen from. */
  rounds: number;
}

export interface Results {
  meta: {
    command: string;
    date: string;
    commit: string;
    cpus: string;
    memoryGb: number;
    os: string;
    node: string;
    versions: Record<string, string>;
    sqlite: string;
    postgres: string;
    quick: boolean;
    logLevel: string;
    /** The broker's SIGNING_THREADS default on this machine (absent in runs made before the pool existed). */
    signingThreads?: number;
    /** How the processes under test ran (absent in runs made before: tsx). */
    runtime?: 'built' | 'tsx';
    /** The V8 flags the broker and the baselines ran with, compiled (as `npm run start:built` gives them). */
    deployedNodeFlags?: string[];
    /** Free text about how the run was made, when it needs saying. */
    note?: string;
    /** Set when RESULTS.md was written again from RESULTS.json (--render). */
    renderedAt?: string;
    params: Record<string, unknown>;
  };
  closed: ClosedRow[];
  open: OpenRow[];
  /** One request at a time, per target and register latency (absent in runs made before it existed). */
  solo?: SoloRow[];
  queries: {
    target: TargetId;
    label: string;
    requests: number;
    counts: Record<string, number>;
    /** Interactive transactions under a 50-connection closed loop at 0 ms registers. */
    transactions: { count: number; p50Ms: number; p99Ms: number; holdShare: number; sqliteUs?: Record<string, number> };
    loadRps: number;
    /** Requests answered during the load (for the SQLite time per request). */
    loadRequests?: number;
  }[];
  profiles: ProfileRow[];
  /** Absent in results written before it existed. */
  layers?: LayerRow[];
  brokerInfo: Partial<Record<TargetId, { seedMs: number; consents: number; sqlitePragmas: { journalMode: string; synchronous: string } | null }>>;
  idleRssMb: Partial<Record<TargetId, number>>;
  /** Time spent waiting for a quiet machine, and phases run again because of other processes. */
  noise: { waitedMs: number; repeated: number };
  micro: {
    appends: (AppendResult & { label: string; machine: MachineLoad | null; attempts: number })[];
    killTest: { acknowledged: number; found: number; verified: boolean } | null;
    verify: (VerifyResult & { rssPeakMb: number; machine: MachineLoad | null }) | null;
    consents: (ConsentResult & { machine: MachineLoad | null }) | null;
    /** Absent in results written before it existed. */
    service?: (ServiceResult & { machine: MachineLoad | null; attempts: number })[];
    xml: OpCost[];
    xmlMachine: { machine: MachineLoad | null; attempts: number } | null;
  };
  postgres: string;
}

const f = (n: number | undefined | null, d = 0) => (n === undefined || n === null || !Number.isFinite(n) ? 'n/a' : n.toLocaleString('en', { minimumFractionDigits: d, maximumFractionDigits: d }));
const signed = (n: number) => (Number.isFinite(n) ? `${n < 0 ? '−' : '+'}${f(Math.abs(n), 2)}` : 'n/a');
const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : 'n/a');

function table(head: string[], rows: (string | number)[][], align?: ('l' | 'r')[]): string {
  const a = align ?? head.map((_, i) => (i === 0 ? 'l' : 'r'));
  const sep = a.map((x) => (x === 'r' ? '---:' : ':---'));
  return [head, sep, ...rows.map((r) => r.map(String))].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const noise = (x: { machine: MachineLoad | null; attempts: number }) =>
  `${x.machine ? f(x.machine.foreignCores, 2) : 'n/a'}${x.attempts > 1 ? ` (best of ${x.attempts})` : ''}`;

const cpuPerReq = (s: PhaseStats | null, n: number) => (s ? (s.cpuUserMs + s.cpuSystemMs) / Math.max(1, n) : NaN);

/** The issue's targets, each with its figure and verdict. */
export interface TargetVerdict {
  target: string;
  figure: string;
  met: boolean | null;
}

export function evaluateTargets(r: Results): TargetVerdict[] {
  const out: TargetVerdict[] = [];
  const latencies = [...new Set(r.closed.map((c) => c.latencyMs))];
  const cap = (t: TargetId, lat: number) => Math.max(0, ...r.closed.filter((c) => c.target === t && c.latencyMs === lat).map((c) => c.result.goodRps));

  if (r.closed.length > 0) {
    const ratios = latencies.map((lat) => ({ lat, ratio: cap('broker-sqlite', lat) / cap('proxy-xml', lat) }));
    out.push({
      target: 'broker throughput ≥ 85% of baseline (a) (SQLite, best of the connection counts)',
      figure: ratios.map((x) => `${pct(x.ratio)} at ${x.lat} ms (${f(cap('broker-sqlite', x.lat))} vs ${f(cap('proxy-xml', x.lat))} req/s)`).join('; '),
      met: ratios.every((x) => x.ratio >= 0.85),
    });
  }
  const added = addedLatency(r).filter((a) => a.target === 'broker-sqlite');
  if (added.length > 0) {
    // A latency of answers that are not complete (an item unavailable) does not count as meeting the target.
    const completeness = (lat: number) => r.open.find((o) => o.target === 'broker-sqlite' && o.latencyMs === lat)?.result;
    out.push({
      target: 'p99 added latency ≤ 5 ms at 50% load (broker p99 − p99 of the slowest register called directly)',
      figure: added
        .map((a) => {
          const c = completeness(a.latencyMs);
          const partial = c && c.ok < c.sent ? `, only ${c.ok}/${c.sent} answers complete` : '';
          return `${f(a.addedP99, 1)} ms at ${a.latencyMs} ms (p99 ${f(a.p99, 1)} vs ${f(a.directP99, 1)} ms${partial})`;
        })
        .join('; ') + soloFloor(r),
      met: added.every((a) => a.addedP99 <= 5 && (completeness(a.latencyMs)?.ok ?? 0) === (completeness(a.latencyMs)?.sent ?? -1)),
    });
  }
  const openBroker = r.open.filter((o) => o.target === 'broker-sqlite' && o.stats);
  if (openBroker.length > 0) {
    const sat = r.closed.filter((c) => c.target === 'broker-sqlite');
    out.push({
      target: 'event-loop delay p99 ≤ 20 ms (broker, at 50% load)',
      figure:
        openBroker.map((o) => `${f(o.stats!.eventLoopDelayP99Ms, 1)} ms at ${o.latencyMs} ms`).join('; ') +
        (sat.length > 0 ? ` (saturated, closed loop: up to ${f(Math.max(...sat.map((c) => c.stats.eventLoopDelayP99Ms)), 1)} ms)` : ''),
      met: openBroker.every((o) => o.stats!.eventLoopDelayP99Ms <= 20),
    });
  }
  const sqliteAppends = r.micro.appends.filter((a) => a.provider === 'sqlite' && a.synchronous !== 'FULL');
  // Runs from before group commit (no mode) counted appends per transaction: those were one-per-transaction rows.
  const grouped = sqliteAppends.filter((a) => a.mode === 'group-commit');
  const single = sqliteAppends.find((a) => a.mode !== 'group-commit' && a.concurrency === 1 && a.perTransaction === 1);
  const best = [...(grouped.length > 0 ? grouped : sqliteAppends)].sort((a, b) => b.appendsPerS - a.appendsPerS)[0];
  if (best) {
    const full = r.micro.appends.find((a) => a.provider === 'sqlite' && a.synchronous === 'FULL');
    out.push({
      target: 'audit ≥ 5,000 durable appends/s (SQLite; group commit allowed, as the broker does)',
      figure:
        `${f(best.appendsPerS)}/s ${best.mode === 'group-commit' ? `through group commit with ${best.concurrency} concurrent callers` : `with ${best.perTransaction} per transaction`} ` +
        `(WAL, synchronous=${best.synchronous}: survives a process kill` +
        (r.micro.killTest ? ` — ${r.micro.killTest.found}/${r.micro.killTest.acknowledged} acknowledged entries found after SIGKILL` : '') +
        `)` +
        (single ? `; baseline one append per transaction: ${f(single.appendsPerS)}/s` : '') +
        (full ? `; ${f(full.appendsPerS)}/s with synchronous=FULL (survives power loss)` : ''),
      met: best.appendsPerS >= 5000,
    });
  }
  if (r.micro.verify) {
    const v = r.micro.verify;
    out.push({
      target: `verify ${f(v.entries)} entries < 10 s (AuditLog.verify)`,
      figure: `${f(v.verifyS, 1)} s (${f(v.verifyEntriesPerS)} entries/s, ok: ${v.ok}${v.verifyRunsS && v.verifyRunsS.length > 1 ? `; fastest of ${v.verifyRunsS.length} runs: ${v.verifyRunsS.map((x) => f(x, 1)).join(' / ')} s` : ''}); the same checks straight over better-sqlite3: ${f(v.rawVerifyS, 1)} s`,
      met: v.entries >= 1_000_000 ? v.ok && v.verifyS < 10 : null,
    });
  }
  const at200 = r.closed.filter((c) => c.target === 'broker-sqlite' && c.result.connections === 200);
  if (at200.length > 0) {
    const peak = Math.max(...at200.map((c) => c.stats.rssPeakMb));
    out.push({
      target: 'RSS < 300 MB at 200 concurrent requests (broker, SQLite)',
      figure: `peak ${f(peak)} MB (${at200.map((c) => `${f(c.stats.rssPeakMb)} MB at ${c.latencyMs} ms`).join(', ')})`,
      met: peak < 300,
    });
  }
  return out;
}

/** The one-at-a-time added p50 of the broker and of baseline (a): the floor the 50%-load figure stands on. */
function soloFloor(r: Results): string {
  const solo = r.solo ?? [];
  const parts = [...new Set(solo.map((o) => o.latencyMs))].flatMap((lat) => {
    const d = solo.find((x) => x.target === 'registers-direct' && x.latencyMs === lat);
    const b = solo.find((x) => x.target === 'broker-sqlite' && x.latencyMs === lat);
    const a = solo.find((x) => x.target === 'proxy-xml' && x.latencyMs === lat);
    if (!d || !b) return [];
    return [`${f(b.result.p50Ms - d.result.p50Ms, 1)} ms${a ? ` (baseline (a): ${f(a.result.p50Ms - d.result.p50Ms, 1)} ms)` : ''} at ${lat} ms`];
  });
  return parts.length > 0 ? `. One request at a time, with no queueing, the broker already adds (p50) ${parts.join('; ')}` : '';
}

function addedLatency(r: Results) {
  const out: { target: TargetId; latencyMs: number; p50: number; p99: number; directP50: number; directP99: number; addedP50: number; addedP99: number }[] = [];
  for (const o of r.open) {
    if (o.target === 'registers-direct') continue;
    const d = r.open.find((x) => x.target === 'registers-direct' && x.latencyMs === o.latencyMs);
    if (!d) continue;
    out.push({
      target: o.target,
      latencyMs: o.latencyMs,
      p50: o.result.p50Ms,
      p99: o.result.p99Ms,
      directP50: d.result.p50Ms,
      directP99: d.result.p99Ms,
      addedP50: o.result.p50Ms - d.result.p50Ms,
      addedP99: o.result.p99Ms - d.result.p99Ms,
    });
  }
  return out;
}

/** SQLite's execution time per request under load (µs), or null where none was measured (PostgreSQL). */
export function sqliteUsPerRequest(us: Record<string, number> | undefined, requests: number): number | null {
  if (!us || Object.keys(us).length === 0 || requests <= 0) return null;
  return Object.values(us).reduce((a, b) => a + b, 0) / requests;
}

export function renderReport(r: Results): { markdown: string; console: string } {
  const m = r.meta;
  const parts: string[] = [];
  const consoleParts: string[] = [];
  const section = (title: string, body: string, onConsole = true) => {
    parts.push(`## ${title}\n\n${body}\n`);
    if (onConsole) consoleParts.push(`## ${title}\n\n${body}\n`);
  };

  parts.push(
    `# Benchmark results\n\n` +
      `Generated by \`bench/run.ts\`; see \`bench/README.md\` for what each figure means. Absolute numbers drift on these shared ` +
      `machines (±15% between runs is normal); the ratios between targets measured in the same run are the robust part.\n`,
  );
  section(
    'Run',
    table(
      ['', ''],
      [
        ['command', `\`${m.command}\``],
        ['date', m.date],
        ['commit', m.commit],
        ['machine', `${m.cpus}, ${f(m.memoryGb, 1)} GiB RAM, ${m.os}`],
        ['Node', m.node],
        [
          'processes under test run',
          (m.runtime ?? 'tsx') === 'built'
            ? `compiled (\`npm run build\`: tsc into dist/), with node alone, MALLOC_ARENA_MAX=2 and MALLOC_MMAP_THRESHOLD_=32768 (broker and baselines also ${(m.deployedNodeFlags ?? ['--max-old-space-size=512']).join(' ')}), as \`npm run start:built\` runs the broker on this machine (\`--runtime tsx\` runs the .ts sources through the tsx loader instead, as \`npm start\` does: ~200 MB more RSS)`
            : 'from the TypeScript sources through the tsx loader (`node --import tsx`), as `npm start` does',
        ],
        ['libraries', Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')],
        ['databases', `SQLite ${m.sqlite} (WAL, broker's connection: synchronous=${r.brokerInfo['broker-sqlite']?.sqlitePragmas?.synchronous ?? 'n/a'}); PostgreSQL: ${r.postgres === 'measured' ? m.postgres : r.postgres}`],
        ['broker config', `testConfig defaults, LOG_LEVEL=${m.logLevel} (pino lines to /dev/null), REGISTER_TIMEOUT_MS=5000, rate limit per participant lifted to 1,000,000/min (one bench authority sends everything); in-flight limits and SIGNING_THREADS at their defaults (${m.signingThreads ?? 'n/a'} signing thread(s) in the broker and in baseline (a))`],
        ['sizes', `${f(Number(m.params.citizens))} distinct citizens with a consent each; closed loops ${m.params.closedS} s after a ${m.params.warmS} s warm-up${Number(m.params.rounds ?? 1) > 1 ? `, ${m.params.rounds} rounds taking turns between the targets (each keeps its better round)` : ''}; open loops ${m.params.openS} s`],
        ['RSS right after start (broker: after seeding its consents and one full GC of the seeding garbage)', Object.entries(r.idleRssMb).map(([t, mb]) => `${t} ${f(mb)} MB`).join(', ') || 'n/a'],
        ...(m.note ? [['note', m.note]] : []),
        ...(m.renderedAt ? [['report', `written again from RESULTS.json on ${m.renderedAt} (\`npm run bench -- --render bench/RESULTS.json\`): presentation only, the figures are this run's`]] : []),
        ['shared machine', `waited ${f(r.noise.waitedMs / 1000)} s in all for other processes to quieten; ${r.noise.repeated} phase(s) run again because of them`],
      ],
      ['l', 'l'],
    ),
  );

  const verdicts = evaluateTargets(r);
  if (verdicts.length > 0) {
    section('Targets (issue 9, SQLite, this 2-core machine)', table(['target', 'measured', 'met?'], verdicts.map((v) => [v.target, v.figure, v.met === null ? 'n/a (quick run)' : v.met ? '**yes**' : '**no**']), ['l', 'l', 'l']));
  }

  // ---- closed loop ----
  if (r.closed.length > 0) {
    const latencies = [...new Set(r.closed.map((c) => c.latencyMs))];
    const targets = [...new Set(r.closed.map((c) => c.target))];
    const cap = (t: TargetId, lat: number) => Math.max(0, ...r.closed.filter((c) => c.target === t && c.latencyMs === lat).map((c) => c.result.goodRps));
    const conns = [...new Set(r.closed.map((c) => c.result.connections))];
    const rps = (t: TargetId, lat: number, c: number) => r.closed.find((x) => x.target === t && x.latencyMs === lat && x.result.connections === c)?.result.goodRps ?? NaN;
    const rows: string[][] = [];
    for (const lat of latencies) {
      const ratioRow = (label: string, a: TargetId, b: TargetId) => {
        if (!targets.includes(a) || !targets.includes(b)) return;
        // A side with (almost) no complete answers collapsed under overload: a ratio would mean nothing.
        const ratio = (x: number, y: number) => (x < 1 || y < 1 ? 'n/a (collapsed)' : pct(x / y));
        rows.push([`${lat} ms`, label, ...conns.map((c) => ratio(rps(a, lat, c), rps(b, lat, c))), ratio(cap(a, lat), cap(b, lat))]);
      };
      ratioRow('broker (SQLite) ÷ (a) — cost of the broker', 'broker-sqlite', 'proxy-xml');
      ratioRow('broker (PostgreSQL) ÷ (a)', 'broker-postgresql', 'proxy-xml');
      ratioRow('(a) ÷ (b) — cost of the XML protocol', 'proxy-xml', 'proxy-raw');
      const cpuRow = (label: string, a: TargetId, b: TargetId) => {
        if (!targets.includes(a) || !targets.includes(b)) return;
        const cpu = (t: TargetId, c: number) => {
          const x = r.closed.find((y) => y.target === t && y.latencyMs === lat && y.result.connections === c);
          return x && x.result.goodRps >= 1 ? cpuPerReq(x.stats, x.result.completed) : NaN;
        };
        // Overload runs (200 connections) leave work for abandoned requests in the CPU figures: left out here.
        const all = (t: TargetId) => {
          const xs = r.closed.filter((y) => y.target === t && y.latencyMs === lat && y.result.connections < 200);
          return xs.reduce((s2, y) => s2 + y.stats.cpuUserMs + y.stats.cpuSystemMs, 0) / Math.max(1, xs.reduce((s2, y) => s2 + y.result.completed, 0));
        };
        rows.push([`${lat} ms`, label, ...conns.map((c) => pct(cpu(b, c) / cpu(a, c))), pct(all(b) / all(a))]);
      };
      cpuRow("CPU efficiency: (a)'s CPU/req ÷ broker (SQLite)'s", 'broker-sqlite', 'proxy-xml');
      cpuRow("CPU efficiency: (b)'s CPU/req ÷ (a)'s", 'proxy-xml', 'proxy-raw');
    }
    section(
      'Throughput ratios (closed loop)',
      table(['register latency', 'ratio', ...conns.map((c) => `${c} conns`), 'best ÷ best (CPU: runs below 200 conns)'], rows, ['l', 'l', ...conns.map(() => 'r' as const), 'r']) +
        `\n\nThroughput ratios compare requests per second in the same run. On 2 cores the target, the simulators and the load ` +
        `generator share the CPU, so the CPU-efficiency rows (target process CPU per request, lower is better, shown as the ` +
        `cheaper ÷ the dearer) are the steadier measure of what the broker adds.`,
    );

    // Grouped by target, then register latency, then connections (the run takes turns between targets).
    const targetOrder = [...new Set(r.closed.map((c) => c.target))];
    const grouped = [...r.closed].sort(
      (x, y) => targetOrder.indexOf(x.target) - targetOrder.indexOf(y.target) || x.latencyMs - y.latencyMs || x.result.connections - y.result.connections,
    );
    const detail = grouped.map((c) => [
      c.label,
      `${c.latencyMs} ms`,
      c.result.connections,
      f(c.result.goodRps),
      c.result.incomplete + c.result.failed > 0 ? f(c.result.rps) : '=',
      f(c.result.latencyP50Ms),
      f(c.result.latencyP99Ms),
      f(cpuPerReq(c.stats, c.result.completed), 2),
      f(cpuPerReq(c.sims, c.result.completed), 2),
      f(c.stats.elu * 100),
      f(c.stats.eventLoopDelayP99Ms, 1),
      f(c.stats.rssPeakMb),
      c.result.failed + c.result.incomplete === 0
        ? '0'
        : `${c.result.failed}${Object.keys(c.result.failures ?? {}).length > 0 ? ` (${Object.entries(c.result.failures).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}` +
          `+${c.result.incomplete}${Object.keys(c.result.incompleteReasons ?? {}).length > 0 ? ` (${Object.entries(c.result.incompleteReasons).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`,
      noise(c),
    ]);
    section(
      'Throughput (closed loop, autocannon)',
      table(
        ['target', 'register latency', 'conns', 'complete req/s', 'all answers/s', 'p50 ms', 'p99 ms', 'CPU ms/req', 'simulators CPU ms/req', 'ELU %', 'loop delay p99 ms', 'RSS peak MB', 'failed+incomplete', 'other procs, cores'],
        detail,
      ) +
        `\n\n"complete req/s" counts answers in which every item is final (what capacity and the ratios use); "all answers/s" ` +
        `also counts 2xx answers with an unavailable item and errors, when there were any; "failed+incomplete" splits failures by ` +
        `HTTP status (or client errors/timeouts) and incomplete answers by the items' reason codes. CPU ms/req is the target process's user+system CPU over the run divided by the requests answered; the simulators run in ` +
        `their own process (their CPU is shown apart). ELU = event-loop utilization of the target process. Latencies of a closed loop ` +
        `hide queueing: use the fixed-rate table below for latency. "other procs" is CPU (in cores, of ${m.cpus.split(' ')[0]}) used during the run ` +
        `by processes that are not the bench's (the target, the simulators, the load generator): a shared machine's noise; a run ` +
        `with more than 0.3 cores of it is repeated (up to twice) and the quietest attempt kept.`,
    );
  }

  // ---- open loop ----
  if (r.open.length > 0) {
    const added = addedLatency(r);
    const rows = r.open.map((o) => {
      const a = added.find((x) => x.target === o.target && x.latencyMs === o.latencyMs);
      return [
        o.label,
        `${o.latencyMs} ms`,
        f(o.result.rate),
        `${o.result.ok}/${o.result.sent}`,
        f(o.result.p50Ms, 1),
        f(o.result.p90Ms, 1),
        f(o.result.p99Ms, 1),
        f(o.result.p999Ms, 1),
        f(o.result.maxMs, 1),
        a ? f(a.addedP50, 1) : '—',
        a ? f(a.addedP99, 1) : '—',
        o.stats ? f(o.stats.eventLoopDelayP99Ms, 1) : '—',
        o.stats ? f(cpuPerReq(o.stats, o.result.ok + o.result.notOk), 2) : '—',
        o.stats ? f(o.stats.rssPeakMb) : '—',
        noise(o),
      ];
    });
    const lag = Math.max(...r.open.map((o) => o.result.sendLagP99Ms));
    section(
      'Latency at a fixed arrival rate (open loop, 50% of the broker\'s capacity)',
      table(
        ['target', 'register latency', 'rate req/s', 'complete/sent', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'added p50 ms', 'added p99 ms', 'loop delay p99 ms', 'CPU ms/req', 'RSS peak MB', 'other procs, cores'],
        rows,
      ) +
        `\n\nRequests leave on a fixed schedule whatever the target does; latency counts from the scheduled send time, so a stall ` +
        `is paid by every request queued behind it. The rate is 50% of broker (SQLite)'s best closed-loop throughput at that register ` +
        `latency with 10 or 50 connections (broker on PostgreSQL: 50% of its own); all other targets get the same rate. The open ` +
        `loop runs before the 200-connection overload, and only once the target answers completely again. "added" = this target's percentile minus ` +
        `the same percentile of the three registers called directly (time until the slowest of the three answered). The generator's ` +
        `own send lag (p99 ≤ ${f(lag, 1)} ms) is in every figure alike.`,
    );
  }

  // ---- one at a time ----
  if (r.solo && r.solo.length > 0) {
    const solo = r.solo;
    const rows = solo.map((o) => {
      const d = solo.find((x) => x.target === 'registers-direct' && x.latencyMs === o.latencyMs);
      const direct = o.target === 'registers-direct' || !d;
      return [o.label, `${o.latencyMs} ms`, `${o.result.ok}/${o.result.sent}`, f(o.result.p50Ms, 1), f(o.result.p90Ms, 1), f(o.result.p99Ms, 1), direct ? '—' : f(o.result.p50Ms - d.result.p50Ms, 1), direct ? '—' : f(o.result.p99Ms - d.result.p99Ms, 1)];
    });
    section(
      'Latency one request at a time (no queueing: the floor under the fixed-rate figures)',
      table(['target', 'register latency', 'complete/sent', 'p50 ms', 'p90 ms', 'p99 ms', 'added p50 ms', 'added p99 ms'], rows) +
        `\n\nEach target gets its next request only when the previous one is answered, one connection, after 10 warm-up requests: ` +
        `nothing queues, so "added" here is the work on a request's own critical path (for the registers called directly: ` +
        `the slowest of the three). The fixed-rate table above adds queueing behind other requests to this.`,
    );
  }

  // ---- queries ----
  if (r.queries.length > 0) {
    const keys = [...new Set(r.queries.flatMap((q) => Object.keys(q.counts)))];
    const per = (q: Results['queries'][number], k: string) => (q.counts[k] ?? 0) / Math.max(1, q.requests);
    keys.sort((a, b) => per(r.queries[0]!, b) - per(r.queries[0]!, a));
    const rows = keys.map((k) => [k, ...r.queries.map((q) => f(per(q, k), 2))]);
    rows.push(['**total**', ...r.queries.map((q) => `**${f(Object.values(q.counts).reduce((a, b) => a + b, 0) / Math.max(1, q.requests), 1)}**`)]);
    rows.push(['transaction hold time under load, p50 / p99 ms', ...r.queries.map((q) => `${f(q.transactions.p50Ms, 2)} / ${f(q.transactions.p99Ms, 2)}`)]);
    rows.push(['share of wall time a transaction is open', ...r.queries.map((q) => pct(q.transactions.holdShare))]);
    rows.push(['(load: 50 connections, 0 ms registers)', ...r.queries.map((q) => `${f(q.loadRps)} req/s`)]);
    // SQLite executes each statement within the call, on the event loop's thread: its time per request, by statement.
    const sqliteTime = (q: Results['queries'][number]) => {
      const us = q.transactions.sqliteUs;
      const total = sqliteUsPerRequest(us, q.loadRequests ?? 0);
      if (!us || total === null) return '—';
      const n = q.loadRequests!;
      const top = Object.entries(us)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([k, t]) => `${k} ${f(t / n)}`)
        .join(', ');
      return `${f(total)} (${top})`;
    };
    if (r.queries.some((q) => q.transactions.sqliteUs)) rows.push(['SQLite execution under load, µs per request (largest statements)', ...r.queries.map(sqliteTime)]);
    section(
      'SQL statements per evidence request',
      table(['statement (verb + table)', ...r.queries.map((q) => `${q.label} (${q.requests} requests)`)], rows) +
        `\n\nCounted at the drivers (better-sqlite3 statement executions, pg Client.query) in a separate run, not while timing. Each Prisma query ` +
        `or direct statement is one statement here; BEGIN/COMMIT are the group commit's transaction. The hold time is BEGIN → COMMIT on one connection ` +
        `while 50 connections load the broker: on SQLite one transaction runs at a time on the single connection, and ` +
        `statements outside it wait meanwhile (broker/db/sqlite-transaction-gate.ts), so a share near 100% means that ` +
        `connection is what limits throughput. Each await inside the transaction also ` +
        `waits for whatever else the event loop is doing, so the hold time grows with load. SQLite's execution time is measured around ` +
        `each better-sqlite3 call (it runs the statement synchronously on the event loop's thread, WAL writes and any checkpoint included).`,
    );
  }

  // ---- profiles ----
  if (r.profiles.length > 0) {
    const groups = [...new Set(r.profiles.flatMap((p) => p.summary.groups.map((g) => g.group)))];
    const us = (p: ProfileRow, g: string) => ((p.summary.groups.find((x) => x.group === g)?.ms ?? 0) * 1000) / Math.max(1, p.requests);
    groups.sort((a, b) => us(r.profiles[0]!, b) - us(r.profiles[0]!, a));
    const rows = groups.map((g) => [g, ...r.profiles.flatMap((p) => [f(us(p, g)), pct(us(p, g) / ((p.summary.busyMs * 1000) / Math.max(1, p.requests)))])]);
    rows.push(['**total busy CPU**', ...r.profiles.flatMap((p) => [`**${f((p.summary.busyMs * 1000) / Math.max(1, p.requests))}**`, '100%'])]);
    const head = ['self time by group (µs per request)', ...r.profiles.flatMap((p) => [p.label, '%'])];
    const windowNote = r.profiles.every((p) => p.windowed) ? 'cut to the load window' : 'NOT cut to the load window (includes start-up)';
    let body =
      table(head, rows) +
      `\n\n\`node --cpu-prof\` (250 µs sampling) of each process under the same closed loop (50 connections, 0 ms register latency, ` +
      `${m.params.profileS} s), ${windowNote}; ${r.profiles.map((p) => `${p.label}: ${f(p.requests)} requests`).join(', ')}. ` +
      `Self time only (a function's own code, not its callees); other processes used ${r.profiles.map((p) => `${noise(p)} cores (${p.label})`).join(', ')} ` +
      `during the analysed window. Profiles kept at: ${r.profiles.map((p) => `\`${p.file}\``).join(', ')}.`;
    for (const p of r.profiles) {
      const perReq = (ms: number) => (ms * 1000) / Math.max(1, p.requests);
      // Repository files run through tsx, so their line numbers are those of the transformed code: show the file only.
      const where = (fn: (typeof p.summary.functions)[number]) => (/^(broker|adapters|consent|bench)\//.test(fn.module) ? fn.module : fn.where);
      const top = p.summary.functions.slice(0, 25).map((fn) => [`\`${fn.name}\``, where(fn), fn.group, f(perReq(fn.ms), 1), pct(fn.ms / p.summary.busyMs)]);
      body += `\n\n**Top self-time functions — ${p.label}**\n\n` + table(['function', 'where', 'group', 'µs/req', '%'], top, ['l', 'l', 'l', 'r', 'r']);
      const mods = p.summary.modules.slice(0, 15).map((x) => [x.module, f(perReq(x.ms), 1), pct(x.ms / p.summary.busyMs)]);
      body += `\n\n**Top modules — ${p.label}**\n\n` + table(['module', 'µs/req', '%'], mods);
    }
    section('Where the CPU goes (profiles)', body, false);
    consoleParts.push(`## Where the CPU goes (profiles)\n\n${table(head, rows)}\n`);
  }
  if (r.layers && r.layers.length > 0) {
    const label: Record<LayerRow['layer'], string> = {
      protocol: "baseline (a)'s work alone: the three register calls with the XML protocol",
      service: '+ EvidenceService: directory, consent, request row, policies, group commit with the audit entry',
      broker: '+ Express, authentication, rate and in-flight limits, request log and metrics: the whole broker',
    };
    const rows: (string | number)[][] = [];
    for (const connections of [...new Set(r.layers.map((l) => l.connections))]) {
      let previous: LayerRow | null = null;
      for (const l of r.layers.filter((x) => x.connections === connections)) {
        rows.push([
          `${connections}`,
          label[l.layer],
          f(l.goodRps),
          f(l.cpuMsPerRequest, 2),
          f(l.mainMsPerRequest, 2),
          f(l.otherMsPerRequest, 2),
          previous ? signed(l.cpuMsPerRequest - previous.cpuMsPerRequest) : '',
          l.machine ? f(l.machine.foreignCores, 2) : 'n/a',
        ]);
        previous = l;
      }
    }
    section(
      "Where the broker's cost sits (its layers, served from one broker process)",
      table(['conns', 'layer', 'complete req/s', 'CPU ms/req', 'main thread', 'other threads', 'added by the layer', 'other procs, cores'], rows, ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r']) +
        `\n\nThe broker process (\`--sections layers\`: bench/broker-process.ts started with \`layers\`) also serves two bare node:http servers (bench/proxy-answers.ts): one answers as baseline (a) does, one through the broker's own EvidenceService for the bench authority. All three share one heap, the loaded code and the event loop, so the differences are what each layer adds per request, free of the process-level differences between the broker's and baseline (a)'s processes. CPU is the process's, split into its main thread and its other threads (signing worker, GC and compiler helpers; /proc/self/task). Closed loops at 0 ms registers, ${f(Number(m.params.closedS))} s each after a warm-up, the layers taking turns; each layer's median round by CPU per request, of ${f(r.layers[0]!.rounds)}.`,
    );
  }

  // ---- micro ----
  const mi = r.micro;
  if (mi.appends.length > 0) {
    section(
      'Audit appends (one AuditLog.append per db.$transaction, and AuditLog.record through group commit)',
      table(
        ['setup', 'sync mode', 'how', 'concurrency', 'appends/s', 'p50 ms', 'p99 ms', 'chain verifies', 'other procs, cores'],
        mi.appends.map((a) => [
          a.label,
          a.synchronous ? `${a.journalMode}, ${a.synchronous}` : 'PostgreSQL (see its settings under Run)',
          a.mode === 'group-commit' ? 'group commit' : `${a.perTransaction} per transaction`,
          a.concurrency,
          f(a.appendsPerS),
          f(a.txP50Ms, 2),
          f(a.txP99Ms, 2),
          a.chainVerified ? 'yes' : 'NO',
          noise(a),
        ]),
      ) +
        (mi.killTest
          ? `\n\nProcess-kill test (SQLite, broker default): ${f(mi.killTest.acknowledged)} appends acknowledged, then the process SIGKILLed itself right after ` +
            `the last commit returned; ${f(mi.killTest.found)} entries found on reopening, chain verifies: ${mi.killTest.verified ? 'yes' : 'NO'}.`
          : '') +
        `\n\np50/p99: per transaction (one per transaction) or per caller from its call to its acknowledgement after COMMIT (group commit). ` +
        `WAL with synchronous=NORMAL (better-sqlite3's compiled default for WAL, which the broker's connection keeps) makes a commit ` +
        `durable against a process crash or kill, not against power loss or an OS crash (the last commits may be lost then; the database ` +
        `stays consistent). synchronous=FULL fsyncs every commit.`,
    );
  }
  if (mi.verify) {
    const v = mi.verify;
    section(
      'Verifying the audit chain',
      table(
        ['entries', 'AuditLog.verify s', 'entries/s', 'ok', 'raw better-sqlite3 verify s', 'generate + bulk insert s', 'database MB', 'RSS peak MB', 'other procs, cores'],
        [[f(v.entries), f(v.verifyS, 1), f(v.verifyEntriesPerS), v.ok ? 'yes' : 'NO', f(v.rawVerifyS, 1), f(v.generateS, 1), f(v.dbMb), f(v.rssPeakMb), noise({ machine: v.machine, attempts: 1 })]],
      ) +
        `\n\nThe chain is generated with broker/audit/chain.ts (salted commitments, linked hashes) and bulk-inserted with better-sqlite3 ` +
        `into a database made by the migrations; the first entry goes through the real AuditLog.append. "raw" recomputes the same ` +
        `hashes over one joined better-sqlite3 query: the difference is Prisma's cost of reading 2 × ${f(v.entries)} rows.`,
    );
  }
  if (mi.consents) {
    const c = mi.consents;
    section(
      `Consent checks with ${f(c.consents)} consents stored (decidePermission over PrismaConsentStore, SQLite)`,
      table(
        ['lookup', 'concurrency', 'checks/s', 'p50 ms', 'p99 ms'],
        c.runs.map((x) => [x.mode === 'find' ? 'find the consent (grantee, citizen, purpose)' : 'named consentId', x.concurrency, f(x.checksPerS), f(x.p50Ms, 3), f(x.p99Ms, 3)]),
      ) +
        `\n\nConsents bulk-inserted in ${f(c.insertS, 1)} s (better-sqlite3, dates in the Prisma adapter's format). Other processes used ` +
        `${noise({ machine: c.machine, attempts: 1 })} cores during this benchmark.`,
    );
  }
  if (mi.service && mi.service.length > 0) {
    section(
      "The broker's own work per request, without the register protocol (EvidenceService + authentication, SQLite)",
      table(
        ['concurrent callers', 'requests', 'req/s', 'CPU µs/req', 'other procs, cores'],
        mi.service.map((x) => [x.concurrency, f(x.requests), f(x.requestsPerS), f(x.cpuUsPerRequest), noise({ machine: x.machine, attempts: x.attempts })]),
      ) +
        `\n\nbench/micro-service.ts: the real token authentication and EvidenceService.submit (directory checks, consent lookup, ` +
        `request row, group commit of the answer with its audit entry) over ${f(mi.service[0]!.consents)} consents, the three registers ` +
        `being adapters that answer at once with what the real adapters fetched from the simulators. No HTTP, no Express, no XML: ` +
        `the CPU per request (all of the process's threads) is what the broker adds to baseline (a) apart from Express, measured ` +
        `in one process and so steadier than the end-to-end ratio. With 16 callers the group commit shares each transaction.`,
    );
  }
  if (mi.xml.length > 0) {
    section(
      'XML per message (adapters/*/messages.ts)',
      table(['family', 'operation', 'bytes', 'µs/op', 'ops/s (1 core)'], mi.xml.map((x) => [x.family, x.op, f(x.bytes), f(x.usPerOp, 1), f(x.opsPerS)]), ['l', 'l', 'r', 'r', 'r']) +
        `\n\nThe rows run whatever the message families do at this commit (when this was written: each message travels in a ` +
        `signed transport envelope — XML Signature with xml-crypto, RSA — and every incoming document is validated against its ` +
        `XSD with libxml2-wasm, then parsed with fast-xml-parser and checked with zod). "For comparison" rows time only the ` +
        `raw signature step over the salary answer's bytes with other keys and key handling. One core, ` +
        `after a warm-up of up to 1 s per operation; other processes used ${mi.xmlMachine ? noise(mi.xmlMachine) : 'n/a'} cores meanwhile.`,
    );
  }

  return { markdown: parts.join('\n'), console: consoleParts.join('\n') };
}
