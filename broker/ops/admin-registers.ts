// `npm run admin -- registers …`: the register directory — which instance answers for which evidence type and
// jurisdiction, at which endpoint, with which pinned certificates. Every change raises the directory version,
// so running brokers pick it up within DIRECTORY_REFRESH_MS.
import type { Command } from 'commander';
import { EVIDENCE_TYPE_LIST, EVIDENCE_TYPES } from '../../adapters/index.ts';
import { registerListView, registerView } from '../directory/directory-view.ts';
import { certificateStatus, JURISDICTION_VALUE, type RegisterInstance } from '../directory/register-instance.ts';
import { DirectoryError } from '../directory/register-store.ts';
import { PURPOSES } from '../domain/codes.ts';
import { AdminError, EXIT, list, type AdminKit } from './admin-kit.ts';
import { certificateFromFile, checkDefinition, clashesWithDirectory, DIRECTORY_CSV_COLUMNS, DIRECTORY_FILE_MAX_BYTES, readDirectoryFile } from './directory-file.ts';

/** How many problems of a refused import are printed (the count says how many there were). */
const PROBLEMS_SHOWN = 20;

/** The `add` options that carry each field of a definition, for problems. */
const ADD_OPTIONS = { id: '--id', evidenceType: '--evidence-type', name: '--name', endpointUrl: '--endpoint', jurisdiction: '--jurisdiction', purposes: '--purposes', participants: '--participants' };

/** A directory change refused by the store becomes the operator's one-line error, exit 1. */
async function directoryChange<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (err) {
    if (err instanceof DirectoryError) throw new AdminError(err.message, EXIT.failed);
    throw err;
  }
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** What --jurisdiction takes for each type, from the descriptors' routing rules. */
const JURISDICTION_HELP = EVIDENCE_TYPE_LIST.map((t) => `  ${t.code}: ${t.routing.kind} — ${JURISDICTION_VALUE[t.routing.kind].describe}`).join('\n');

