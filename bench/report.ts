// The report: the targets with their figures, then the tables they come from, as one Markdown section of
// bench/RESULTS.md per kind of run (full or quick), each with the command that produced it.
import { readFileSync, writeFileSync } from 'node:fs';
import { EVIDENCE_TYPES } from '../adapters/index.ts';
import { LABELS, type ClosedRow, type LoadResults, type OpenRow, type TargetId } from './load.ts';
import type { MachineLoad, PhaseStats } from './measure.ts';
import type { MicroResults } from './micro.ts';
import type { NoiseLog } from './session.ts';

/** Everything one run measured, as written to RESULTS.json. */
export interface Results {
  meta: {
    command: string;
    date: string;
    commit: string;
    machine: string;
    node: string;
    versions: string;
    databases: string;
    quick: boolean;
    runtime: string;
    brokerConfig: string;
    sizes: string;
    renderedAt?: string;
  };
  load: LoadResults | null;
  micro: MicroResults | null;
  noise: NoiseLog;
}

const f = (n: number | undefined, d = 0) => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toLocaleString('en', { minimumFractionDigits: d, maximumFractionDigits: d }));
const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : 'n/a');
const cpu = (s: PhaseStats, n: number) => (s.cpuUserMs + s.cpuSystemMs) / Math.max(1, n);
const noise = (m: MachineLoad | null, attempts = 1) => (m ? `${f(m.foreignCores, 2)}${attempts > 1 ? ` (best of ${attempts})` : ''}` : 'n/a');
const signed = (n: number, d = 1) => (Number.isFinite(n) ? `${n < 0 ? '−' : '+'}${f(Math.abs(n), d)}` : 'n/a');
const verdict = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? '**yes**' : '**no**');

