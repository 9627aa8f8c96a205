// `npm run bench`: the load driver (bench/load.ts) and the micro driver (bench/micro.ts), then the report
// (bench/report.ts) into bench/RESULTS.md, with RESULTS.json beside it (generated, not committed).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { envToConfig, readEnv } from '../broker/config/config.ts';
import { DEFAULT_PG_URL, postgresProblem } from './bench-db.ts';
import { loadBenchmarks, startSimulatorProcesses, type LoadPlan, type LoadResults, type TargetId } from './load.ts';
import { floorKeys, microBenchmarks, type MicroResults } from './micro.ts';
import { DEPLOYED_ENV, DEPLOYED_NODE_FLAGS, useChildRuntime, type ChildRuntime } from './child-process.ts';
import { benchKeys } from './register-queries.ts';
import { renderSection, writeResults, type Results } from './report.ts';
import { fmt, log, Session } from './session.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'no-postgres': { type: 'boolean', default: false },
    postgres: { type: 'boolean', default: false },
    'pg-url': { type: 'string', default: DEFAULT_PG_URL },
    sections: { type: 'string', default: 'load,micro' },
    out: { type: 'string' },
    commit: { type: 'string' },
    render: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    runtime: { type: 'string', default: 'built' },
    'max-in-flight': { type: 'string' },
    targets: { type: 'string' },
    connections: { type: 'string' },
    latencies: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const quick = opts.quick!;
const out = opts.out ?? path.join(HERE, 'RESULTS.md');
const numbers = (list: string) => list.split(',').map((n) => Number(n.trim()));
const sections = new Set(opts.sections!.split(',').map((s) => s.trim()));
for (const s of sections) if (s !== 'load' && s !== 'micro' && s !== 'audit') throw new Error(`--sections takes load, micro and audit, not '${s}'`);
// `--sections audit`: the audit log's micro rows alone (appends, kill test, proofs, verify), printed and kept in
// RESULTS-audit.json; RESULTS.md is written only with --out (its full and quick sections stay whole runs').
const auditOnly = sections.has('audit') && !sections.has('micro') && !sections.has('load');
if (sections.has('audit') && !auditOnly) throw new Error('--sections audit runs alone');
if (opts.runtime !== 'built' && opts.runtime !== 'tsx') throw new Error('--runtime is built (default: npm run build, then node dist/…) or tsx');
const runtime = opts.runtime as ChildRuntime;

const SIZES = quick
  ? { citizens: 500, warmS: 1, closedS: 2, rounds: 1, connections: [10, 50], openS: 3, latencies: [0], statementRequests: 20, auditMs: 1000, verifyEntries: 100_000, proofLeaves: 1_000_000, proofSamples: 500, signatureMs: 250, postgres: false }
  : { citizens: 5000, warmS: 5, closedS: 5, rounds: 2, connections: [10, 50, 200], openS: 10, latencies: [0, 20], statementRequests: 100, auditMs: 4000, verifyEntries: 1_000_000, proofLeaves: 10_000_000, proofSamples: 2000, signatureMs: 1000, postgres: true };
