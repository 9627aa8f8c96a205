// The load driver: the broker (SQLite, PostgreSQL), baselines (a) and (b) side by side on the same simulators.
// Per register latency: closed loops (autocannon) taking turns find capacity, an open loop at 50% of (a)'s
// capacity measures latency, then 200 connections overload. Last, SQL statements per request, untimed.
import autocannon from 'autocannon';
import { EVIDENCE_TYPES, type EvidenceType } from '../adapters/index.ts';
import type { SimulatorInstance } from '../adapters/simulators.ts';
import type { ProxyArgs, ProxyReady } from './baselines.ts';
import { freshPostgres, freshSqlite, type BenchDatabase } from './bench-db.ts';
import type { BrokerArgs, BrokerReady } from './broker-process.ts';
import { benchCitizens } from './citizens.ts';
import { machineLoad, type MachineLoad, type PhaseStats } from './measure.ts';
import { httpClient, openLoop, type OpenLoopResult } from './open-loop.ts';
import { childGroup, startChild, type Child } from './child-process.ts';
import { BENCH_ROUTING, routedInstances, type BenchKeys } from './register-queries.ts';
import { cpuMs, fmt, log, type Session } from './session.ts';
import type { SimulatorArgs, SimulatorReady } from './simulators-process.ts';

export type TargetId = 'broker-sqlite' | 'broker-postgresql' | 'proxy-xml' | 'proxy-raw';
export const LABELS: Record<TargetId, string> = {
  'broker-sqlite': 'broker (SQLite)',
  'broker-postgresql': 'broker (PostgreSQL)',
  'proxy-xml': 'baseline (a): fan-out + XML',
  'proxy-raw': 'baseline (b): fan-out, no XML',
};

/** One closed loop: capacity, failures by kind, and the target's and simulators' process figures. */
export interface ClosedRow {
  target: TargetId;
  latencyMs: number;
  connections: number;
  goodRps: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  failures: Record<string, number>;
  incomplete: number;
  requests: number;
  stats: PhaseStats;
  sims: PhaseStats;
  machine: MachineLoad | null;
  attempts: number;
}

/** One open loop at a fixed arrival rate. */
export interface OpenRow {
  target: TargetId;
  latencyMs: number;
  result: OpenLoopResult;
  stats: PhaseStats;
  machine: MachineLoad | null;
  attempts: number;
}

/** SQL statements per evidence request, counted at the drivers in an untimed run. */
export interface StatementCount {
  target: TargetId;
  requests: number;
  perRequest: Record<string, number>;
}

/** What the load driver measured. */
export interface LoadResults {
  closed: ClosedRow[];
  open: OpenRow[];
  statements: StatementCount[];
  idleRssMb: Partial<Record<TargetId, number>>;
  broker: Partial<Record<TargetId, { seedMs: number; consents: number; sqlitePragmas: BrokerReady['sqlitePragmas'] }>>;
}

/** Sizes and the broker's settings for one run. */
export interface LoadPlan {
  targets: TargetId[];
  citizens: number;
  warmS: number;
  closedS: number;
  rounds: number;
  connections: number[];
  openS: number;
  latencies: number[];
  statementRequests: number;
  pgUrl: string | null;
  logLevel: BrokerArgs['logLevel'];
  maxInFlight?: number;
}

interface Target {
  id: TargetId;
  url: string;
  headers: Record<string, string>;
  body: () => string;
  child: Child<unknown>;
  close(): Promise<void>;
}

/** The simulators as one child: every instance they serve, the ones BENCH_ROUTING reaches, and the broker's keys. */
type Simulators = Child<{ instances: SimulatorInstance[]; routed: Record<EvidenceType, SimulatorInstance>; broker: BenchKeys['broker'] }>;
const REGISTER_TIMEOUT_MS = 5000;
const PATH = '/v1/evidence-requests';
const complete = (body: string) => body.includes('"status":"complete"');

/** The simulators, one process per evidence type serving all its sandbox instances, seen as one child; `keys` is the bench's one key set. */
export async function startSimulatorProcesses(session: Session, keys: BenchKeys): Promise<Simulators> {
  const members = await Promise.all(
    EVIDENCE_TYPES.map((type) =>
      session.track(
        startChild<SimulatorReady>(`simulator ${type}`, 'bench/simulators-process.ts', {
          type,
          instances: keys.instances.filter((i) => i.evidenceType === type),
          broker: keys.broker,
        } satisfies SimulatorArgs),
      ),
    ),
  );
  const instances = members.flatMap((c) => c.ready.instances);
  const group = childGroup('simulators', members as Child<unknown>[], { instances, routed: routedInstances(instances), broker: keys.broker });
  session.replace(members as Child<unknown>[], group as Child<unknown>);
  return group;
}