export function addRegisterCommands(program: Command, { withContext, out, err, progress }: AdminKit): void {
  const registers = program
    .command('registers')
    .description('the register directory: instances per evidence type and jurisdiction, their endpoints and pinned certificates (brokers reload it within DIRECTORY_REFRESH_MS)');

  registers
    .command('add')
    .description('add a register instance; refused when the id exists or another instance of the type holds one of its jurisdiction values')
    .requiredOption('--id <id>', 'instance id: lower-case letters, digits and inner hyphens, e.g. gkv-aok-bayern')
    .requiredOption('--evidence-type <type>', `one of ${EVIDENCE_TYPES.join(', ')}`)
    .requiredOption('--name <name>', 'display name, shown in answers (provenance.registerName)')
    .requiredOption('--endpoint <url>', 'https:// URL the broker calls (http:// only outside production mode)')
    .option('--jurisdiction <values>', 'comma-separated values of the kind its evidence type routes by (below); none, or "national", for a national register')
    .option('--purposes <list>', `comma-separated purposes it serves (default: every purpose of the type; known: ${PURPOSES.join(',')})`)
    .option('--participants <list>', 'comma-separated participant ids it answers (default: every participant)')
    .option('--disabled', 'add it switched off (no item is routed to it until `registers enable`)')
    .option('--mutual-tls', "call it with the broker's client certificate (mutual TLS)")
    .option('--certificate <file>', 'PEM certificate of its signing key to pin (required; repeat it for a rollover pair)', collect)
    .addHelpText(
      'after',
      `\nJurisdiction per evidence type:\n${JURISDICTION_HELP}\n\nExample:\n  broker-admin registers add --id gkv-tk --evidence-type maternity-benefit --name "Techniker Krankenkasse" \\\n    --endpoint https://mutterschaftsgeld.tk.example/nachweis --jurisdiction 101575519 --certificate tk-signing.crt`,
    )
    .action((opts: { id: string; evidenceType: string; name: string; endpoint: string; jurisdiction?: string; purposes?: string; participants?: string; disabled?: boolean; mutualTls?: boolean; certificate?: string[] }) =>
      withContext(async (ctx) => {
        if (!opts.certificate?.length) throw new AdminError('name the certificate to pin with --certificate <file>', EXIT.usage);
        const values = list(opts.jurisdiction ?? '');
        const checked = checkDefinition(
          {
            id: opts.id,
            evidenceType: opts.evidenceType,
            name: opts.name,
            endpointUrl: opts.endpoint,
            jurisdiction: { values: values.length === 1 && values[0] === 'national' ? [] : values },
            ...(opts.purposes !== undefined ? { purposes: list(opts.purposes) } : {}),
            participants: opts.participants !== undefined ? list(opts.participants) : null,
            enabled: !opts.disabled,
            mutualTls: Boolean(opts.mutualTls),
          },
          ctx.cfg.mode === 'production',
          ADD_OPTIONS,
        );
        if ('problems' in checked) throw new AdminError(checked.problems.join('; '), EXIT.usage);
        const now = ctx.clock();
        const certificates = await directoryChange(async () => opts.certificate!.map((file) => certificateFromFile(file, now, `--certificate ${file}`)));
        await directoryChange(() => ctx.registers.add({ definition: checked.definition, certificates }));
        out(`register ${opts.id} added (${checked.definition.evidenceType}, ${jurisdictionSummary(checked.definition)}, ${certificates.length} certificate(s) pinned${checked.definition.enabled ? '' : ', disabled'})`);
      }),
    );

  registers
    .command('list')
    .description('the directory: one line per instance with its jurisdiction, whether it is enabled and its certificates valid now / pinned')
    .option('--json', 'machine-readable output (the shape of GET /v1/directory/registers)')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const { instances } = await ctx.registers.load();
        const now = ctx.clock();
        if (opts.json) return out(JSON.stringify(registerListView(instances, now)));
        if (instances.length === 0) return out('the register directory is empty (add instances with `registers add` or `registers import`)');
        out(registerTable(instances, now));
      }),
    );

  registers
    .command('show <id>')
    .description('everything about one instance, with each pinned certificate: fingerprint, validity, status and signature profile')
    .option('--json', 'machine-readable output (one entry of GET /v1/directory/registers)')
    .action((id: string, opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const instance = (await ctx.registers.load()).instances.find((i) => i.id === id);
        if (!instance) throw new AdminError(`no register ${id} in the directory`);
        const now = ctx.clock();
        out(opts.json ? JSON.stringify(registerView(instance, now)) : registerDetails(instance, now));
      }),
    );

  for (const enabled of [false, true]) {
    const verb = enabled ? 'enable' : 'disable';
    registers
      .command(`${verb} <id>`)
      .description(enabled ? 'switch an instance on again: items for its jurisdiction are routed to it' : 'switch an instance off: items for its jurisdiction end NO_RESPONSIBLE_REGISTER until it is enabled')
      .action((id: string) =>
        withContext(async (ctx) => {
          await directoryChange(() => ctx.registers.setEnabled(id, enabled));
          out(`register ${id} ${verb}d`);
        }),
      );
  }

  registers
    .command('add-certificate <id> <file>')
    .description("pin another certificate (PEM) for an instance, e.g. its next key before a rollover: answers signed with either key are accepted")
    .action((id: string, file: string) =>
      withContext(async (ctx) => {
        const cert = await directoryChange(async () => certificateFromFile(file, ctx.clock()));
        await directoryChange(() => ctx.registers.addCertificate(id, cert));
        out(`certificate ${cert.fingerprint} pinned for ${id} (valid until ${cert.notAfter.toISOString()})`);
      }),
    );

  registers
    .command('retire-certificate <id> <fingerprint>')
    .description('stop accepting answers signed with a pinned certificate (SHA-256 fingerprint as `registers show` prints it; colons allowed)')
    .action((id: string, fingerprint: string) =>
      withContext(async (ctx) => {
        const normalized = fingerprint.replaceAll(':', '').toLowerCase();
        if (!/^[0-9a-f]{64}$/.test(normalized)) throw new AdminError('the fingerprint must be a SHA-256 fingerprint: 64 hexadecimal digits', EXIT.usage);
        const instance = (await ctx.registers.load()).instances.find((i) => i.id === id);
        await directoryChange(() => ctx.registers.retireCertificate(id, normalized));
        const left = instance ? instance.certificates.filter((c) => c.fingerprint !== normalized && certificateStatus(c, ctx.clock()) === 'valid').length : 0;
        out(`certificate ${normalized} of ${id} retired; ${left} valid certificate(s) left${left === 0 ? ' — answers from this register are refused until one is added' : ''}`);
      }),
    );

  registers
    .command('import <file>')
    .summary('add or replace instances from a JSON or CSV directory file, all or nothing')
    .description(
      `add or replace instances from a directory file, all or nothing: JSON { "registers": [ { <definition>, "certificates": [<PEM> | { "file": <path> }] } ] } or CSV with the header ${DIRECTORY_CSV_COLUMNS.join(',')} (lists in a cell separated by ";" or spaces, certificate paths relative to the file); every entry is checked first and nothing is written if one is invalid; at most ${DIRECTORY_FILE_MAX_BYTES / 1024 / 1024} MB`,
    )
    .option('--dry-run', 'check only')
    .option('--retire-unlisted-certificates', "retire each replaced instance's pinned certificates that the file does not list")
    .action((file: string, opts: { dryRun?: boolean; retireUnlistedCertificates?: boolean }) =>
      withContext(async (ctx) => {
        const now = ctx.clock();
        const checking = progress(0, 'checking');
        let read;
        try {
          read = readDirectoryFile(file, { production: ctx.cfg.mode === 'production', now, progress: (n, total) => checking.update(n, total) });
        } catch (e) {
          if (e instanceof DirectoryError) throw new AdminError(e.message);
          throw e;
        } finally {
          checking.stop();
        }
        const problems = [...read.problems, ...clashesWithDirectory(read.entries, (await ctx.registers.load()).instances, { now, retireUnlisted: Boolean(opts.retireUnlistedCertificates) })];
        if (problems.length > 0) {
          for (const p of problems.slice(0, PROBLEMS_SHOWN)) err(p);
          if (problems.length > PROBLEMS_SHOWN) err(`… and ${problems.length - PROBLEMS_SHOWN} more`);
          throw new AdminError(`${problems.length} problem(s) in ${file}; nothing imported`);
        }
        if (read.entries.length === 0) throw new AdminError(`${file} defines no registers; nothing imported`);
        if (opts.dryRun) return out(`${read.entries.length} register(s) checked; nothing imported (--dry-run)`);
        const bar = progress(read.entries.length, 'importing');
        let result;
        try {
          result = await directoryChange(() => ctx.registers.import(read.entries, { progress: (n) => bar.update(n), retireOtherCertificates: Boolean(opts.retireUnlistedCertificates) }));
        } finally {
          bar.stop();
        }
        out(`imported ${read.entries.length} registers (${result.added} added, ${result.replaced} replaced)`);
      }),
    );
}