function table(head: string[], rows: (string | number)[][]): string {
  const align = head.map((_, i) => (rows.every((r) => /^[−+\d.,%/ n/a()*-]*$/.test(String(r[i] ?? ''))) ? '---:' : ':---'));
  return [`| ${head.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** A target's closed loops below 200 connections at one register latency: best throughput, pooled CPU per request. */
function capacity(load: LoadResults, target: TargetId, latencyMs: number): { rps: number; cpuMs: number } | null {
  const rows = load.closed.filter((r) => r.target === target && r.latencyMs === latencyMs && r.connections < 200);
  if (rows.length === 0) return null;
  const requests = rows.reduce((s, r) => s + r.requests, 0);
  return { rps: Math.max(...rows.map((r) => r.goodRps)), cpuMs: rows.reduce((s, r) => s + r.stats.cpuUserMs + r.stats.cpuSystemMs, 0) / Math.max(1, requests) };
}
const openOf = (load: LoadResults, target: TargetId, latencyMs: number): OpenRow | undefined => load.open.find((r) => r.target === target && r.latencyMs === latencyMs);
const latencies = (load: LoadResults) => [...new Set(load.closed.map((r) => r.latencyMs))];

function targets(r: Results): string[][] {
  const out: string[][] = [];
  const load = r.load;
  const at = (parts: string[]) => parts.filter(Boolean).join('; ') || 'n/a';
  if (load) {
    for (const db of ['broker-sqlite', 'broker-postgresql'] as const) {
      const parts: string[] = [];
      let ok: boolean | null = null;
      for (const ms of latencies(load)) {
        const b = capacity(load, db, ms);
        const a = capacity(load, 'proxy-xml', ms);
        if (!b || !a) continue;
        const tp = b.rps / a.rps;
        const eff = a.cpuMs / b.cpuMs;
        ok = (ok ?? true) && tp >= 0.85 && eff >= 0.85;
        parts.push(`${ms} ms: ${pct(tp)} (broker ${f(b.rps)} vs (a) ${f(a.rps)} req/s), CPU efficiency ${pct(eff)} ((a) ${f(a.cpuMs, 2)} vs broker ${f(b.cpuMs, 2)} ms/req, pooled over the closed loops below 200 connections)`);
      }
      out.push([`0. ${LABELS[db]} ÷ (a) ≥ 85%, throughput and CPU efficiency, 0 and 20 ms registers`, at(parts), verdict(ok)]);
    }
    const lat: string[] = [];
    let latOk: boolean | null = null;
    for (const ms of latencies(load)) {
      const b = openOf(load, 'broker-sqlite', ms);
      const a = openOf(load, 'proxy-xml', ms);
      if (!b || !a) continue;
      const added = b.result.p99Ms - a.result.p99Ms;
      latOk = (latOk ?? true) && added <= 5;
      lat.push(`${ms} ms: p99 ${signed(added)} ms (${f(b.result.p99Ms, 1)} vs ${f(a.result.p99Ms, 1)}), p50 ${signed(b.result.p50Ms - a.result.p50Ms)} ms, at ${f(b.result.rate)} req/s`);
    }
    out.push(['1. p99(broker) − p99(a) ≤ 5 ms at a fixed rate of 50% of (a)’s capacity (SQLite)', at(lat), verdict(latOk)]);
    const a0 = capacity(load, 'proxy-xml', 0);
    const b0 = capacity(load, 'proxy-raw', 0);
    const sig = r.micro?.signatures?.floorMsPerRequest;
    const floor = b0 && sig !== undefined ? b0.cpuMs + sig : NaN;
    out.push([
      `2. (a)’s CPU per request ≤ 1.5 × floor ((b)’s CPU per request + the ${EVIDENCE_TYPES.length} exchanges’ signature operations), 0 ms`,
      a0 && Number.isFinite(floor) ? `${f(a0.cpuMs, 2)} ms vs floor ${f(floor, 2)} ms (${f(b0!.cpuMs, 2)} + ${f(sig, 2)}): ${f(a0.cpuMs / floor, 1)} ×` : 'n/a',
      verdict(a0 && Number.isFinite(floor) ? a0.cpuMs <= 1.5 * floor : null),
    ]);
    out.push(['3. ECDSA registers: broker throughput ≥ 3 × RSA-3072', 'no ECDSA register profile to run at this commit (signature floor rows show ECDSA P-256’s cost)', verdict(null)]);
    const over = load.closed.filter((x) => x.target === 'broker-postgresql' && x.connections >= 200);
    const fiveXX = over.reduce((s, x) => s + Object.entries(x.failures).filter(([k]) => /^5/.test(k) && k !== '503').reduce((t, [, v]) => t + v, 0), 0);
    const pg50 = load.closed.filter((x) => x.connections === 50 && x.target === 'broker-postgresql');
    const ratio = pg50.map((p) => [p, load.closed.find((s) => s.target === 'broker-sqlite' && s.connections === 50 && s.latencyMs === p.latencyMs)] as const).filter(([, s]) => s);
    out.push([
      '4. PostgreSQL: no 5xx but 503 at 200 connections; broker on PostgreSQL ≥ 90% of SQLite at 50 connections',
      over.length + ratio.length === 0 ? 'PostgreSQL not measured' : at([over.length ? `${fiveXX} 5xx other than 503 at 200 connections` : '', ...ratio.map(([p, s]) => `${p.latencyMs} ms: ${pct(p.goodRps / s!.goodRps)}`)]),
      verdict(over.length + ratio.length === 0 ? null : fiveXX === 0 && ratio.every(([p, s]) => p.goodRps / s!.goodRps >= 0.9)),
    ]);
    const peak = Math.max(...load.closed.filter((x) => x.target === 'broker-sqlite' && x.connections >= 200).map((x) => x.stats.rssPeakMb));
    out.push(['5. RSS < 300 MB at 200 concurrent requests (broker, SQLite)', Number.isFinite(peak) ? `peak ${f(peak)} MB` : 'no 200-connection run', verdict(Number.isFinite(peak) ? peak < 300 : null)]);
    const loops = load.open.filter((x) => x.target === 'broker-sqlite');
    out.push(['5. event-loop delay p99 ≤ 20 ms (broker, SQLite, at the fixed rate)', at(loops.map((x) => `${f(x.stats.eventLoopDelayP99Ms, 1)} ms at ${x.latencyMs} ms`)), verdict(loops.length ? loops.every((x) => x.stats.eventLoopDelayP99Ms <= 20) : null)]);
  }
  const m = r.micro;
  if (m) {
    const gc = m.appends.find((x) => x.label.startsWith('SQLite, group commit (broker'));
    const base = m.appends.find((x) => x.label.includes('baseline'));
    const kill = m.killTest;
    out.push([
      '5. audit ≥ 5,000 durable appends/s (SQLite, group commit, with Merkle tree) and none lost to a kill',
      gc ? `${f(gc.appendsPerS)}/s, the tree grown in each append's transaction (${gc.treeLeaves === undefined ? 'tree not checked' : gc.treeLeaves >= 0 ? `${f(gc.treeLeaves)} leaves = entries` : 'tree and entries DIFFER'}) (baseline one per transaction: ${f(base?.appendsPerS)}/s); kill test: ${kill ? `${kill.found}/${kill.acknowledged} acknowledged entries found, chain verifies: ${kill.verified}` : 'n/a'}` : 'n/a',
      verdict(gc ? gc.appendsPerS >= 5000 && gc.treeLeaves !== -1 && !!kill && kill.found >= kill.acknowledged && kill.verified : null),
    ]);
    const pr = m.proofs;
    out.push([
      `22. proofs O(log n), well under 5 ms at 10,000,000 leaves${pr && pr.leaves !== 10_000_000 ? ` (this run: ${f(pr.leaves)})` : ''}; storage: perfect-subtree rows (level, idx)`,
      pr
        ? `inclusion p50 ${f(pr.inclusion.p50Ms, 2)} / p99 ${f(pr.inclusion.p99Ms, 2)} ms, consistency p50 ${f(pr.consistency.p50Ms, 2)} / p99 ${f(pr.consistency.p99Ms, 2)} ms (${f(pr.inclusion.rowsPerProof, 1)} and ${f(pr.consistency.rowsPerProof, 1)} rows read per proof, one query); one row by primary key ${f(pr.lookup.p50Ms, 2)} ms p50 → proof ÷ lookup ${f(pr.inclusion.p50Ms / pr.lookup.p50Ms, 1)} × and ${f(pr.consistency.p50Ms / pr.lookup.p50Ms, 1)} ×; proofs check out with the independent verifier: ${pr.verified}`
        : 'n/a',
      verdict(pr ? pr.verified && pr.inclusion.p99Ms < 5 && pr.consistency.p99Ms < 5 : null),
    ]);
    const v = m.verify;
    out.push([
      `5. verify 1,000,000 entries < 10 s, the Merkle tree rebuilt in full (a signed head at the end)${v && v.entries !== 1_000_000 ? ` (this run: ${f(v.entries)}, scaled)` : ''}`,
      v ? `${f(v.verifyS, 1)} s for ${f(v.entries)}${v.signedHeads === undefined ? '' : `, ${f(v.signedHeadsChecked)} of ${f(v.signedHeads)} signed heads compared`} (runs ${v.verifyRunsS.map((s) => f(s, 1)).join(' / ')} s; raw better-sqlite3 ${f(v.rawVerifyS, 1)} s, chain only), ok: ${v.ok}` : 'n/a',
      verdict(v ? v.ok && (v.verifyS * 1_000_000) / v.entries < 10 : null),
    ]);
  }
  return out;
}

