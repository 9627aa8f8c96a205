// What every admin command shares: exit codes, the one-line operator error, a context opened from the
// environment and closed after the command, output and progress helpers.
import { SingleBar } from 'cli-progress';
import { ConfigError, envToConfig, readEnv } from '../config/config.ts';
import { createContext, type Context } from '../context.ts';

/** Exit codes of the admin tool. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A failure the operator must act on; printed as one line, exit code 1 unless given. */
export class AdminError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.failed) {
    super(message);
  }
}

export const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);

export function pickFrom<T extends string>(allowed: readonly T[], values: string[], what: string): T[] {
  const bad = values.filter((v) => !allowed.includes(v as T));
  if (bad.length > 0) throw new AdminError(`unknown ${what}: ${bad.join(', ')} (allowed: ${allowed.join(', ')})`, EXIT.usage);
  return values as T[];
}

/** A progress bar on stderr when a person watches; silent in scripts and pipes. */
export function progress(total: number, label: string): { update(n: number, total?: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total}`, stream: process.stderr, hideCursor: true });
  bar.start(total, 0);
  return { update: (n, t) => (t !== undefined && bar.setTotal(t), bar.update(n)), stop: () => bar.stop() };
}

export async function withContext(run: (ctx: Context) => Promise<void>): Promise<void> {
  let cfg;
  try {
    cfg = envToConfig(readEnv());
  } catch (err) {
    throw new AdminError(err instanceof ConfigError ? err.message : String(err), EXIT.usage);
  }
  const ctx = await createContext({ ...cfg, logLevel: 'silent' });
  try {
    return await run(ctx);
  } finally {
    await ctx.close();
  }
}

export const out = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
