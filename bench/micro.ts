// The micro driver: audit appends (one transaction each as the baseline, group commit as the broker does),
// the process-kill test, verifying a long chain (raw better-sqlite3 as the baseline), and the signature floor.
// Each benchmark runs in a fresh child process (this same file), so none inherits another's heap or JIT.
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EVIDENCE_TYPES, type EvidenceType } from '../adapters/index.ts';
import { auditAfterKill, auditAppends, auditAppendThenKill, auditVerify, type AppendMode, type AppendResult, type VerifyResult } from './audit-workloads.ts';
import { auditProofs, type ProofResult } from './audit-tree-data.ts';
import { freshPostgres, freshSqlite, type BenchDatabase } from './bench-db.ts';
import { createStatsProbe, machineLoad, type MachineLoad, type PhaseStats } from './measure.ts';
import { childArgs, serveParent, startChild } from './child-process.ts';
import { byType, captureRawQueries, routedInstances, type BenchKeys, type KeyedInstance } from './register-queries.ts';
import { fmt, log, type Measured, type Session } from './session.ts';

/** One signature operation's cost (µs per operation, one core). */
export interface SignatureRow {
  op: string;
  bytes: number;
  usPerOp: number;
}

/** What the micro driver measured. */
export interface MicroResults {
  appends: Measured<AppendResult & { label: string }>[];
  killTest: { acknowledged: number; found: number; verified: boolean } | null;
  verify: (VerifyResult & { rssPeakMb: number; machine: MachineLoad | null }) | null;
  /** Inclusion and consistency proofs on a tree of millions of leaves (missing in results from before it). */
  proofs?: (ProofResult & { rssPeakMb: number; machine: MachineLoad | null }) | null;
  signatures: Measured<{ rows: SignatureRow[]; floorMsPerRequest: number }> | null;
}

/** The signature floor's keys: the bench's broker identities and, per type, the instance the bench's routing reaches. */
export interface FloorKeys {
  broker: BenchKeys['broker'];
  registers: Record<EvidenceType, KeyedInstance>;
}

/** The floor's keys out of the bench's key set: the instances the broker's routing picks, as the load runs ask them. */
export function floorKeys(keys: BenchKeys): FloorKeys {
  return { broker: keys.broker, registers: routedInstances(keys.instances) };
}

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } as const;

function timeOp(fn: () => unknown, durationMs: number): number {
  // A long warm-up: short ones overstate the cost several-fold while the JIT settles.
  for (const warmEnd = performance.now() + Math.min(1000, durationMs); performance.now() < warmEnd; ) fn();
  const start = performance.now();
  let ops = 0;
  while (performance.now() < start + durationMs) for (let k = 0; k < 10; k++, ops++) fn();
  return ((performance.now() - start) * 1000) / ops;
}

/**
 * The signature operations of one request alone, with the bench's keys over the adapters' query bytes: per
 * register instance, the broker signs its query with the key of the instance's profile and verifies the
 * instance's signature; plus other keys for comparison.
 */