function ratios(load: LoadResults): string[][] {
  const rows: string[][] = [];
  const conns = [...new Set(load.closed.map((r) => r.connections))].sort((x, y) => x - y);
  for (const ms of latencies(load)) {
    const row = (label: string, num: TargetId, den: TargetId, by: 'rps' | 'cpu') => {
      const cell = (c: number) => {
        const n = load.closed.find((r) => r.target === num && r.latencyMs === ms && r.connections === c);
        const d = load.closed.find((r) => r.target === den && r.latencyMs === ms && r.connections === c);
        if (!n || !d) return 'n/a';
        return pct(by === 'rps' ? n.goodRps / d.goodRps : cpu(d.stats, d.requests) / cpu(n.stats, n.requests));
      };
      if (load.closed.some((r) => r.target === num) && load.closed.some((r) => r.target === den)) rows.push([`${ms} ms`, label, ...conns.map(cell)]);
    };
    row('broker (SQLite) ÷ (a): cost of the broker', 'broker-sqlite', 'proxy-xml', 'rps');
    row('broker (PostgreSQL) ÷ (a)', 'broker-postgresql', 'proxy-xml', 'rps');
    row('(a) ÷ (b): cost of the register protocol', 'proxy-xml', 'proxy-raw', 'rps');
    row('CPU efficiency: (a)’s CPU/req ÷ broker (SQLite)’s', 'broker-sqlite', 'proxy-xml', 'cpu');
    row('CPU efficiency: (a)’s CPU/req ÷ broker (PostgreSQL)’s', 'broker-postgresql', 'proxy-xml', 'cpu');
    row('CPU efficiency: (b)’s CPU/req ÷ (a)’s', 'proxy-xml', 'proxy-raw', 'cpu');
  }
  return [['register latency', 'ratio', ...conns.map((c) => `${c} conns`)], ...rows];
}

const perReq = (figures: Record<string, number>, n: number) => Object.values(figures).reduce((s, v) => s + v, 0) / Math.max(1, n);