async function startTarget(session: Session, plan: LoadPlan, out: LoadResults, id: TargetId, sims: Simulators, countStatements = false): Promise<Target> {
  const citizens = benchCitizens(plan.citizens);
  let n = 0;
  const bodies = (count: number) => () =>
    JSON.stringify({ citizen: { idNr: citizens[n % count] }, evidenceTypes: [...EVIDENCE_TYPES], purpose: 'elterngeld', caseReference: `BENCH-${n++}`, routing: BENCH_ROUTING });
  const common = { broker: sims.ready.broker, registerTimeoutMs: REGISTER_TIMEOUT_MS };
  if (id === 'proxy-xml' || id === 'proxy-raw') {
    const args: ProxyArgs = { ...common, instances: sims.ready.routed, mode: id === 'proxy-xml' ? 'xml' : 'raw' };
    const child = await session.track(startChild<ProxyReady>(LABELS[id], 'bench/baselines.ts', args, { deployed: true }));
    out.idleRssMb[id] = (await child.readStats()).rssMb;
    return { id, url: child.ready.url, headers: {}, body: bodies(citizens.length), child, close: () => session.stop(child) };
  }
  const db: BenchDatabase = session.database(id === 'broker-sqlite' ? freshSqlite('broker') : freshPostgres(plan.pgUrl!));
  const args: BrokerArgs = { ...common, instances: sims.ready.instances, databaseUrl: db.url, citizens: plan.citizens, logLevel: plan.logLevel, countStatements, ...(plan.maxInFlight ? { maxInFlight: plan.maxInFlight } : {}) };
  const child = await session.track(startChild<BrokerReady>(LABELS[id], 'bench/broker-process.ts', args, { deployed: true, nodeFlags: ['--expose-gc'] }));
  if (!countStatements) {
    out.broker[id] = { seedMs: child.ready.seedMs, consents: child.ready.consents, sqlitePragmas: child.ready.sqlitePragmas };
    out.idleRssMb[id] = (await child.readStats()).rssMb;
  }
  const close = async () => {
    await session.stop(child);
    await session.drop(db);
  };
  return { id, url: child.ready.url, headers: { authorization: `Bearer ${child.ready.token}` }, body: bodies(child.ready.consents), child, close };
}

async function closedLoop(t: Target, connections: number, durationS: number) {
  let incomplete = 0;
  const r = await autocannon({
    url: t.url,
    connections,
    duration: durationS,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: PATH,
        headers: { 'content-type': 'application/json', ...t.headers },
        setupRequest: (req) => ({ ...req, body: t.body() }),
        onResponse: (status, body) => {
          if (status >= 200 && status < 300 && !complete(body)) incomplete++;
        },
      },
    ],
  });
  const ok = (r as unknown as Record<string, number>)['2xx'] ?? 0;
  const failures: Record<string, number> = {};
  for (const [status, { count }] of Object.entries((r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {})) if (!status.startsWith('2')) failures[status] = count;
  if (r.errors > 0) failures.errors = r.errors;
  if (r.timeouts > 0) failures.timeouts = r.timeouts;
  return { goodRps: (ok - incomplete) / r.duration, rps: (ok + r.non2xx) / r.duration, requests: ok + r.non2xx, p50Ms: r.latency.p50, p99Ms: r.latency.p99, failures, incomplete };
}

