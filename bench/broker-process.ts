// Child process: the real broker (startBroker with testConfig) on its own database, seeded through its own
// stores with the simulators' instances in its register directory, one authority, its token and one consent
// per bench citizen. With `countStatements` it counts
// the SQL statements the drivers execute (wrapping better-sqlite3 and pg; the broker is untouched): untimed runs only.
import Database from 'better-sqlite3';
import pg from 'pg';
import { registerSigningWith, type Config } from '../broker/config/config.ts';
import { testConfig } from '../test/helpers/test-config.ts';
import { PURPOSES } from '../broker/domain/codes.ts';
import { EVIDENCE_TYPES } from '../adapters/index.ts';
import type { SimulatorInstance } from '../adapters/simulators.ts';
import { seedSandboxDirectory } from '../broker/directory/sandbox-directory.ts';
import { startBroker } from '../broker/http/server.ts';
import { benchCitizens } from './citizens.ts';
import { childArgs, serveParent } from './child-process.ts';
import type { BenchKeys } from './register-queries.ts';

/** What the parent passes. */
export interface BrokerArgs {
  databaseUrl: string;
  /** Every instance the simulators serve: the directory's entries, each with its certificate pinned. */
  instances: SimulatorInstance[];
  /** The broker's signing identities (RSA and ECDSA), which the simulators pin. */
  broker: BenchKeys['broker'];
  citizens: number;
  logLevel: Config['logLevel'];
  registerTimeoutMs: number;
  /** MAX_IN_FLIGHT for this run; omitted: the default. */
  maxInFlight?: number;
  countStatements?: boolean;
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
}

const BENCH_AUTHORITY = 'elterngeldstelle-bench';
const args = childArgs<BrokerArgs>();
const statements = new Map<string, number>();
if (args.countStatements) countStatementsAtDrivers();

const broker = await startBroker(
  testConfig({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: args.databaseUrl,
    registerTimeoutMs: args.registerTimeoutMs,
    registerSigning: registerSigningWith(args.broker.rsa, args.broker.ecdsa),
    logLevel: args.logLevel,
    // NOTE: the bench is one authority sending hundreds of requests per second; the per-participant rate
    // limit (600/min by default) would turn the measurement into one of the limiter. It still runs (and
    // costs what it costs); only its ceiling is lifted. The in-flight limits keep their defaults.
    rateLimitPerMinute: 1_000_000,
    ...(args.maxInFlight !== undefined ? { maxInFlight: args.maxInFlight } : {}),
  }),
);
const { ctx } = broker;
// The directory first, as an operator's import would fill it; this process's copy is reloaded at once.
await seedSandboxDirectory(ctx.registers, args.instances, ctx.clock());
await ctx.directory.refresh();

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
        paper: null,
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

serveParent(
  { url: broker.url, token, provider: ctx.database.target.provider, seedMs, consents: citizens.length, sqlitePragmas } satisfies BrokerReady,
  {
    'statements.reset': () => statements.clear(),
    'statements.read': () => Object.fromEntries(statements),
  },
  () => broker.close(),
);

/** Counts executed statements by verb and table ("SELECT Consent", "INSERT AuditEntry", "BEGIN"). */
function countStatementsAtDrivers(): void {
  const count = (sql: string) => {
    const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '?';
    const table = /\b(?:FROM|INTO|UPDATE)\s+(?:["`]?\w+["`]?\.)?["`]?(\w+)["`]?/i.exec(sql)?.[1];
    const key = table ? `${verb} ${table}` : verb;
    statements.set(key, (statements.get(key) ?? 0) + 1);
  };
  // Executions, not compilations: every better-sqlite3 statement runs through one of these four methods.
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (this: { source: string }, ...a: unknown[]) => unknown>;
  probe.close();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = proto[method]!;
    proto[method] = function (this: { source: string }, ...a: unknown[]) {
      count(this.source);
      return original.apply(this, a);
    };
  }
  const pgProto = pg.Client.prototype as unknown as { query(this: unknown, ...a: unknown[]): unknown };
  const query = pgProto.query;
  pgProto.query = function (this: unknown, ...a: unknown[]) {
    const first = a[0];
    count(typeof first === 'string' ? first : typeof first === 'object' && first !== null && 'text' in first ? String(first.text) : '?');
    return query.apply(this, a);
  };
}