function closedRow(r: ClosedRow): (string | number)[] {
  const fails = Object.entries(r.failures).map(([k, v]) => `${k}: ${v}`).join(', ');
  return [LABELS[r.target], `${r.latencyMs} ms`, r.connections, f(r.goodRps), f(cpu(r.stats, r.requests), 2), f((r.stats.threadCpuMs.main ?? 0) / Math.max(1, r.requests), 2), f((r.stats.threadCpuMs.other ?? 0) / Math.max(1, r.requests), 2), f(perReq(r.stats.gcPauseMs, r.requests), 2), f(cpu(r.sims, r.requests), 2), f(r.stats.elu * 100), f(r.stats.eventLoopDelayP99Ms, 1), f(r.stats.rssPeakMb), `${fails || '0'}${r.incomplete ? ` + ${r.incomplete} incomplete` : ''}`, noise(r.machine, r.attempts)];
}

function openRow(load: LoadResults, r: OpenRow): (string | number)[] {
  const a = openOf(load, 'proxy-xml', r.latencyMs);
  const minus = (x: number, y: number | undefined) => (r.target === 'proxy-xml' || y === undefined ? '' : signed(x - y));
  const o = r.result;
  return [LABELS[r.target], `${r.latencyMs} ms`, f(o.rate), `${o.ok}/${o.sent}`, f(o.p50Ms, 1), f(o.p90Ms, 1), f(o.p99Ms, 1), f(o.maxMs, 1), minus(o.p50Ms, a?.result.p50Ms), minus(o.p99Ms, a?.result.p99Ms), f(r.stats.eventLoopDelayP99Ms, 1), f(cpu(r.stats, o.ok + o.notOk), 2), f(r.stats.rssPeakMb), noise(r.machine, r.attempts)];
}

