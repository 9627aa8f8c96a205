// What every admin command shares: exit codes, the one-line operator error, where a run reads its environment
// and writes its output (the process's, or a test's in-process run), a context opened from that environment
// and closed after the command, output and progress helpers.
import { readFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { ConfigError, envToConfig, readEnv, type Config } from '../config/config.ts';
import { createContext, type Context } from '../context.ts';
import { parseDatabaseUrl } from '../db/database-url.ts';

/** Exit codes of the admin tool. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A failure the operator must act on; printed as one line, exit code 1 unless given. */
export class AdminError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.failed) {
    super(message);
  }
}

/** A stream a run writes to: process.stdout/stderr, or a test's collector. */
export interface OutputStream {
  write(text: string): unknown;
  /** A progress bar is drawn only on a terminal. */
  isTTY?: boolean;
}

/**
 * Where one run of a command-line tool reads its environment and writes its output. The process entry passes
 * its own; tests pass theirs and run the tool in-process. The environment reaches the code only through
 * readEnv() (config.ts), and, unchanged, the child processes a command starts (pg_dump).
 */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: OutputStream;
  stderr: OutputStream;
}

/** The helpers of one run, bound to its environment and output. */
export interface AdminKit {
  io: CliIo;
  /** Reads the configuration, opens a context, runs the command and closes the context again. */
  withContext(run: (ctx: Context) => Promise<void>): Promise<void>;
  /** A line on stdout. */
  out(text: string): void;
  /** A line on stderr (problems listed before the closing error). */
  err(text: string): void;
  /** A progress bar on stderr when a person watches; silent in scripts and pipes. */
  progress(total: number, label: string): { update(n: number, total?: number): void; stop(): void };
}

export const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);

export function pickFrom<T extends string>(allowed: readonly T[], values: string[], what: string): T[] {
  const bad = values.filter((v) => !allowed.includes(v as T));
  if (bad.length > 0) throw new AdminError(`unknown ${what}: ${bad.join(', ')} (allowed: ${allowed.join(', ')})`, EXIT.usage);
  return values as T[];
}

/** A file a command reads; one that cannot be read is the operator's to fix (exit 1), named with the reason. */
export function readInputFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new AdminError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** The configuration of a run; every problem with it (a variable, DATABASE_URL's form) is a usage error, exit 2. */
export function configOf(env: NodeJS.ProcessEnv): Config {
  try {
    const cfg = envToConfig(readEnv(env));
    parseDatabaseUrl(cfg.databaseUrl);
    return cfg;
  } catch (err) {
    if (err instanceof ConfigError) throw new AdminError(err.message, EXIT.usage);
    // parseDatabaseUrl: a URL that does not parse, or a schema that is not an identifier. The URL may hold a password: not echoed.
    throw new AdminError(`invalid DATABASE_URL: ${err instanceof TypeError ? 'not a URL' : err instanceof Error ? err.message : String(err)}`, EXIT.usage);
  }
}

/** Opens the context of a command: a key file or certificate the configuration names that cannot be used is a configuration error (2). */
export async function openContext(cfg: Config): Promise<Context> {
  try {
    // NOTE: no signing threads: the admin tool never signs a register message, and a worker still starting
    // when the context closes again brought Node 20 down (FATAL in loadESMFromCJS) in a loaded CI run.
    return await createContext({ ...cfg, logLevel: 'silent', signingThreads: 0 });
  } catch (err) {
    if (err instanceof ConfigError) throw new AdminError(err.message, EXIT.usage);
    throw err;
  }
}

export function adminKit(io: CliIo): AdminKit {
  const line = (stream: OutputStream) => (text: string) => void stream.write(text.endsWith('\n') ? text : `${text}\n`);
  return {
    io,
    async withContext(run) {
      const ctx = await openContext(configOf(io.env));
      try {
        return await run(ctx);
      } finally {
        await ctx.close();
      }
    },
    out: line(io.stdout),
    err: line(io.stderr),
    progress(total, label) {
      if (!io.stderr.isTTY) return { update() {}, stop() {} };
      const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total}`, stream: io.stderr as NodeJS.WritableStream, hideCursor: true });
      bar.start(total, 0);
      return { update: (n, t) => (t !== undefined && bar.setTotal(t), bar.update(n)), stop: () => bar.stop() };
    },
  };
}
