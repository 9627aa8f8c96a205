// Child process: the real broker (startBroker with testConfig) on its own database, seeded with one
// authority, its token, and one consent per bench citizen through the real consent ledger. With
// `countQueries` it also counts the SQL statements the database drivers execute (a bench-side wrapper
// around better-sqlite3's statement execution and pg's Client.query; the broker's code is untouched) — only in the
// query-count run, never while timing.
import type { Server } from 'node:http';
import { createHistogram, performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createSignaturePool, type SignaturePool } from '../adapters/signature-pool.ts';
import { registerSigningWith, testConfig, type Config } from '../broker/config.ts';
import { PURPOSES } from '../broker/domain/codes.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../adapters/index.ts';
import { startBroker } from '../broker/server.ts';
import { childArgs, serveParent } from './child-process.ts';
import { benchCitizens } from './citizens.ts';
import { serveAnswers, serviceAnswer, xmlAnswer } from './proxy-answers.ts';
import type { BenchTrust } from './raw-queries.ts';

/** What the parent passes. */
export interface BrokerArgs {
  databaseUrl: string;
  registerUrls: Record<EvidenceType, string>;
  trust: BenchTrust;
  citizens: number;
  logLevel: Config['logLevel'];
  registerTimeoutMs: number;
  countQueries: boolean;
  /** MAX_IN_FLIGHT for this run; omitted: the default. */
  maxInFlight?: number;
  /** Also serve the layers section's two bare servers from this process (see BrokerReady.layers). */
  layers?: boolean;
}

/** What the parent learns when the broker is up. */
export interface BrokerReady {
  url: string;
  token: string;
  provider: string;
  seedMs: number;
  consents: number;
  /** SQLite only: the broker's own connection's journal and sync mode. */
  sqlitePragmas: { journalMode: string; synchronous: string } | null;
  /**
   * With `layers`: bare node:http servers in this same process, beside the broker: `protocol` answers as
   * baseline (a) does (bench/proxy-answers.ts), `service` through the broker's EvidenceService for the bench
   * authority without Express and authentication. Same heap, same loaded code, same event loop as the broker.
   */
  layers: { protocol: string; service: string } | null;
}

const BENCH_AUTHORITY = 'elterngeldstelle-bench';

const args = childArgs<BrokerArgs>();

const statements = new Map<string, number>();
// SQLite only: the time each kind of statement spends executing (better-sqlite3 runs a statement synchronously
// within the call, on the event loop's thread: its WAL writes and any checkpoint included).
const sqliteNs = new Map<string, bigint>();
// Transactions: how long each one holds its connection (BEGIN → COMMIT/ROLLBACK). On SQLite one transaction
// runs at a time on the single connection, and statements outside it wait (broker/db/sqlite-transaction-gate.ts),
// so the sum of hold times over the wall time says how close that connection is to being the bottleneck.
const txHold = createHistogram();
let txHoldSumMs = 0;
let txWindowStart = performance.now();
if (args.countQueries) installQueryCounters();

const broker = await startBroker(
  testConfig({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: args.databaseUrl,
    registerUrls: args.registerUrls,
    registerTimeoutMs: args.registerTimeoutMs,
    registerSigning: registerSigningWith(args.trust.broker, args.trust.registerCertificates),
    logLevel: args.logLevel,
    // NOTE: the bench is one authority sending hundreds of requests per second; the per-participant rate
    // limit (600/min by default) would turn the measurement into one of the limiter. It still runs (and
    // costs what it costs); only its ceiling is lifted. The in-flight limits keep their defaults.
    rateLimitPerMinute: 1_000_000,
    ...(args.maxInFlight !== undefined ? { maxInFlight: args.maxInFlight } : {}),
  }),
);
const { ctx } = broker;

const seedStarted = performance.now();
const now = ctx.clock();
await ctx.participants.upsert(
  {
    id: BENCH_AUTHORITY,
    name: 'Elterngeldstelle Benchstadt',
    kind: 'authority',
    region: 'DE-BE',
    evidenceTypes: [...EVIDENCE_TYPES],
    purposes: [...PURPOSES],
    legalBases: [],
  },
  now,
);
const token = await ctx.tokens.issue({ participantId: BENCH_AUTHORITY }, 'bench');
const citizens = benchCitizens(args.citizens);
const validFrom = new Date(now.getTime() - 3600_000);
const validUntil = new Date(now.getTime() + 365 * 86_400_000);
// A few grants in flight at once: PostgreSQL overlaps them, SQLite's single connection queues them.
const SEED_CONCURRENCY = 8;
for (let i = 0; i < citizens.length; i += SEED_CONCURRENCY) {
  await Promise.all(
    citizens.slice(i, i + SEED_CONCURRENCY).map((citizenIdNr) =>
      ctx.consents.grant({
        citizenIdNr,
        granteeId: BENCH_AUTHORITY,
        evidenceTypes: [...EVIDENCE_TYPES],
        purpose: 'elterngeld',
        validFrom,
        validUntil,
        grantedBy: 'citizen',
      }),
    ),
  );
}
const seedMs = performance.now() - seedStarted;
// The seeding is the bench's work, not the broker's: a full collection (the parent starts this child with
// --expose-gc) keeps its garbage out of the broker's RSS figures. A real broker starts on a filled database.
(globalThis as { gc?: () => void }).gc?.();