const rounds = opts.rounds ? Number(opts.rounds) : SIZES.rounds;
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number of at least 1, not ${opts.rounds}`);

const versionOf = (pkg: string) => {
  try {
    return (JSON.parse(readFileSync(path.join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'n/a';
  }
};
const git = (...a: string[]) => {
  try {
    return execFileSync('git', a, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'n/a';
  }
};

async function describe(pgUrl: string | null, pgNote: string): Promise<Results['meta']> {
  const memory = new Database(':memory:');
  const sqlite = (memory.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  memory.close();
  let postgres = pgNote;
  if (pgUrl) {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    const show = async (name: string) => String(Object.values((await client.query(`SHOW ${name}`)).rows[0] ?? {})[0]);
    postgres = `${await show('server_version')}, synchronous_commit=${await show('synchronous_commit')}, fsync=${await show('fsync')}`;
    await client.end();
  }
  const dirty = git('status', '--porcelain', '--', 'broker', 'adapters', 'consent', 'prisma', 'bench', ':!bench/RESULTS.md');
  const extra = process.argv.slice(2);
  const cpus = os.cpus();
  return {
    command: `npm run bench${extra.length > 0 ? ` -- ${extra.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}` : ''}`,
    date: new Date().toISOString(),
    commit: opts.commit ?? `${git('rev-parse', '--short', 'HEAD')}${dirty && dirty !== 'n/a' ? ' (+ uncommitted changes in broker/adapters/consent/prisma/bench)' : ''}`,
    machine: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}, ${fmt(os.totalmem() / 1024 ** 3, 1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    versions: ['express', '@prisma/client', 'better-sqlite3', 'pg', 'zod', 'pino', 'fast-xml-parser', 'xml-crypto', 'libxml2-wasm', 'autocannon'].map((p) => `${p} ${versionOf(p)}`).join(', '),
    databases: `SQLite ${sqlite}; PostgreSQL: ${postgres}`,
    quick,
    runtime:
      runtime === 'built'
        ? `compiled (npm run build), node with ${Object.entries(DEPLOYED_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} ${DEPLOYED_NODE_FLAGS.join(' ')}, as npm run start:built runs the broker`
        : 'from the .ts sources through tsx (--runtime tsx)',
    brokerConfig: `testConfig defaults, LOG_LEVEL=${opts['log-level']}, REGISTER_TIMEOUT_MS=5000, rate limit lifted to 1,000,000/min (one bench authority sends everything), SIGNING_THREADS ${envToConfig(readEnv({})).signingThreads}${opts['max-in-flight'] ? `, MAX_IN_FLIGHT ${opts['max-in-flight']}` : ''}`,
    sizes: `${SIZES.citizens} citizens with a consent each; closed loops ${SIZES.closedS} s after ${SIZES.warmS} s warm-up, ${rounds} round(s) taking turns; open loops ${SIZES.openS} s; audit appends ${SIZES.auditMs / 1000} s each; chain of ${SIZES.verifyEntries.toLocaleString('en')} with signed tree heads; proofs on a tree of ${SIZES.proofLeaves.toLocaleString('en')} leaves, ${SIZES.proofSamples} of each kind`,
  };
}

async function main(): Promise<void> {
  if (opts.render) {
    const results = JSON.parse(readFileSync(opts.render, 'utf8')) as Results;
    results.meta.renderedAt = new Date().toISOString();
    writeResults(out, results);
    log(`Written: ${path.relative(process.cwd(), out)}`);
    return;
  }
  if (runtime === 'built') {
    log('building dist/ (npm run build)…');
    execFileSync('sh', ['scripts/build.sh'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  useChildRuntime(runtime);
  const wantPg = !opts['no-postgres'] && (SIZES.postgres || opts.postgres!);
  const pgProblem = wantPg ? await postgresProblem(opts['pg-url']!) : opts['no-postgres'] ? 'skipped (--no-postgres)' : 'skipped in --quick (add --postgres)';
  const pgUrl = pgProblem === null ? opts['pg-url']! : null;
  if (!pgUrl) log(`PostgreSQL: ${pgProblem}; its runs are skipped.`);
  const meta = await describe(pgUrl, pgProblem ?? '');
  log(`evidence-broker bench: ${meta.machine}, Node ${meta.node}${quick ? ' (quick)' : ''}`);

  const all: TargetId[] = ['broker-sqlite', ...(pgUrl ? (['broker-postgresql'] as const) : []), 'proxy-xml', 'proxy-raw'];
  const plan: LoadPlan = {
    ...SIZES,
    rounds,
    targets: opts.targets ? all.filter((t) => opts.targets!.split(',').includes(t)) : all,
    connections: opts.connections ? numbers(opts.connections) : SIZES.connections,
    latencies: opts.latencies ? numbers(opts.latencies) : SIZES.latencies,
    pgUrl,
    logLevel: opts['log-level'] as LoadPlan['logLevel'],
    ...(opts['max-in-flight'] ? { maxInFlight: Number(opts['max-in-flight']) } : {}),
  };
  const session = new Session(quick);
  process.once('SIGINT', () => void session.cleanup().then(() => process.exit(130)));
  const keys = await benchKeys();
  let load: LoadResults | null = null;
  let micro: MicroResults | null = null;
  try {
    if (sections.has('load')) {
      const sims = await startSimulatorProcesses(session, keys);
      load = await loadBenchmarks(session, plan, sims);
      await session.stop(sims);
    }
    if (sections.has('micro') || auditOnly) {
      log(`\nmicro-benchmarks${auditOnly ? ' (the audit log only)' : ''}…`);
      const { auditMs, verifyEntries, proofLeaves, proofSamples, signatureMs } = SIZES;
      micro = await microBenchmarks(session, { auditMs, verifyEntries, proofLeaves, proofSamples, signatureMs, pgUrl, auditOnly }, floorKeys(keys));
    }
  } finally {
    await session.cleanup();
  }
  const results: Results = { meta, load, micro, noise: session.noise };
  if (auditOnly) {
    writeFileSync(path.join(HERE, 'RESULTS-audit.json'), JSON.stringify(results, null, 2));
    process.stdout.write(`\n${renderSection(results)}\n`);
    if (!opts.out) return;
  }
  writeFileSync(out.replace(/\.md$/, quick ? '-quick.json' : '.json'), JSON.stringify(results, null, 2));
  writeResults(out, results);
  log(`\nWritten: ${path.relative(process.cwd(), out)} (the ${quick ? 'quick' : 'full'} run's section)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
