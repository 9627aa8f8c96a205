// `npm run clerks -- set <user> --name "…" --participant <authority id> | list | disable|enable|unlock <user>`:
// the lookup page's clerk accounts on DATABASE_URL. Exit codes as the admin tool's: 0 done, 1 failed (an unknown
// account or participant), 2 wrong usage or configuration (a password too short or too long).
// NOTE: the password is read from standard input, never the command line (shell history, process list).
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { AdminError, configOf, EXIT, openContext, type CliIo } from '../../ops/admin-kit.ts';
import type { Context } from '../../context.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password.ts';
import { isEntryPoint } from '../../ops/entry-point.ts';

/** A run of the clerks tool also reads the password from its standard input. */
export interface ClerkIo extends CliIo {
  stdin: Readable & { isTTY?: boolean };
}

/** One line from stdin; on a terminal the typing is not echoed. */
async function readPassword(io: ClerkIo): Promise<string> {
  const tty = io.stdin.isTTY === true;
  const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream, terminal: tty });
  if (tty) {
    io.stderr.write(`Passwort (mindestens ${MIN_PASSWORD_LENGTH} Zeichen): `);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  }
  const line = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  if (tty) io.stderr.write('\n');
  return line;
}

/** The clerks tool's commands; without an io, only to describe them (help). */
export function clerkProgram(io: ClerkIo = HELP_ONLY): Command {
  const out = (text: string): void => void io.stdout.write(`${text}\n`);
  const withContext = async (run: (ctx: Context) => Promise<void>): Promise<void> => {
    const ctx = await openContext(configOf(io.env));
    try {
      await run(ctx);
    } finally {
      await ctx.close();
    }
  };
  const program = new Command('clerks')
    .description('Clerk accounts of the lookup page (/ui/lookup)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });

  program
    .command('set <username>')
    .description('create a clerk account or give it a new password (read from stdin); ends its sessions')
    .requiredOption('--name <display name>', 'name shown in the page header and on printouts')
    .requiredOption('--participant <id>', 'the authority the clerk acts for')
    .action((username: string, opts: { name: string; participant: string }) =>
      withContext(async (ctx) => {
        if (!(await ctx.participants.get(opts.participant))) throw new AdminError(`unknown participant: ${opts.participant}`);
        const password = await readPassword(io);
        if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) throw new AdminError(`the password needs ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`, EXIT.usage);
        const account = await ctx.pages.clerks.register({ username, displayName: opts.name, participantId: opts.participant, password });
        await ctx.pages.sessionStore.deleteForClerk(account.id);
        out(`clerk ${account.username} acts for ${account.participantId}`);
      }),
    );

  program
    .command('list')
    .description('list clerk accounts')
    .action(() =>
      withContext(async (ctx) => {
        for (const a of await ctx.pages.clerks.list()) {
          out(`${a.username}\t${a.participantId}\t${a.displayName}\t${a.disabledAt ? `disabled ${a.disabledAt.toISOString()}` : 'active'}`);
        }
      }),
    );

  for (const [name, description] of [
    ['disable', 'disable an account and end its sessions'],
    ['enable', 'enable a disabled account'],
    ['unlock', 'lift a sign-in lock-out early'],
  ] as const) {
    program
      .command(`${name} <username>`)
      .description(description)
      .action((username: string) =>
        withContext(async (ctx) => {
          if (name === 'unlock') {
            // Lifting the lock of an account that does not exist would tell the IT desk it was done.
            if (!(await ctx.pages.clerks.list()).some((a) => a.username === username)) throw new AdminError(`no clerk account ${username}`);
            return void (await ctx.pages.clerks.unlock(username), out(`${username} unlocked`));
          }
          const done = name === 'disable' ? await ctx.pages.clerks.disable(username) : await ctx.pages.clerks.enable(username);
          if (!done) throw new AdminError(`no clerk account ${username}`);
          out(`${username} ${name}d`);
        }),
      );
  }
  return program;
}

const HELP_ONLY: ClerkIo = { env: {}, stdout: { write: () => true }, stderr: { write: () => true }, stdin: Readable.from([]) };

/** One run of the clerks tool on `argv` (the arguments after the program name): its exit code (0, 1, 2 as above). */
export async function runClerks(argv: readonly string[], io: ClerkIo): Promise<number> {
  try {
    await clerkProgram(io).parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    io.stderr.write(`clerks: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof AdminError ? err.exitCode : EXIT.failed;
  }
}

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await runClerks(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
}
