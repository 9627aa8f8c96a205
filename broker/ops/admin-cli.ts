// `npm run admin -- <command>`: the operators' tool for the directories (participants, registers), tokens, consent import, audit
// verification and statistics. Exit codes scripts can rely on: 0 done, 1 the operation failed or found a
// problem (e.g. a broken chain, invalid import rows), 2 wrong usage or configuration.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Command, CommanderError, Option } from 'commander';
import { LEGAL_BASES } from '../../consent/legal-bases.ts';
import { adminKit, AdminError, EXIT, list, pickFrom, readInputFile, type AdminKit, type CliIo } from './admin-kit.ts';
import { addPkiCommands } from './admin-pki.ts';
import { addRegisterCommands } from './admin-registers.ts';
import { CONSENT_CSV_HEADER, readConsentCsv } from './consent-import.ts';
import { PURPOSES, type Purpose } from '../domain/codes.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../../adapters/index.ts';
import { CheckpointView, StatisticsQuery } from '../http/schemas.ts';
import { computeStatistics, statisticsCsv } from './statistics/statistics.ts';
import { defaultPeriod } from '../evidence/outcome.ts';
import { isEntryPoint } from './entry-point.ts';

/** The admin tool's commands, writing to the run's output; without a kit, only to describe them (help). */
export function buildProgram(kit: AdminKit = adminKit(HELP_ONLY)): Command {
  const { withContext, out, err, progress } = kit;
  const program = new Command('broker-admin')
    .description('Operate the evidence broker: directory, tokens, consents, audit, statistics. DATABASE_URL selects the database.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void kit.io.stdout.write(s), writeErr: (s) => void kit.io.stderr.write(s) })
    .showHelpAfterError();

  const participants = program.command('participants').description('the participant directory (authorities)');
  participants
    .command('list')
    .description('list authorities and what they may request')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const rows = await ctx.participants.list();
        if (opts.json) return out(JSON.stringify(rows));
        for (const r of rows) out(`${r.id}\t${r.region}\t${r.name}\t${r.evidenceTypes.join(',')}\t${r.purposes.join(',')}\t${r.legalBases.join(',')}`);
      }),
    );
  participants
    .command('add')
    .description('add or update an authority')
    .requiredOption('--id <id>', 'participant id, e.g. elterngeldstelle-musterstadt')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--region <code>', 'ISO 3166-2 code of its Land, e.g. DE-NW')
    .requiredOption('--evidence-types <list>', `comma-separated: ${EVIDENCE_TYPES.join(',')}`)
    .requiredOption('--purposes <list>', `comma-separated: ${PURPOSES.join(',')}`)
    .option('--legal-bases <list>', `comma-separated legal bases it may rely on instead of consent: ${LEGAL_BASES.map((b) => b.code).join(',')}`, '')
    .action((opts: { id: string; name: string; region: string; evidenceTypes: string; purposes: string; legalBases: string }) =>
      withContext(async (ctx) => {
        if (!/^[a-z0-9][a-z0-9-]{2,62}$/.test(opts.id)) throw new AdminError('--id must be lower-case letters, digits and dashes (3–63)', EXIT.usage);
        if (!/^DE-[A-Z]{2}$/.test(opts.region)) throw new AdminError('--region must be an ISO 3166-2 code like DE-NW', EXIT.usage);
        const evidenceTypes = pickFrom<EvidenceType>(EVIDENCE_TYPES, list(opts.evidenceTypes), 'evidence types');
        const purposes = pickFrom<Purpose>(PURPOSES, list(opts.purposes), 'purposes');
        const legalBases = pickFrom(LEGAL_BASES.map((b) => b.code), list(opts.legalBases), 'legal bases');
        await ctx.participants.upsert({ id: opts.id, name: opts.name, kind: 'authority', region: opts.region, evidenceTypes, purposes, legalBases }, ctx.clock());
        out(`participant ${opts.id} saved`);
      }),
    );

  addRegisterCommands(program, kit);

  const tokens = program.command('tokens').description('bearer tokens of authorities and operators');
  tokens
    .command('issue')
    .description('issue a token; it is printed once and stored only as its hash')
    .addOption(new Option('--participant <id>', 'for an authority').conflicts('operator'))
    .addOption(new Option('--operator <name>', 'for an operator (statistics, audit)').conflicts('participant'))
    .option('--label <label>', 'what the token is for', 'admin')
    .option('--expires-in-days <days>', 'validity in days (default: no expiry)', (v) => Number.parseInt(v, 10))
    .action((opts: { participant?: string; operator?: string; label: string; expiresInDays?: number }) =>
      withContext(async (ctx) => {
        if (!opts.participant && !opts.operator) throw new AdminError('name --participant <id> or --operator <name>', EXIT.usage);
        if (opts.expiresInDays !== undefined && !(opts.expiresInDays > 0)) throw new AdminError('--expires-in-days must be a positive number', EXIT.usage);
        if (opts.participant && !(await ctx.participants.get(opts.participant))) throw new AdminError(`unknown participant ${opts.participant}`);
        const expires = opts.expiresInDays ? new Date(ctx.clock().getTime() + opts.expiresInDays * 86_400_000) : undefined;
        const subject = opts.participant ? { participantId: opts.participant } : { operator: opts.operator! };
        out(await ctx.tokens.issue(subject, opts.label, undefined, expires));
      }),
    );
  tokens
    .command('list')
    .description('list authority and operator tokens (ids, never the tokens)')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const rows = await ctx.tokens.list();
        if (opts.json) return out(JSON.stringify(rows));
        for (const t of rows) out(`${t.id}\t${t.subjectType}\t${t.subject}\t${t.label}\t${t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= ctx.clock() ? 'expired' : 'active'}`);
      }),
    );
  tokens
    .command('revoke <tokenId>')
    .description('revoke a token at once')
    .action((tokenId: string) =>
      withContext(async (ctx) => {
        if (!(await ctx.tokens.revoke(tokenId))) throw new AdminError(`no active token ${tokenId}`);
        out(`token ${tokenId} revoked`);
      }),
    );

  program
    .command('consents')
    .description('consents given on paper')
    .command('import <file>')
    .description(`import consents given on paper from CSV with the header ${CONSENT_CSV_HEADER} (evidenceTypes separated by ";"); all rows are checked first, and nothing is imported if one is invalid`)
    .option('--dry-run', 'check only')
    .action((file: string, opts: { dryRun?: boolean }) =>
      withContext(async (ctx) => {
        const { grants, problems } = await readConsentCsv(readInputFile(file), ctx);
        if (problems.length > 0) {
          for (const p of problems) err(p);
          throw new AdminError(`${problems.length} problem(s) in ${file}; nothing imported`);
        }
        if (opts.dryRun) return out(`${grants.length} consent(s) would be imported`);
        const bar = progress(grants.length, 'importing');
        for (const [i, g] of grants.entries()) {
          await ctx.consents.grant(g);
          bar.update(i + 1);
        }
        bar.stop();
        out(`${grants.length} consent(s) imported`);
      }),
    );

  const audit = program.command('audit').description('the audit chain');
  audit
    .command('checkpoint')
    .description('sign the current chain head now and print the checkpoint (JSON) — keep it somewhere else')
    .action(() =>
      withContext(async (ctx) => {
        const cp = await ctx.checkpoints.create();
        if (!cp) throw new AdminError('the chain is empty; nothing to sign');
        out(JSON.stringify(cp, null, 2));
      }),
    );
  audit
    .command('verify-checkpoint <file>')
    .description('prove a kept checkpoint against the chain: its signature, the entry at its position, and the whole chain; exit 1 if any fails')
    .requiredOption('--key-id <keyId>', 'the signing key id you pinned (refuses checkpoints signed by any other key)')
    .action((file: string, opts: { keyId: string }) =>
      withContext(async (ctx) => {
        const parsed = CheckpointView.safeParse(parseJson(readInputFile(file), file));
        // A file that is not a checkpoint is a bad input file, like an invalid import file: exit 1.
        if (!parsed.success) throw new AdminError(`${file} is not a checkpoint: ${parsed.error.issues[0]!.message}`);
        const problem = await ctx.checkpoints.check(parsed.data, opts.keyId);
        if (problem) throw new AdminError(`checkpoint ${parsed.data.seq} does NOT hold: ${problem}`);
        const chain = await ctx.audit.verify();
        if (!chain.ok) throw new AdminError(`checkpoint ${parsed.data.seq} matches, but the chain is broken at entry ${chain.brokenAt}: ${chain.reason}`);
        out(`checkpoint ${parsed.data.seq} holds: signed by key ${parsed.data.keyId}, entry ${parsed.data.seq} still has hash ${parsed.data.hash}, chain verifies (${chain.entries} entries)`);
      }),
    );
  audit
    .command('verify')
    .description('recompute the whole chain; exit 1 and name the first broken entry if it does not verify')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const bar = progress(0, 'verifying');
        const result = await ctx.audit.verify((checked, total) => bar.update(checked, total));
        bar.stop();
        if (opts.json) out(JSON.stringify(result));
        else if (result.ok) out(`audit chain verifies: ${result.entries} entries, head ${result.headHash}`);
        else out(`audit chain BROKEN at entry ${result.brokenAt}: ${result.reason} (${result.entries} entries verified before it)`);
        if (!result.ok) throw new AdminError('audit chain does not verify', EXIT.failed);
      }),
    );

  program
    .command('statistics')
    .description('anonymized statistics')
    .command('export')
    .description('monthly transactions per Land and evidence type, small cells suppressed')
    .option('--from <month>', 'first month, YYYY-MM (default: twelve months ago)')
    .option('--to <month>', 'last month, YYYY-MM (default: last month)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--output <file>', 'write to a file instead of stdout')
    .action((opts: { from?: string; to?: string; format: 'csv' | 'json'; output?: string }) =>
      withContext(async (ctx) => {
        const query = StatisticsQuery.safeParse({ ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}) });
        if (!query.success) throw new AdminError(`invalid range: ${query.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`, EXIT.usage);
        const range = { ...defaultPeriod(ctx.clock()), ...query.data };
        const stats = await computeStatistics(ctx.database.prisma, { from: range.from, to: range.to }, ctx.cfg.statisticsMinCount);
        const text = opts.format === 'csv' ? statisticsCsv(stats) : JSON.stringify(stats, null, 2);
        if (opts.output) writeOutputFile(opts.output, text);
        else out(text);
      }),
    );
  addPkiCommands(program, kit);
  program
    .command('backup')
    .description('consistent online backup: SQLite through its backup API, PostgreSQL through pg_dump (custom format, this schema only); see docs/operations.md, "Backup and restore"')
    .requiredOption('--output <file>', 'where to write the backup')
    .action((opts: { output: string }) =>
      withContext(async (ctx) => {
        const target = ctx.database.target;
        if (target.provider === 'sqlite') {
          if (target.file === ':memory:') throw new AdminError('an in-memory database cannot be backed up');
          const db = new Database(target.file, { readonly: true, fileMustExist: true });
          try {
            await db.backup(opts.output);
          } finally {
            db.close();
          }
        } else {
          // The password goes through pg_dump's environment, never its command line (visible in ps).
          const dbname = new URL(target.connectionString);
          const password = decodeURIComponent(dbname.password);
          dbname.password = '';
          const env = { ...kit.io.env, ...(password ? { PGPASSWORD: password } : {}) };
          const dump = spawnSync('pg_dump', ['--format=custom', `--schema=${target.schema}`, `--file=${opts.output}`, `--dbname=${dbname.toString()}`], { stdio: ['ignore', 'inherit', 'pipe'], env });
          if (dump.error) throw new AdminError(`pg_dump could not run: ${dump.error.message}`);
          if (dump.status !== 0) throw new AdminError(`pg_dump failed: ${dump.stderr.toString().trim()}`);
        }
        out(`backup written to ${opts.output}`);
      }),
    );
  return program;
}

/** Help and the command table need no environment and write nowhere. */
const HELP_ONLY: CliIo = { env: {}, stdout: { write: () => true }, stderr: { write: () => true } };

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AdminError(`${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function writeOutputFile(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new AdminError(`${file}: cannot be written (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/**
 * One run of the admin tool on `argv` (the arguments after the program name): its exit code. 0 done; 1 the
 * operation failed or found a problem; 2 wrong usage (unknown command or option, a missing or malformed
 * option, no command) or configuration (a variable, a key file or certificate it names).
 */
export async function runAdmin(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(adminKit(io)).parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    // commander has printed its message or the help already: --help is done, anything else it refuses (unknown
    // command or option, a missing argument or option, no command at all) is wrong usage.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof AdminError) {
      io.stderr.write(`broker-admin: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`broker-admin: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

if (isEntryPoint(import.meta.url)) {
  // NOTE: the process's environment is handed to readEnv() (config.ts) through the run's io, as readEnv's default would.
  process.exitCode = await runAdmin(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr });
}
