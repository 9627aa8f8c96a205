// `npm run admin -- <command>`: the operators' tool for the directory, tokens, consent import, audit
// verification and statistics. Exit codes scripts can rely on: 0 done, 1 the operation failed or found a
// problem (e.g. a broken chain, invalid import rows), 2 wrong usage or configuration.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Command, CommanderError, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { LEGAL_BASES } from '../../consent/legal-bases.ts';
import { ConfigError, envToConfig, readEnv } from '../config/config.ts';
import { createCsr, generateKeyPem, initCa, issueCertificate, loadCa, writeSecret, type CertificateUse } from '../directory/ca.ts';
import { createContext, type Context } from '../context.ts';
import { CONSENT_CSV_HEADER, readConsentCsv } from './consent-import.ts';
import { PURPOSES, type Purpose } from '../domain/codes.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../../adapters/index.ts';
import { CheckpointView, StatisticsQuery } from '../http/schemas.ts';
import { computeStatistics, statisticsCsv } from './statistics/statistics.ts';
import { defaultPeriod } from '../evidence/outcome.ts';

/** Exit codes of the admin tool. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A failure the operator must act on; printed as one line, exit code 1 unless given. */
class AdminError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.failed) {
    super(message);
  }
}

const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);

function pickFrom<T extends string>(allowed: readonly T[], values: string[], what: string): T[] {
  const bad = values.filter((v) => !allowed.includes(v as T));
  if (bad.length > 0) throw new AdminError(`unknown ${what}: ${bad.join(', ')} (allowed: ${allowed.join(', ')})`, EXIT.usage);
  return values as T[];
}

