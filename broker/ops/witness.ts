// `npm run witness -- --log <broker URL> --key <file> --store <dir> [--interval s] [--name <name>] [--once]`:
// an independent witness of a broker's audit log. Each poll fetches the signed checkpoint, checks it with the
// log key pinned on the first run, proves it consistent with the last checkpoint it accepted (the log's
// consistency proof, checked by the independent verifier), keeps both, cosigns it (C2SP tlog-cosignature,
// Ed25519) and hands the cosignature to the broker. A checkpoint that is not consistent is refused: the
// evidence (both notes, the proof) is kept in a file of its own, an alarm goes to stderr, and the witness exits 3.
// Exit codes: 0 ok (or stopped), 1 a failure (network, broker, own state), 2 wrong usage, 3 tampering found.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, CommanderError } from 'commander';
import { verifyConsistency } from '../audit/proof-verifier.ts';
import { isValidKeyName, NoteError, openNote, parseCheckpoint, parseVerifierKey, verifierKey } from '../audit/signed-note.ts';
import { decideWitnessPoll, WitnessStateError } from './witness-core.ts';
import { WitnessStore } from './witness-store.ts';
import { isEntryPoint } from './entry-point.ts';

/** Exit codes of the witness. */
export const WITNESS_EXIT = { ok: 0, failed: 1, usage: 2, tampering: 3 } as const;

/** A failure that ends the run with its exit code and one line on stderr. */
class WitnessFailure extends Error {
  constructor(message: string, readonly exitCode: number = WITNESS_EXIT.failed) {
    super(message);
  }
}

/** What one poll found. */
type PollResult = { kind: 'cosigned'; size: number } | { kind: 'unchanged'; size: number } | { kind: 'no-checkpoint' } | { kind: 'tampering'; incident: string; detail: string };

interface WitnessOptions {
  log: string;
  key: string;
  store: string;
  interval: number;
  name: string;
  once: boolean;
}

const HTTP_TIMEOUT_MS = 10_000;
const out = (line: string) => void process.stdout.write(`${line}\n`);

