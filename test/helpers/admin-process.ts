// The admin tool two ways: as operators run it, a process of its own (`tsx broker/ops/admin-cli.ts …`), its
// output and exit code read back; and in this process, through the same entry (runAdmin) with the environment
// and output of the run passed in — no spawn, so a test may run many commands. A few spawned runs prove the
// process wiring (exit code, streams, config from the process environment); the rest run in-process.
import { spawn } from 'node:child_process';
import { runAdmin as runAdminEntry } from '../../broker/ops/admin-cli.ts';
import type { CliIo } from '../../broker/ops/admin-kit.ts';
import { keyFilesFor } from './broker-process.ts';

/** What one run of the admin tool printed and how it ended. */
export interface AdminRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the admin tool with `args` in a process of its own, the environment given on top of this process's; with a
 * DATABASE_URL, key files the test does not name are kept in a temporary directory of that database's (keyFilesFor),
 * never in ./data of the repository.
 */
export function runAdmin(args: readonly string[], env: Record<string, string> = {}): Promise<AdminRun> {
  const keys = env.DATABASE_URL === undefined ? {} : keyFilesFor(env.DATABASE_URL);
  const child = spawn(process.execPath, ['--import', 'tsx', 'broker/ops/admin-cli.ts', ...args], { env: { ...process.env, ...keys, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** A run's io that collects what it writes; `env` is all the environment the run sees (nothing of this process's). */
export function collectingIo(env: Record<string, string>): CliIo & { output(): { stdout: string; stderr: string } } {
  let stdout = '';
  let stderr = '';
  return {
    env,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    output: () => ({ stdout, stderr }),
  };
}

/** Runs the admin tool with `args` in this process, seeing only `env`. */
export async function runAdminInProcess(args: readonly string[], env: Record<string, string> = {}): Promise<AdminRun> {
  const io = collectingIo(env);
  const code = await runAdminEntry(args, io);
  return { code, ...io.output() };
}