/** A progress bar on stderr when a person watches; silent in scripts and pipes. */
function progress(total: number, label: string): { update(n: number, total?: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total}`, stream: process.stderr, hideCursor: true });
  bar.start(total, 0);
  return { update: (n, t) => (t !== undefined && bar.setTotal(t), bar.update(n)), stop: () => bar.stop() };
}

async function withContext(run: (ctx: Context) => Promise<void>): Promise<void> {
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

const out = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

export function buildProgram(): Command {
  const program = new Command('broker-admin')
    .description('Operate the evidence broker: directory, tokens, consents, audit, statistics. DATABASE_URL selects the database.')
    .exitOverride()
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
        const { grants, problems } = await readConsentCsv(readFileSync(file, 'utf8'), ctx);
        if (problems.length > 0) {
          for (const p of problems) process.stderr.write(`${p}\n`);
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
        const parsed = CheckpointView.safeParse(JSON.parse(readFileSync(file, 'utf8')));
        if (!parsed.success) throw new AdminError(`${file} is not a checkpoint: ${parsed.error.issues[0]!.message}`, EXIT.usage);
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
        if (opts.output) writeFileSync(opts.output, text);
        else out(text);
      }),
    );
  const pkiCommand = program.command('pki').description("the broker's certificate authority and the directory's certificates (CA_DIR)");
  pkiCommand
    .command('init')
    .description('create the CA (key readable only by its owner) in CA_DIR')
    .option('--common-name <name>', 'the CA name', 'Evidence Broker CA')
    .action((opts: { commonName: string }) =>
      withContext(async (ctx) => {
        initCa(ctx.cfg.caDir, opts.commonName);
        out(`CA created in ${ctx.cfg.caDir} (ca.crt, ca.key)`);
      }),
    );
  const issue = async (ctx: Context, opts: { out: string; csr?: string; validityDays: string }, subject: { commonName: string; organization?: string; use: CertificateUse; hosts?: string[]; participantId: string }) => {
    const validityDays = Number.parseInt(opts.validityDays, 10);
    if (!(validityDays > 0 && validityDays <= 3650)) throw new AdminError('--validity-days must be 1..3650', EXIT.usage);
    let csrPem: string;
    if (opts.csr) {
      csrPem = readFileSync(opts.csr, 'utf8');
    } else {
      // No CSR: make the key here and write it beside the certificate, readable by its owner only.
      const { keyPem } = generateKeyPem();
      writeSecret(`${opts.out}.key`, keyPem);
      csrPem = createCsr(keyPem, subject.commonName);
    }
    const cert = issueCertificate(loadCa(ctx.cfg.caDir), { csrPem, validityDays, ...subject });
    writeFileSync(`${opts.out}.crt`, cert.certPem, { mode: 0o644 });
    await ctx.certificates.record(cert, subject.participantId, subject.use);
    out(`certificate ${cert.serial} for ${subject.commonName} written to ${opts.out}.crt${opts.csr ? '' : ` (key: ${opts.out}.key)`}; SHA-256 ${cert.fingerprint}`);
  };
  pkiCommand
    .command('issue')
    .description("issue a client certificate to an authority's system (CN = participant id)")
    .requiredOption('--participant <id>', 'the participant')
    .requiredOption('--out <prefix>', 'writes <prefix>.crt (and <prefix>.key when no CSR is given)')
    .option('--csr <file>', 'a PEM certificate signing request (the key never leaves the participant)')
    .option('--validity-days <days>', 'validity', '365')
    .action((opts: { participant: string; out: string; csr?: string; validityDays: string }) =>
      withContext(async (ctx) => {
        const participant = await ctx.participants.get(opts.participant);
        if (!participant) throw new AdminError(`unknown participant ${opts.participant}`);
        await issue(ctx, opts, { commonName: participant.id, organization: participant.name, use: 'client', participantId: participant.id });
      }),
    );
  pkiCommand
    .command('issue-server')
    .description("issue the broker's own TLS server certificate")
    .requiredOption('--host <names>', 'comma-separated host names or IP addresses it serves')
    .requiredOption('--out <prefix>', 'writes <prefix>.crt and <prefix>.key')
    .option('--validity-days <days>', 'validity', '365')
    .action((opts: { host: string; out: string; validityDays: string }) =>
      withContext(async (ctx) => {
        const hosts = list(opts.host);
        await issue(ctx, opts, { commonName: hosts[0]!, organization: 'Evidence Broker', use: 'server', hosts, participantId: ctx.cfg.brokerId });
      }),
    );
  pkiCommand
    .command('issue-signing')
    .description("issue a certificate for signing register messages (XML Signature): the broker's own (BROKER_SIGNING_KEY_FILE/_CERT_FILE) or a register's")
    .option('--participant <id>', 'the register it is for (its certificate is what the broker pins); default: this broker (BROKER_ID)')
    .requiredOption('--out <prefix>', 'writes <prefix>.crt (and <prefix>.key when no CSR is given)')
    .option('--csr <file>', 'a PEM certificate signing request (the key never leaves its owner)')
    .option('--validity-days <days>', 'validity', '365')
    .action((opts: { participant?: string; out: string; csr?: string; validityDays: string }) =>
      withContext(async (ctx) => {
        const id = opts.participant ?? ctx.cfg.brokerId;
        if (!/^[A-Za-z0-9][A-Za-z0-9:._-]{0,99}$/.test(id)) throw new AdminError(`invalid participant id ${id}`, EXIT.usage);
        await issue(ctx, opts, { commonName: id, organization: id === ctx.cfg.brokerId ? 'Evidence Broker' : undefined, use: 'signing', participantId: id });
      }),
    );
  pkiCommand
    .command('revoke <serial>')
    .description('revoke a certificate: the next request presenting it is refused')
    .action((serial: string) =>
      withContext(async (ctx) => {
        if (!(await ctx.certificates.revoke(serial))) throw new AdminError(`no unrevoked certificate ${serial}`);
        out(`certificate ${serial} revoked`);
      }),
    );
  pkiCommand
    .command('list')
    .description("the directory's certificates")
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const rows = await ctx.certificates.list();
        if (opts.json) return out(JSON.stringify(rows));
        for (const c of rows) out(`${c.serial}\t${c.use}\t${c.participantId}\t${c.subject}\t${c.notAfter.toISOString()}\t${c.revokedAt ? 'revoked' : 'valid'}`);
      }),
    );

  program
    .command('backup')
    .description('consistent online backup: SQLite through its backup API, PostgreSQL through pg_dump (custom format, this schema only); see README "Backup and restore"')
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
          const env = { ...process.env, ...(password ? { PGPASSWORD: password } : {}) };
          const dump = spawnSync('pg_dump', ['--format=custom', `--schema=${target.schema}`, `--file=${opts.output}`, `--dbname=${dbname.toString()}`], { stdio: ['ignore', 'inherit', 'pipe'], env });
          if (dump.error) throw new AdminError(`pg_dump could not run: ${dump.error.message}`);
          if (dump.status !== 0) throw new AdminError(`pg_dump failed: ${dump.stderr.toString().trim()}`);
        }
        out(`backup written to ${opts.output}`);
      }),
    );
  return program;
}

export async function runAdmin(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof AdminError) {
      process.stderr.write(`broker-admin: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`broker-admin: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runAdmin(process.argv.slice(2));
}
