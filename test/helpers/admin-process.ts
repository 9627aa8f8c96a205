// The admin tool as operators run it: a process of its own (`tsx broker/ops/admin-cli.ts …`), its output and
// exit code read back.
import { spawn } from 'node:child_process';

/** What one run of the admin tool printed and how it ended. */
export interface AdminRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the admin tool with `args`, the environment given on top of this process's. */
export function runAdmin(args: readonly string[], env: Record<string, string> = {}): Promise<AdminRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'broker/ops/admin-cli.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}
