// `npm run clerks -- set <user> --name "…" --participant <authority id> | list | disable|enable|unlock <user>`:
// the lookup page's clerk accounts on DATABASE_URL. Exit codes: 0 done, 1 failed, 2 wrong usage.
// NOTE: the password is read from standard input, never the command line (shell history, process list).
import { createInterface } from 'node:readline';
import { Command, CommanderError } from 'commander';
import { ConfigError, envToConfig, readEnv } from '../../config/config.ts';
import { createContext, type Context } from '../../context.ts';
import { MIN_PASSWORD_LENGTH } from './password.ts';

class UsageError extends Error {}

async function withContext(run: (ctx: Context) => Promise<void>): Promise<void> {
  let cfg;
  try {
    cfg = envToConfig(readEnv());
  } catch (err) {
    throw new UsageError(err instanceof ConfigError ? err.message : String(err));
  }
  const ctx = await createContext({ ...cfg, logLevel: 'silent' });
  try {
    await run(ctx);
  } finally {
    await ctx.close();
  }
}

/** One line from stdin; on a terminal the typing is not echoed. */
async function readPassword(): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true });
  if (process.stdin.isTTY) {
    process.stderr.write(`Passwort (mindestens ${MIN_PASSWORD_LENGTH} Zeichen): `);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  }
  const line = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  if (process.stdin.isTTY) process.stderr.write('\n');
  return line;
}

const out = (text: string): void => void process.stdout.write(`${text}\n`);

function clerkProgram(): Command {
  const program = new Command('clerks').description('Clerk accounts of the lookup page (/ui/lookup)').exitOverride();

  program
    .command('set <username>')
    .description('create a clerk account or give it a new password (read from stdin); ends its sessions')
    .requiredOption('--name <display name>', 'name shown in the page header and on printouts')
    .requiredOption('--participant <id>', 'the authority the clerk acts for')
    .action((username: string, opts: { name: string; participant: string }) =>
      withContext(async (ctx) => {
        if (!(await ctx.participants.get(opts.participant))) throw new UsageError(`unknown participant: ${opts.participant}`);
        const password = await readPassword();
        if (password.length < MIN_PASSWORD_LENGTH) throw new UsageError(`the password needs at least ${MIN_PASSWORD_LENGTH} characters`);
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
          if (name === 'unlock') return void (await ctx.pages.clerks.unlock(username), out(`${username} unlocked`));
          const done = name === 'disable' ? await ctx.pages.clerks.disable(username) : await ctx.pages.clerks.enable(username);
          if (!done) throw new Error(`no clerk account ${username}`);
          out(`${username} ${name}d`);
        }),
      );
  }
  return program;
}

async function main(): Promise<void> {
  try {
    await clerkProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    process.stderr.write(`clerks: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  }
}

await main();
