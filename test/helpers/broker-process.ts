// The broker as a real process (`npm start`'s entry point), for tests that kill, restart or signal it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EVIDENCE_TYPE_LIST, EVIDENCE_TYPES } from '../../adapters/index.ts';

/** A broker process started in demo mode, with what its banner printed. */
export interface BrokerProcess {
  child: ChildProcess;
  output: () => string;
  url: string;
  authorityToken: string;
  citizenToken: string;
  /** The demo operator's token (full audit verification); a later start's demo seeding revokes it. */
  operatorToken: string;
  /** The demo consent's id. */
  consentId: string;
  /** Base URLs of its simulators (each type's server, whose `_control` sets the behaviour of all its instances), by evidence type. */
  registers: Record<string, string>;
  exited: Promise<number | null>;
}

/** One temporary directory of key files per database, removed when the test process exits. */
const keyDirs = new Map<string, string>();

/**
 * Where a broker on `databaseUrl` keeps its key files unless the test names them: a temporary directory per
 * database (brokers on one database, and a restart, share keys and the last signed tree head, as in
 * production), never ./data in the repository, which every test would share.
 */
export function keyFilesFor(databaseUrl: string): Record<string, string> {
  let dir = keyDirs.get(databaseUrl);
  if (dir === undefined) {
    if (keyDirs.size === 0) process.once('exit', () => keyDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
    dir = mkdtempSync(path.join(tmpdir(), 'broker-process-keys-'));
    keyDirs.set(databaseUrl, dir);
  }
  return { AUDIT_SIGNING_KEY_FILE: path.join(dir, 'audit-signing.key'), DATA_KEY_FILE: path.join(dir, 'data.key'), CA_DIR: path.join(dir, 'ca') };
}

export function startBrokerProcess(env: Record<string, string>): Promise<BrokerProcess> {
  if (env.DATABASE_URL === undefined) throw new Error('startBrokerProcess needs a DATABASE_URL (the default is ./data/broker.db in the repository)');
  const child = spawn(process.execPath, ['--import', 'tsx', 'broker/main.ts'], {
    env: { ...process.env, PORT: '0', SIMULATOR_PORTS: EVIDENCE_TYPES.map(() => '0').join(','), LOG_LEVEL: 'warn', ...keyFilesFor(env.DATABASE_URL), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start banner within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      const authorityToken = /token:\s+(\S+)\n/.exec(output)?.[1];
      const citizenToken = /Demo citizen \d+ token:\s+(\S+)\n/.exec(output)?.[1];
      const operatorToken = /Demo operator token:\s+(\S+)\n/.exec(output)?.[1];
      const consentId = /Consent (\S+) covers/.exec(output)?.[1];
      const registers = simulatorsIn(output);
      if (url && authorityToken && citizenToken && operatorToken && consentId && registers && output.includes('Try it:')) {
        clearTimeout(timer);
        resolve({
          child,
          output: () => output,
          url,
          authorityToken,
          citizenToken,
          operatorToken,
          consentId,
          registers,
          exited,
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`exited with ${code} before its banner:\n${output}`)));
  });
}

/** Each type's simulator server, read from the banner's directory listing (its first sandbox instance's line); null until all are printed. */
function simulatorsIn(output: string): Record<string, string> | null {
  const found = EVIDENCE_TYPE_LIST.map((t) => {
    const id = t.sandboxInstances[0].id;
    return [t.code, new RegExp(`\\s${id}\\s.*\\s(https?://\\S+)/${id}\\n`).exec(output)?.[1]] as const;
  });
  return found.every(([, url]) => url !== undefined) ? (Object.fromEntries(found) as Record<string, string>) : null;
}