/** The Markdown section for one run. */
export function renderSection(r: Results): string {
  const m = r.meta;
  const s: string[] = [];
  s.push(m.quick ? `## Quick run (smoke check only: short phases, small sizes; not figures to judge the targets by)` : `## Full run`);
  s.push(table(['', ''], [
    ['command', `\`${m.command}\``], ['date', m.date + (m.renderedAt ? ` (rendered again ${m.renderedAt})` : '')], ['commit', m.commit], ['machine', m.machine], ['Node', m.node],
    ['processes under test', m.runtime], ['libraries', m.versions], ['databases', m.databases], ['broker config', m.brokerConfig], ['sizes', m.sizes],
    ['RSS right after start', r.load ? Object.entries(r.load.idleRssMb).map(([k, v]) => `${LABELS[k as TargetId]} ${f(v)} MB`).join(', ') : 'n/a'],
    ['shared machine', `waited ${f(r.noise.waitedMs / 1000)} s in all for other processes to quieten; ${r.noise.repeated} phase(s) run again because of them`],
  ]));
  const verdicts = m.quick ? targets(r).map(([t, x, v]) => [t!, x!, v!.replace(/\*\*(yes|no)\*\*/, '$1 (smoke check, not a verdict)')]) : targets(r);
  s.push(`### Targets\n\n${table(['target', 'measured', 'met?'], verdicts)}`);
  const load = r.load;
  if (load) {
    const [head, ...rows] = ratios(load);
    s.push(`### Throughput ratios (closed loop, same run)\n\n${table(head!, rows)}\n\nCPU efficiency is the cheaper target's CPU per request ÷ the dearer's: on 2 shared cores the steadier measure.`);
    s.push(`### Closed loop (autocannon): capacity, CPU, memory\n\n${table(['target', 'registers', 'conns', 'complete req/s', 'CPU ms/req', 'main thread', 'other threads', 'GC pause', 'simulators CPU ms/req', 'ELU %', 'loop delay p99 ms', 'RSS peak MB', 'failures', 'other procs, cores'], load.closed.map(closedRow))}`);
    s.push(`### Latency at a fixed arrival rate (open loop, 50% of (a)'s capacity)\n\n${table(['target', 'registers', 'rate req/s', 'complete/sent', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'p50 − (a)', 'p99 − (a)', 'loop delay p99 ms', 'CPU ms/req', 'RSS peak MB', 'other procs, cores'], load.open.map((o) => openRow(load, o)))}`);
  }
  if (load?.statements?.length) {
    const keys = [...new Set(load.statements.flatMap((x) => Object.keys(x.perRequest)))].sort((x, y) => (load.statements[0]!.perRequest[y] ?? 0) - (load.statements[0]!.perRequest[x] ?? 0));
    const total = (x: LoadResults['statements'][number]) => Object.values(x.perRequest).reduce((a, b) => a + b, 0);
    s.push(`### SQL statements per evidence request (counted at the drivers, untimed)\n\n${table(['statement', ...load.statements.map((x) => `${LABELS[x.target]} (${x.requests} requests)`)], [...keys.map((k) => [k, ...load.statements.map((x) => f(x.perRequest[k] ?? 0, 2))]), ['**total**', ...load.statements.map((x) => `**${f(total(x), 1)}**`)]])}`);
  }
  const micro = r.micro;
  if (micro) {
    s.push(`### Audit appends (AuditLog.append per transaction = the baseline; AuditLog.record through group commit)\n\n${table(['setup', 'sync', 'appends/s', 'p50 ms', 'p99 ms', 'chain verifies', 'other procs, cores'], micro.appends.map((x) => [x.label, x.synchronous ?? 'n/a', f(x.appendsPerS), f(x.txP50Ms, 2), f(x.txP99Ms, 2), x.chainVerified ? 'yes' : 'NO', noise(x.machine, x.attempts)]))}`);
    if (micro.killTest) s.push(`Process-kill test: ${micro.killTest.acknowledged} appends acknowledged, then SIGKILL right after the last commit; ${micro.killTest.found} entries found on reopening, chain verifies: ${micro.killTest.verified ? 'yes' : 'NO'}.`);
    const pr = micro.proofs;
    if (pr) {
      const row = (label: string, x: { p50Ms: number; p99Ms: number; maxMs: number }, rows: string) => [label, f(x.p50Ms, 3), f(x.p99Ms, 3), f(x.maxMs, 2), rows, f(x.p50Ms / pr.lookup.p50Ms, 1)];
      s.push(
        `### Merkle proofs on ${f(pr.leaves)} leaves (storage: perfect-subtree rows (level, idx); one AuditTreeNode row by primary key = the baseline)\n\n${table(['read', 'p50 ms', 'p99 ms', 'max ms', 'rows read', 'p50 ÷ baseline'], [
          row(`AuditLog.inclusionProof(random index, ${f(pr.leaves)})`, pr.inclusion, f(pr.inclusion.rowsPerProof, 1)),
          row(`AuditLog.consistencyProof(random from, ${f(pr.leaves)})`, pr.consistency, f(pr.consistency.rowsPerProof, 1)),
          row('baseline: one row by primary key (Prisma findUnique, same client)', pr.lookup, '1'),
          row('for comparison: one row by primary key, better-sqlite3 directly', pr.rawLookup, '1'),
        ])}\n\n${f(pr.samples)} of each, random, after a warm-up; ${f(pr.rows)} subtree rows, database ${f(pr.dbMb)} MB, written in ${f(pr.generateS, 1)} s; RSS peak ${f(pr.rssPeakMb)} MB; other procs ${noise(pr.machine)} cores. A proof of each kind checks out with the independent verifier (proof-verifier.ts) against the root the bench computed itself: ${pr.verified ? 'yes' : 'NO'}.`,
      );
    }
    const v = micro.verify;
    if (v) s.push(`### Verifying the audit chain and rebuilding its Merkle tree (raw better-sqlite3, chain only = the baseline)\n\n${table(['entries', 'signed heads compared', 'AuditLog.verify s', 'runs s', 'ok', 'raw verify s', 'generate s', 'database MB', 'RSS peak MB', 'other procs, cores'], [[f(v.entries), v.signedHeads === undefined ? 'n/a' : `${f(v.signedHeadsChecked)} of ${f(v.signedHeads)}`, f(v.verifyS, 1), v.verifyRunsS.map((x) => f(x, 1)).join(' / '), v.ok ? 'yes' : 'NO', f(v.rawVerifyS, 1), f(v.generateS, 1), f(v.dbMb), f(v.rssPeakMb), noise(v.machine)]])}`);
    const sig = micro.signatures;
    if (sig) s.push(`### Signature floor (one core, the bench's keys over the adapters' query bytes)\n\n${table(['operation', 'bytes', 'µs/op'], [...sig.rows.map((x) => [x.op, f(x.bytes), f(x.usPerOp, 1)]), ['**per request: every register\'s sign + verify**', '', `**${f(sig.floorMsPerRequest * 1000, 0)}**`]])}\n\nOther processes used ${noise(sig.machine, sig.attempts)} cores meanwhile.`);
  }
  return s.join('\n\n');
}

const MARK = (quick: boolean) => [`<!-- bench:${quick ? 'quick' : 'full'}:start -->`, `<!-- bench:${quick ? 'quick' : 'full'}:end -->`] as const;

/** Writes this run's section into RESULTS.md, keeping the other kind of run's section as it was. */
export function writeResults(file: string, r: Results): void {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = '# Benchmark results\n\nWritten by `bench/run.ts`; `bench/README.md` says what each figure means.\n';
  }
  const [start, end] = MARK(r.meta.quick);
  const section = `${start}\n${renderSection(r)}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + section + text.slice(j + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, text);
}