async function signatureFloor(p: { keys: FloorKeys; durationMs: number }): Promise<{ rows: SignatureRow[]; floorMsPerRequest: number }> {
  const { broker, registers } = p.keys;
  const queries = await captureRawQueries(broker, byType((t) => ({ id: registers[t].id, evidenceType: t, certificate: registers[t].signing.certPem })), 4);
  const rows: SignatureRow[] = [];
  let floorUs = 0;
  for (const type of EVIDENCE_TYPES) {
    const instance = registers[type];
    const data = Buffer.from(queries.bodies[type][0]!);
    const rsa = instance.profile === 'rsa-pss-sha256';
    // XMLDSig's ECDSA value is r‖s (IEEE P1363), not DER.
    const options = rsa ? PSS : ({ dsaEncoding: 'ieee-p1363' } as const);
    const brokerKey = createPrivateKey((rsa ? broker.rsa : broker.ecdsa).keyPem);
    const registerCert = createPublicKey(instance.signing.certPem);
    const signature = sign('sha256', data, { key: createPrivateKey(instance.signing.keyPem), ...options });
    const signUs = timeOp(() => sign('sha256', data, { key: brokerKey, ...options }), p.durationMs);
    const verifyUs = timeOp(() => verify('sha256', data, { key: registerCert, ...options }, signature), p.durationMs);
    rows.push(
      { op: `${type}: sign the query (broker key, ${rsa ? 'RSA-PSS' : 'ECDSA P-256'})`, bytes: data.length, usPerOp: signUs },
      { op: `${type}: verify the answer (certificate of ${instance.id})`, bytes: data.length, usPerOp: verifyUs },
    );
    floorUs += signUs + verifyUs;
  }
  const data = Buffer.from(queries.bodies[EVIDENCE_TYPES[0]][0]!);
  const pem = broker.rsa.keyPem;
  rows.push({ op: 'for comparison: the same sign, PEM parsed per call', bytes: data.length, usPerOp: timeOp(() => sign('sha256', data, { key: pem, ...PSS }), p.durationMs) });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecSig = sign('sha256', data, ec.privateKey);
  rows.push({ op: 'for comparison: ECDSA P-256 sign', bytes: data.length, usPerOp: timeOp(() => sign('sha256', data, ec.privateKey), p.durationMs) });
  rows.push({ op: 'for comparison: ECDSA P-256 verify', bytes: data.length, usPerOp: timeOp(() => verify('sha256', data, ec.publicKey, ecSig), p.durationMs) });
  const ed: { privateKey: KeyObject } = generateKeyPairSync('ed25519');
  rows.push({ op: 'for comparison: Ed25519 sign', bytes: data.length, usPerOp: timeOp(() => sign(null, data, ed.privateKey), p.durationMs) });
  return { rows, floorMsPerRequest: floorUs / 1000 };
}

const MICROS = {
  'audit-appends': auditAppends,
  'audit-kill': auditAppendThenKill,
  'audit-after-kill': auditAfterKill,
  'audit-verify': auditVerify,
  'audit-proofs': auditProofs,
  'signature-floor': signatureFloor,
} as const;
type MicroName = keyof typeof MICROS;

async function micro<T>(session: Session, name: MicroName, params: unknown, postgres = false): Promise<{ result: T; stats: PhaseStats; machine: MachineLoad | null }> {
  const machine = machineLoad({ postgres });
  const child = await session.track(startChild<{ result: T; stats: PhaseStats; cpuTotalMs: number }>(`micro ${name}`, 'bench/micro.ts', { name, params }, { startTimeoutMs: 900_000 }));
  const load = machine.end(child.ready.cpuTotalMs);
  await session.stop(child);
  return { ...child.ready, machine: load };
}

/** Sizes of the micro-benchmarks. */
export interface MicroSizes {
  auditMs: number;
  verifyEntries: number;
  /** Leaves of the tree the proofs are timed on, and proofs of each kind timed. */
  proofLeaves: number;
  proofSamples: number;
  signatureMs: number;
  pgUrl: string | null;
  /** Only the audit log's rows (appends, kill test, proofs, verify): no signature floor. */
  auditOnly?: boolean;
}