async function awaitHealthy(t: Target, strict = false): Promise<void> {
  // After an overload the target's circuit breakers may answer "unavailable" at once until they close.
  const client = httpClient(4);
  const started = performance.now();
  try {
    while (performance.now() - started < 60_000) {
      const res = await client.post(new URL(PATH, t.url), { 'content-type': 'application/json', ...t.headers }, t.body()).catch(() => null);
      if (res?.status === 201 && complete(res.text)) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    if (strict) throw new Error(`${LABELS[t.id]} gave no complete answer within 60 s`);
    log(`    (${LABELS[t.id]} gave no complete answer within 60 s)`);
  } finally {
    client.close();
  }
}

export async function loadBenchmarks(session: Session, plan: LoadPlan, sims: Simulators): Promise<LoadResults> {
  const out: LoadResults = { closed: [], open: [], statements: [], idleRssMb: {}, broker: {} };
  const running: Target[] = [];
  const everyone = () => [...running.map((r) => r.child), sims as Child<unknown>];
  try {
    for (const id of plan.targets) {
      log(`${LABELS[id]}: starting…`);
      running.push(await startTarget(session, plan, out, id, sims));
    }
    for (const t of running) await awaitHealthy(t, true);
    for (const latencyMs of plan.latencies) {
      await sims.call('setLatency', { latencyMs });
      log(`\nregister latency ${latencyMs} ms: warming up every target (${plan.warmS} s each, 50 connections)…`);
      for (const t of running) {
        await closedLoop(t, 50, plan.warmS);
        await awaitHealthy(t);
      }
      const closed = async (t: Target, connections: number): Promise<ClosedRow> => {
        const m = await session.quietest(`${LABELS[t.id]} × ${connections}`, async () => {
          await Promise.all([t.child.resetStats(), sims.resetStats()]);
          const machine = machineLoad({ postgres: t.id === 'broker-postgresql' });
          const r = await closedLoop(t, connections, plan.closedS);
          const [stats, simStats] = await Promise.all([t.child.readStats(), sims.readStats()]);
          return { ...r, stats, sims: simStats, machine: machine.end(cpuMs(stats) + cpuMs(simStats)) };
        }, everyone());
        const cpu = cpuMs(m.stats) / Math.max(1, m.requests);
        log(`  closed ${latencyMs} ms × ${connections} ${LABELS[t.id].padEnd(30)} ${fmt(m.goodRps)} req/s  cpu ${fmt(cpu, 2)} ms/req  rss ${fmt(m.stats.rssPeakMb)} MB  loop p99 ${fmt(m.stats.eventLoopDelayP99Ms, 1)} ms${Object.keys(m.failures).length ? `  failures ${JSON.stringify(m.failures)}` : ''}`);
        return { target: t.id, latencyMs, connections, ...m };
      };
      const best = new Map<Target, number>();
      // NOTE: overload runs last: it trips register timeouts and breakers, which the open loop must not meet.
      for (const connections of plan.connections.filter((c) => c < 200)) {
        const kept = new Map<Target, ClosedRow>();
        for (let round = 0; round < plan.rounds; round++) {
          for (const t of round % 2 === 0 ? running : [...running].reverse()) {
            const row = await closed(t, connections);
            if (!kept.has(t) || row.goodRps > kept.get(t)!.goodRps) kept.set(t, row);
          }
        }
        for (const t of running) {
          out.closed.push(kept.get(t)!);
          best.set(t, Math.max(best.get(t) ?? 0, kept.get(t)!.goodRps));
        }
      }
      const a = running.find((t) => t.id === 'proxy-xml');
      for (const t of running) {
        await awaitHealthy(t);
        const rate = Math.max(1, Math.round(0.5 * (best.get(a ?? t) ?? 2)));
        const m = await session.quietest(`${LABELS[t.id]} open loop`, async () => {
          await Promise.all([t.child.resetStats(), sims.resetStats()]);
          const machine = machineLoad({ postgres: t.id === 'broker-postgresql' });
          const client = httpClient();
          const headers = { 'content-type': 'application/json', ...t.headers };
          try {
            const result = await openLoop({ rate, durationS: plan.openS, send: async () => {
              const res = await client.post(new URL(PATH, t.url), headers, t.body());
              return res.status === 201 && complete(res.text);
            } });
            const [stats, simStats] = await Promise.all([t.child.readStats(), sims.readStats()]);
            return { result, stats, machine: machine.end(cpuMs(stats) + cpuMs(simStats)) };
          } finally {
            client.close();
          }
        }, everyone());
        log(`  open   ${latencyMs} ms ${LABELS[t.id].padEnd(30)} ${rate} req/s → p50 ${fmt(m.result.p50Ms, 1)} ms  p99 ${fmt(m.result.p99Ms, 1)} ms  complete ${m.result.ok}/${m.result.sent}  loop p99 ${fmt(m.stats.eventLoopDelayP99Ms, 1)} ms`);
        out.open.push({ target: t.id, latencyMs, ...m });
      }
      for (const t of running) {
        for (const connections of plan.connections.filter((c) => c >= 200)) {
          await awaitHealthy(t);
          out.closed.push(await closed(t, connections));
        }
      }
      for (const t of running) await awaitHealthy(t);
    }
  } finally {
    for (const t of running) await t.close();
  }
  await sims.call('setLatency', { latencyMs: 0 });
  for (const id of plan.targets.filter((x) => x.startsWith('broker'))) out.statements.push(await countStatements(session, plan, out, id, sims));
  return out;
}

/** A broker of its own whose drivers count statements, sent `plan.statementRequests` requests one at a time. */
async function countStatements(session: Session, plan: LoadPlan, out: LoadResults, id: TargetId, sims: Simulators): Promise<StatementCount> {
  const t = await startTarget(session, plan, out, id, sims, true);
  const client = httpClient(1);
  try {
    await awaitHealthy(t, true);
    await t.child.call('statements.reset');
    let requests = 0;
    for (; requests < plan.statementRequests; requests++) {
      const res = await client.post(new URL(PATH, t.url), { 'content-type': 'application/json', ...t.headers }, t.body());
      if (res.status !== 201 || !complete(res.text)) throw new Error(`${LABELS[id]}: ${res.status} while counting statements`);
    }
    const counts = await t.child.call<Record<string, number>>('statements.read');
    const perRequest = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / requests]));
    log(`  ${LABELS[id]}: ${fmt(Object.values(perRequest).reduce((a, b) => a + b, 0), 1)} SQL statements per request`);
    return { target: id, requests, perRequest };
  } finally {
    client.close();
    await t.close();
  }
}