/** The witness's Ed25519 key: read from the file, or made there (mode 0600) on the first run. */
function loadOrCreateKey(file: string): KeyObject {
  if (!existsSync(file)) {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
    out(`created witness key ${file}`);
  } else if ((statSync(file).mode & 0o077) !== 0) {
    process.stderr.write(`witness: warning: ${file} is readable by others (chmod 600 it)\n`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (err) {
    throw new WitnessFailure(`${file} is not a private key: ${(err as Error).message}`, WITNESS_EXIT.usage);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new WitnessFailure(`${file} holds a ${key.asymmetricKeyType} key, not Ed25519`, WITNESS_EXIT.usage);
  return key;
}

/** The log's HTTP face: the transparency endpoints the witness reads, and the one it writes to. */
class LogClient {
  constructor(private readonly base: string) {}

  async text(path: string): Promise<{ status: number; body: string }> {
    const res = await this.request(path, { method: 'GET' });
    return { status: res.status, body: await res.text() };
  }

  async consistencyProof(from: number, to: number): Promise<string[]> {
    const res = await this.request(`/v1/audit/proofs/consistency?from=${from}&to=${to}`, { method: 'GET' });
    if (res.status !== 200) throw new WitnessFailure(`the log answered ${res.status} to the consistency proof ${from} → ${to}`);
    // Kept as served, whatever its shape: witness-core refuses a malformed proof and keeps it as evidence.
    const body = (await res.json().catch(() => null)) as { hashes?: string[] } | null;
    return body?.hashes as string[];
  }

  async postCosignature(treeSize: number, cosignature: string): Promise<void> {
    const res = await this.request('/v1/audit/checkpoint/cosignatures', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ treeSize, cosignature: cosignature.replace(/\n$/, '') }),
    });
    if (res.status !== 200 && res.status !== 201) {
      const problem = (await res.json().catch(() => ({}))) as { detail?: string };
      throw new WitnessFailure(`the log refused the cosignature on size ${treeSize} (${res.status}): ${problem.detail ?? 'no detail'}`);
    }
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(this.base + path, { ...init, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    } catch (err) {
      throw new WitnessFailure(`cannot reach the log at ${this.base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    }
  }
}

/** One poll: fetch, decide (witness-core), keep, cosign and hand in — or refuse and keep the evidence. */
async function poll(opts: WitnessOptions, client: LogClient, store: WitnessStore, witnessKey: KeyObject, now: () => Date): Promise<PollResult> {
  const served = await client.text('/v1/audit/log-key');
  if (served.status !== 200) throw new WitnessFailure(`the log answered ${served.status} to GET /v1/audit/log-key`);
  const servedKey = served.body.trim();
  let pinned = store.pinnedLogKey();
  if (pinned === null) {
    try {
      parseVerifierKey(servedKey);
    } catch (err) {
      throw new WitnessFailure(`the log's key is not a note verifier key: ${(err as Error).message}`);
    }
    store.pinLogKey(servedKey);
    pinned = servedKey;
    out(`pinned the log key ${servedKey}`);
  }
  const refuse = (reason: string, detail: string, evidence: { old: string | null; new: string | null; proof: string[] | null }, extra: { servedLogKey?: string } = {}): PollResult => {
    const incident = store.recordIncident({ detectedAt: now().toISOString(), log: opts.log, reason, detail, logKey: pinned, ...extra, ...evidence });
    return { kind: 'tampering', incident, detail: `${reason}: ${detail}` };
  };
  // NOTE: a log that changes its key could sign any history under the new one: never followed silently.
  if (servedKey !== pinned) return refuse('log-key-changed', `the log serves the key ${servedKey}, not the pinned ${pinned}`, { old: store.lastCheckpoint(), new: null, proof: null }, { servedLogKey: servedKey });

  const checkpoint = await client.text('/v1/audit/checkpoint');
  const lastNote = store.lastCheckpoint();
  if (checkpoint.status === 404) {
    // A log that served a signed head and now serves none has lost or withdrawn what it signed: its
    // database was rewritten, or reset. Either way, what it promised can no longer be checked.
    if (lastNote === null) return { kind: 'no-checkpoint' };
    return refuse('checkpoint-withdrawn', 'the log served a signed checkpoint before and now serves none', { old: lastNote, new: null, proof: null });
  }
  if (checkpoint.status !== 200) throw new WitnessFailure(`the log answered ${checkpoint.status} to GET /v1/audit/checkpoint`);
  let decision;
  try {
    decision = await decideWitnessPoll({
      lastNote,
      newNote: checkpoint.body,
      logKey: parseVerifierKey(pinned),
      witnessName: opts.name,
      witnessKey,
      time: Math.floor(now().getTime() / 1000),
      fetchConsistencyProof: (from, to) => client.consistencyProof(from, to),
      verifyConsistency,
    });
  } catch (err) {
    if (err instanceof WitnessStateError || err instanceof NoteError) throw new WitnessFailure(`the witness's store is broken: ${err.message}`);
    throw err;
  }
  switch (decision.kind) {
    case 'refuse':
      return refuse(decision.reason, decision.detail, decision.evidence);
    case 'same': {
      // The cosignature may not have reached the broker last time: hand it in again until the note carries it.
      const mine = store.lastCosignature();
      const size = parseCheckpoint(openNote(checkpoint.body, [parseVerifierKey(pinned)]).text).size;
      if (mine !== null && !checkpoint.body.includes(mine)) await client.postCosignature(size, mine);
      return { kind: 'unchanged', size };
    }
    case 'cosign':
      store.accept(checkpoint.body, decision.checkpoint.size, decision.line);
      await client.postCosignature(decision.checkpoint.size, decision.line);
      return { kind: 'cosigned', size: decision.checkpoint.size };
  }
}

function parseOptions(argv: string[]): WitnessOptions {
  const program = new Command('witness')
    .description("Witness a broker's audit log: check each signed checkpoint is consistent with the last, keep both, cosign it")
    .requiredOption('--log <url>', 'the broker, e.g. https://broker.example')
    .requiredOption('--key <file>', "the witness's Ed25519 private key (PKCS#8 PEM); created with mode 0600 when absent")
    .requiredOption('--store <dir>', 'where the pinned log key, accepted checkpoints and incident evidence are kept')
    .option('--interval <seconds>', 'seconds between polls', '60')
    .option('--name <name>', "the witness's key name (in its cosignatures and verifier key)", `${hostname()}/witness`)
    .option('--once', 'poll once and exit')
    .exitOverride()
    .showHelpAfterError();
  program.parse(argv, { from: 'user' });
  const raw = program.opts<{ log: string; key: string; store: string; interval: string; name: string; once?: boolean }>();
  const interval = Number(raw.interval);
  if (!Number.isInteger(interval) || interval < 1) throw new WitnessFailure('--interval must be a whole number of seconds, at least 1', WITNESS_EXIT.usage);
  if (!isValidKeyName(raw.name)) throw new WitnessFailure('--name must be non-empty, without spaces or "+"', WITNESS_EXIT.usage);
  let log: URL;
  try {
    log = new URL(raw.log);
  } catch {
    throw new WitnessFailure(`--log is not a URL: ${raw.log}`, WITNESS_EXIT.usage);
  }
  if (log.protocol !== 'http:' && log.protocol !== 'https:') throw new WitnessFailure('--log must be an http(s) URL', WITNESS_EXIT.usage);
  return { log: log.href.replace(/\/+$/, ''), key: raw.key, store: raw.store, interval, name: raw.name, once: raw.once === true };
}

export async function runWitness(argv: string[], now: () => Date = () => new Date()): Promise<number> {
  const stopping = new AbortController();
  try {
    const opts = parseOptions(argv);
    const witnessKey = loadOrCreateKey(opts.key);
    out(`cosigner key: ${verifierKey(opts.name, witnessKey, 'cosignature/v1')}`);
    const store = new WitnessStore(opts.store);
    const client = new LogClient(opts.log);
    const stop = () => stopping.abort();
    process.once('SIGINT', stop).once('SIGTERM', stop);
    for (;;) {
      let result: PollResult | null = null;
      try {
        result = await poll(opts, client, store, witnessKey, now);
      } catch (err) {
        if (opts.once || !(err instanceof WitnessFailure)) throw err;
        process.stderr.write(`witness: ${err.message} (retrying in ${opts.interval} s)\n`);
      }
      if (result?.kind === 'tampering') {
        process.stderr.write(`witness: ALARM: ${opts.log} broke what it showed before — ${result.detail}. Nothing was cosigned; the evidence is in ${result.incident}\n`);
        return WITNESS_EXIT.tampering;
      }
      if (result?.kind === 'cosigned') out(`cosigned the checkpoint of ${result.size} leaves`);
      if (result?.kind === 'unchanged') out(`unchanged: the checkpoint of ${result.size} leaves`);
      if (result?.kind === 'no-checkpoint') out('the log has signed no checkpoint yet');
      if (opts.once || stopping.signal.aborted) return WITNESS_EXIT.ok;
      await sleep(opts.interval * 1000, undefined, { signal: stopping.signal }).catch(() => undefined);
      if (stopping.signal.aborted) return WITNESS_EXIT.ok;
    }
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? WITNESS_EXIT.ok : WITNESS_EXIT.usage;
    }
    process.stderr.write(`witness: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof WitnessFailure ? err.exitCode : WITNESS_EXIT.failed;
  }
}

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await runWitness(process.argv.slice(2));
}