export async function microBenchmarks(session: Session, sizes: MicroSizes, keys: FloorKeys): Promise<MicroResults> {
  const out: MicroResults = { appends: [], killTest: null, verify: null, proofs: null, signatures: null };
  type AppendRun = { label: string; db: () => BenchDatabase; concurrency: number; mode: AppendMode; synchronous?: 'FULL' };
  const sqlite = () => freshSqlite('audit');
  const runs: AppendRun[] = [
    { label: 'SQLite, one append per transaction (baseline), with Merkle tree', db: sqlite, concurrency: 1, mode: 'transaction' },
    { label: 'SQLite, group commit (broker default), 128 concurrent callers, with Merkle tree', db: sqlite, concurrency: 128, mode: 'group-commit' },
    { label: 'SQLite, group commit, synchronous=FULL, 128 concurrent callers, with Merkle tree', db: sqlite, concurrency: 128, mode: 'group-commit', synchronous: 'FULL' },
  ];
  const pgUrl = sizes.pgUrl;
  if (pgUrl) {
    const postgres = () => freshPostgres(pgUrl);
    runs.push(
      { label: 'PostgreSQL, one append per transaction, 16 concurrent, with Merkle tree', db: postgres, concurrency: 16, mode: 'transaction' },
      { label: 'PostgreSQL, group commit, 128 concurrent callers, with Merkle tree', db: postgres, concurrency: 128, mode: 'group-commit' },
    );
  }
  for (const run of runs) {
    // A fresh database per attempt: the chain check counts exactly this attempt's appends.
    const r = await session.quietest(`audit appends (${run.label})`, async () => {
      const db = session.database(run.db());
      try {
        const params = { databaseUrl: db.url, durationMs: sizes.auditMs, concurrency: run.concurrency, perTransaction: 1, mode: run.mode, ...(run.synchronous ? { synchronous: run.synchronous } : {}) };
        return await micro<AppendResult>(session, 'audit-appends', params, db.kind === 'postgresql');
      } finally {
        await session.drop(db);
      }
    });
    out.appends.push({ label: run.label, ...r.result, machine: r.machine, attempts: r.attempts });
    log(`  audit appends, ${run.label}: ${fmt(r.result.appendsPerS)}/s (p99 ${fmt(r.result.txP99Ms, 2)} ms, chain ok ${r.result.chainVerified}, tree leaves ${r.result.treeLeaves})`);
  }

  const killDb = session.database(freshSqlite('kill'));
  try {
    const ackFile = path.join(session.tmp, 'acked.txt');
    await micro(session, 'audit-kill', { databaseUrl: killDb.url, durationMs: Math.min(sizes.auditMs, 1500), ackFile }).catch((err: unknown) => {
      if (!String(err).includes('SIGKILL')) throw err;
    });
    const acknowledged = Number(readFileSync(ackFile, 'utf8'));
    const { result } = await micro<{ entries: number; verified: boolean }>(session, 'audit-after-kill', { databaseUrl: killDb.url });
    out.killTest = { acknowledged, found: result.entries, verified: result.verified };
    log(`  kill test: ${acknowledged} appends acknowledged before SIGKILL, ${result.entries} found after, chain verifies: ${result.verified}`);
  } finally {
    await session.drop(killDb);
  }

  const proofDb = session.database(freshSqlite('proofs'));
  try {
    log(`  writing a Merkle tree of ${sizes.proofLeaves.toLocaleString('en')} leaves (perfect-subtree rows) and timing proofs…`);
    const { result, stats, machine } = await micro<ProofResult>(session, 'audit-proofs', { file: proofDb.file, leaves: sizes.proofLeaves, samples: sizes.proofSamples });
    out.proofs = { ...result, rssPeakMb: stats.rssPeakMb, machine };
    log(`  proofs: inclusion p50 ${fmt(result.inclusion.p50Ms, 2)} / p99 ${fmt(result.inclusion.p99Ms, 2)} ms, consistency p50 ${fmt(result.consistency.p50Ms, 2)} / p99 ${fmt(result.consistency.p99Ms, 2)} ms; one row by key ${fmt(result.lookup.p50Ms, 2)} ms; verified ${result.verified}`);
  } finally {
    await session.drop(proofDb);
  }

  const verifyDb = session.database(freshSqlite('verify'));
  try {
    log(`  generating a chain of ${sizes.verifyEntries.toLocaleString('en')} entries and verifying it…`);
    const { result, stats, machine } = await micro<VerifyResult>(session, 'audit-verify', { file: verifyDb.file, entries: sizes.verifyEntries });
    out.verify = { ...result, rssPeakMb: stats.rssPeakMb, machine };
    log(`  verify: ${fmt(result.verifyS, 1)} s via AuditLog.verify (ok ${result.ok}); ${fmt(result.rawVerifyS, 1)} s raw`);
  } finally {
    await session.drop(verifyDb);
  }

  if (sizes.auditOnly) return out;
  const s = await session.quietest('signature floor', () => micro<{ rows: SignatureRow[]; floorMsPerRequest: number }>(session, 'signature-floor', { keys, durationMs: sizes.signatureMs }));
  out.signatures = { ...s.result, machine: s.machine, attempts: s.attempts };
  log(`  signature floor: ${fmt(s.result.floorMsPerRequest, 2)} ms of signature operations per request`);
  return out;
}

// As a child: run one micro-benchmark, hand its result to the parent, wait to be stopped.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { name, params } = childArgs<{ name: MicroName; params: never }>();
  const probe = createStatsProbe();
  const result: unknown = await MICROS[name](params);
  const cpu = process.cpuUsage();
  serveParent({ result, stats: probe.read(), cpuTotalMs: (cpu.user + cpu.system) / 1000 }, {});
}