/** "national", "land 09", "ags 3: 05315000, 05316000, 05317000", "ags 1520: 01001000, 01002000, … ". */
function jurisdictionSummary(instance: Pick<RegisterInstance, 'jurisdiction'>): string {
  const { kind, values } = instance.jurisdiction;
  if (kind === 'national') return 'national';
  if (values.length === 1) return `${kind} ${values[0]}`;
  return `${kind} ${values.length}: ${values.slice(0, 3).join(', ')}${values.length > 3 ? ', …' : ''}`;
}

function registerTable(instances: readonly RegisterInstance[], now: Date): string {
  const rows = [
    ['ID', 'TYPE', 'NAME', 'JURISDICTION', 'ENABLED', 'CERTS VALID/PINNED'],
    ...instances.map((i) => [
      i.id,
      i.evidenceType,
      i.name,
      jurisdictionSummary(i),
      i.enabled ? 'yes' : 'no',
      `${i.certificates.filter((c) => certificateStatus(c, now) === 'valid').length}/${i.certificates.length}`,
    ]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ')).join('\n');
}

function registerDetails(i: RegisterInstance, now: Date): string {
  const view = registerView(i, now);
  const lines = [
    `${i.id}: ${i.name}`,
    `  evidence type  ${i.evidenceType}`,
    `  endpoint       ${i.endpointUrl}`,
    `  jurisdiction   ${i.jurisdiction.kind === 'national' ? 'national' : `${i.jurisdiction.kind}: ${i.jurisdiction.values.join(', ')}`}`,
    `  purposes       ${i.purposes.join(', ')}`,
    `  participants   ${i.participants === null ? 'every participant' : i.participants.join(', ')}`,
    `  enabled        ${i.enabled ? 'yes' : 'no'}`,
    `  mutual TLS     ${i.mutualTls ? 'yes' : 'no'}`,
    `  certificates   ${i.certificates.length === 0 ? 'none pinned: its answers are refused' : ''}`,
  ];
  for (const [n, c] of view.certificates.entries()) {
    const retired = i.certificates[n]!.retiredAt;
    lines.push(`    ${c.fingerprint}  ${c.status}${retired ? ` ${retired.toISOString()}` : ''}  ${c.profile}  ${c.notBefore} → ${c.notAfter}`);
  }
  return lines.join('\n').replace(/ +$/gm, '');
}