let sqlitePragmas: BrokerReady['sqlitePragmas'] = null;
if (ctx.database.target.provider === 'sqlite') {
  const pragma = async (name: string) => {
    const rows = await ctx.database.prisma.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`);
    return String(Object.values(rows[0] ?? {})[0]);
  };
  const sync = await pragma('synchronous');
  sqlitePragmas = { journalMode: await pragma('journal_mode'), synchronous: ({ '0': 'OFF', '1': 'NORMAL', '2': 'FULL', '3': 'EXTRA' } as Record<string, string>)[sync] ?? sync };
}
statements.clear();

let layers: BrokerReady['layers'] = null;
const layerServers: Server[] = [];
let layerPool: SignaturePool | null = null;
if (args.layers) {
  const participant = await ctx.participants.get(BENCH_AUTHORITY);
  if (!participant) throw new Error('the bench authority is missing');
  layerPool = createSignaturePool(ctx.cfg.signingThreads);
  const protocol = await serveAnswers(xmlAnswer({ registerUrls: args.registerUrls, trust: args.trust, registerTimeoutMs: args.registerTimeoutMs, signatureOperation: layerPool }));
  const service = await serveAnswers(serviceAnswer(ctx.evidence, participant));
  layers = { protocol: protocol.url, service: service.url };
  layerServers.push(protocol.server, service.server);
}

serveParent(
  {
    url: broker.url,
    token,
    provider: ctx.database.target.provider,
    seedMs,
    consents: citizens.length,
    sqlitePragmas,
    layers,
  } satisfies BrokerReady,
  {
    'queries.reset': () => {
      statements.clear();
      sqliteNs.clear();
      txHold.reset();
      txHoldSumMs = 0;
      txWindowStart = performance.now();
    },
    'transactions.read': () => ({
      count: txHold.count,
      p50Ms: txHold.count > 0 ? txHold.percentile(50) / 1000 : NaN,
      p99Ms: txHold.count > 0 ? txHold.percentile(99) / 1000 : NaN,
      holdShare: txHoldSumMs / (performance.now() - txWindowStart),
      sqliteUs: Object.fromEntries([...sqliteNs.entries()].map(([k, ns]) => [k, Number(ns) / 1000])),
    }),
    'queries.read': () => Object.fromEntries([...statements.entries()].sort((a, b) => b[1] - a[1])),
  },
  async () => {
    for (const server of layerServers) server.closeAllConnections();
    await Promise.all(layerServers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await layerPool?.close();
    await broker.close();
  },
);

/** Counts statements by verb and table ("SELECT ApiToken", "INSERT AuditEntry", "BEGIN"); times transactions. */
function installQueryCounters(): void {
  const begun = new WeakMap<object, number>();
  const keyOf = (sql: string) => {
    const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '?';
    const table = /\b(?:FROM|INTO|UPDATE)\s+(?:["`]?\w+["`]?\.)?["`]?(\w+)["`]?/i.exec(sql)?.[1] ?? '';
    return { verb, key: table ? `${verb} ${table}` : verb };
  };
  const count = ({ verb, key }: ReturnType<typeof keyOf>, connection: object) => {
    if (verb === 'BEGIN') begun.set(connection, performance.now());
    if (verb === 'COMMIT' || verb === 'ROLLBACK') {
      const at = begun.get(connection);
      if (at !== undefined) {
        const ms = performance.now() - at;
        txHold.record(Math.max(1, Math.round(ms * 1000)));
        txHoldSumMs += ms;
        begun.delete(connection);
      }
    }
    statements.set(key, (statements.get(key) ?? 0) + 1);
  };
  // Executions, not compilations: the broker keeps prepared statements (broker/db/sqlite-statement-cache.ts),
  // so `prepare` runs once per SQL text. Every statement runs through one of these four methods.
  const probe = new Database(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (this: { source: string; database: object }, ...a: unknown[]) => unknown>;
  probe.close();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = statementProto[method]!;
    statementProto[method] = function (this: { source: string; database: object }, ...a: unknown[]) {
      const statement = keyOf(this.source);
      count(statement, this.database);
      const started = process.hrtime.bigint();
      try {
        return original.apply(this, a);
      } finally {
        sqliteNs.set(statement.key, (sqliteNs.get(statement.key) ?? 0n) + (process.hrtime.bigint() - started));
      }
    };
  }
  const pgProto = pg.Client.prototype as unknown as { query(this: unknown, ...a: unknown[]): unknown };
  const query = pgProto.query;
  pgProto.query = function (this: unknown, ...a: unknown[]) {
    const first = a[0];
    const sql = typeof first === 'string' ? first : typeof first === 'object' && first !== null && 'text' in first ? String((first as { text: unknown }).text) : '?';
    count(keyOf(sql), this as object);
    return query.apply(this, a);
  };
}
