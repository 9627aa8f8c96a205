// Every command of the admin tool (and of `npm run clerks`, `npm run migrate`) ends with the exit code scripts
// rely on: 0 done; 1 the operation failed or found a problem (an unknown id, a file that is missing, unreadable
// or malformed, a database that cannot be reached); 2 wrong usage (unknown command or option, a missing or
// malformed option) or configuration (a variable, a key file the configuration names). The commands are read
// from the tools' own command tables, so a new command without a row here fails the first test. Runs are
// in-process (the same entry the process calls); cli.test.ts proves the process wiring.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import type { Command } from 'commander';
import { sandboxSigningIdentity } from '../../adapters/sandbox-trust.ts';
import { runMigrate } from '../../broker/db/migrate-cli.ts';
import { clerkProgram, runClerks } from '../../broker/identity/clerks/clerk-cli.ts';
import { buildProgram } from '../../broker/ops/admin-cli.ts';
import { collectingIo, runAdminInProcess, type AdminRun } from '../helpers/admin-process.ts';
import { freshSqlite } from '../helpers/databases.ts';
import { daysAgo } from '../helpers/paper-form.ts';

/** One run: its arguments, the environment on top of the table's, and what its output must say. */
interface Run {
  args: string[];
  env?: Record<string, string>;
  /** stdin of a clerks run (the password). */
  input?: string;
  says?: RegExp;
}

/** A command's runs by the exit code they must end with; `ok` also carries the configuration cases. */
interface CommandRuns {
  /** State the runs need, made through the tool itself; returns names the runs use. */
  given?: () => Promise<Record<string, string>>;
  ok: (g: Record<string, string>) => Run;
  failed: (g: Record<string, string>) => Run[];
  usage: (g: Record<string, string>) => Run[];
}

/** Every command below a program, by its path ("registers add"). */
function leafCommands(program: Command): string[] {
  const walk = (cmd: Command, prefix: string[]): string[] =>
    cmd.commands.length === 0 ? [prefix.join(' ')] : cmd.commands.filter((c) => c.name() !== 'help').flatMap((c) => walk(c, [...prefix, c.name()]));
  return walk(program, []);
}

const dir = mkdtempSync(path.join(tmpdir(), 'broker-exit-codes-'));
const file = (name: string, text: string) => {
  const full = path.join(dir, name);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
};
const missing = path.join(dir, 'no-such-file');
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** Configuration cases every command is run with (on its `ok` arguments): each must end 2, naming the variable. */
const CONFIGURATION_ERRORS: { env: Record<string, string>; says: RegExp }[] = [
  { env: { DATABASE_URL: 'mysql://db.example/broker' }, says: /invalid DATABASE_URL: must start with file:/ },
  { env: { DATABASE_URL: 'postgresql://127.0.0.1:5432/test?schema=no-dashes' }, says: /invalid DATABASE_URL: DATABASE_URL schema must be a plain identifier/ },
  { env: { BROKER_SIGNING_KEY_FILE: missing, BROKER_SIGNING_CERT_FILE: missing }, says: /invalid BROKER_SIGNING_KEY_FILE: .* cannot be read/ },
  { env: { BROKER_SIGNING_KEY_FILE: missing }, says: /BROKER_SIGNING_KEY_FILE and BROKER_SIGNING_CERT_FILE go together/ },
  { env: { DATA_KEY_FILE: path.join(dir, 'config', 'short-data.key') }, says: /invalid DATA_KEY_FILE: .* must hold 32 bytes/ },
  { env: { AUDIT_SIGNING_KEY_FILE: path.join(dir, 'config', 'not-a-key.pem') }, says: /invalid AUDIT_SIGNING_KEY_FILE: .* must hold an Ed25519 private key/ },
];

describe('exit codes of every admin command', function () {
  this.timeout(120_000);
  const db = freshSqlite('exit-codes');
  const baseEnv = { DATABASE_URL: db.url, LOG_LEVEL: 'silent', DATA_KEY_FILE: path.join(dir, 'data.key'), AUDIT_SIGNING_KEY_FILE: path.join(dir, 'audit.key'), CA_DIR: path.join(dir, 'ca') };
  const admin = (args: string[], env: Record<string, string> = {}): Promise<AdminRun> => runAdminInProcess(args, { ...baseEnv, ...env });
  const mustSucceed = async (args: string[], env: Record<string, string> = {}) => {
    const res = await admin(args, env);
    expect(res.code, `${args.join(' ')}: ${res.stderr}`).to.equal(0);
    return res.stdout;
  };
  const certs = { a: '', b: '', c: '' };
  let certPem = '';
  /** A database with nothing in it, for the commands that fail on an empty one. */
  const empty = freshSqlite('exit-codes-empty');

  before(async () => {
    for (const k of Object.keys(certs) as (keyof typeof certs)[]) {
      const identity = await sandboxSigningIdentity(`exit-codes-${k}`, 'ecdsa-p256-sha256');
      certs[k] = file(`certs/${k}.pem`, identity.certPem);
      if (k === 'a') certPem = identity.certPem;
    }
    file('config/short-data.key', 'c2hvcnQ=\n');
    file('config/not-a-key.pem', '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
    await mustSucceed(['participants', 'add', '--id', 'wohngeldstelle-koeln', '--name', 'Wohngeldstelle Köln', '--region', 'DE-NW', '--evidence-types', 'salary,income', '--purposes', 'wohngeld']);
    await mustSucceed(['pki', 'init']);
  });
  after(async () => {
    await db.drop();
    await empty.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const register = (id: string, ik: string, cert = certs.a) => ['registers', 'add', '--id', id, '--evidence-type', 'maternity-benefit', '--name', id, '--endpoint', `http://127.0.0.1:9/${id}`, '--jurisdiction', ik, '--certificate', cert];
  const consentCsv = (rows: string[]) => file(`consents-${rows.length}-${Math.random().toString(36).slice(2)}.csv`, ['idNr,grantee,evidenceTypes,purpose,validFrom,validUntil,paperReference,paperSignedOn', ...rows, ''].join('\n'));
  const goodConsent = () => `47295136822,wohngeldstelle-koeln,salary,wohngeld,,${inDays(100)},WG-Antrag 1,${daysAgo(1)}`;
  const noCa = { CA_DIR: path.join(dir, 'no-ca-here') };
  const dbDown = { DATABASE_URL: 'postgresql://127.0.0.1:1/test' };

  /** The table: one row per command of the admin tool. */
  const TABLE: Record<string, CommandRuns> = {
    'participants list': {
      ok: () => ({ args: ['participants', 'list', '--json'], says: /wohngeldstelle-koeln/ }),
      failed: () => [{ args: ['participants', 'list'], env: dbDown, says: /ECONNREFUSED/ }],
      usage: () => [],
    },
    'participants add': {
      ok: () => ({ args: ['participants', 'add', '--id', 'jobcenter-bonn', '--name', 'Jobcenter Bonn', '--region', 'DE-NW', '--evidence-types', 'salary', '--purposes', 'wohngeld'], says: /participant jobcenter-bonn saved/ }),
      failed: () => [],
      usage: () => [
        { args: ['participants', 'add', '--id', 'x y', '--name', 'X', '--region', 'DE-NW', '--evidence-types', 'salary', '--purposes', 'wohngeld'], says: /--id must be/ },
        { args: ['participants', 'add', '--id', 'jobcenter-bonn', '--name', 'X', '--region', 'NW', '--evidence-types', 'salary', '--purposes', 'wohngeld'], says: /--region/ },
        { args: ['participants', 'add', '--id', 'jobcenter-bonn', '--name', 'X', '--region', 'DE-NW', '--evidence-types', 'gold', '--purposes', 'wohngeld'], says: /unknown evidence types: gold/ },
        { args: ['participants', 'add', '--id', 'jobcenter-bonn'], says: /required option/ },
      ],
    },
    'registers add': {
      ok: () => ({ args: register('gkv-add', '101575519'), says: /register gkv-add added/ }),
      failed: () => [
        { args: register('gkv-add-2', '101575519'), says: /held by gkv-add/ },
        { args: register('gkv-add-3', '108310400', missing), says: /cannot be read \(ENOENT\)/ },
        { args: register('gkv-add-3', '108310400', file('garbage.pem', 'not a certificate')), says: /not a PEM certificate/ },
        { args: register('gkv-add-3', '108310400', file('bad-block.pem', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n')), says: /not a PEM X\.509 certificate/ },
        { args: register('gkv-add-3', '108310400', dir), says: /cannot be read \(EISDIR\)/ },
      ],
      usage: () => [
        { args: register('gkv-add-3', '108310400').slice(0, -2), says: /--certificate/ },
        { args: register('Gkv_Bad', '108310400'), says: /--id must be/ },
        { args: register('gkv-add-3', '12'), says: /--jurisdiction/ },
      ],
    },
    'registers list': {
      ok: () => ({ args: ['registers', 'list'] }),
      failed: () => [{ args: ['registers', 'list'], env: dbDown }],
      usage: () => [],
    },
    'registers show': {
      given: async () => (await mustSucceed(register('gkv-show', '104940005')), {}),
      ok: () => ({ args: ['registers', 'show', 'gkv-show'], says: /gkv-show: gkv-show/ }),
      failed: () => [{ args: ['registers', 'show', 'gkv-nowhere'], says: /no register gkv-nowhere/ }],
      usage: () => [{ args: ['registers', 'show'], says: /missing required argument/ }],
    },
    'registers disable': {
      given: async () => (await mustSucceed(register('gkv-disable', '100000001')), {}),
      ok: () => ({ args: ['registers', 'disable', 'gkv-disable'], says: /register gkv-disable disabled/ }),
      failed: () => [{ args: ['registers', 'disable', 'gkv-nowhere'], says: /gkv-nowhere/ }],
      usage: () => [{ args: ['registers', 'disable'], says: /missing required argument/ }],
    },
    'registers enable': {
      given: async () => (await mustSucceed([...register('gkv-enable', '100000002'), '--disabled']), {}),
      ok: () => ({ args: ['registers', 'enable', 'gkv-enable'], says: /register gkv-enable enabled/ }),
      failed: () => [{ args: ['registers', 'enable', 'gkv-nowhere'], says: /gkv-nowhere/ }],
      usage: () => [{ args: ['registers', 'enable'], says: /missing required argument/ }],
    },
    'registers add-certificate': {
      given: async () => (await mustSucceed(register('gkv-addcert', '100000003')), {}),
      ok: () => ({ args: ['registers', 'add-certificate', 'gkv-addcert', certs.b], says: /pinned for gkv-addcert/ }),
      failed: () => [
        { args: ['registers', 'add-certificate', 'gkv-addcert', certs.b], says: /pinned for gkv-addcert already/ },
        { args: ['registers', 'add-certificate', 'gkv-nowhere', certs.c], says: /gkv-nowhere/ },
        { args: ['registers', 'add-certificate', 'gkv-addcert', missing], says: /cannot be read \(ENOENT\)/ },
        { args: ['registers', 'add-certificate', 'gkv-addcert', file('garbage-2.pem', 'hello')], says: /not a PEM certificate/ },
      ],
      usage: () => [{ args: ['registers', 'add-certificate', 'gkv-addcert'], says: /missing required argument/ }],
    },
    'registers retire-certificate': {
      given: async () => {
        await mustSucceed([...register('gkv-retire', '100000004'), '--certificate', certs.b]);
        const shown = JSON.parse(await mustSucceed(['registers', 'show', 'gkv-retire', '--json'])) as { certificates: { fingerprint: string }[] };
        return { fingerprint: shown.certificates[0]!.fingerprint };
      },
      ok: (g) => ({ args: ['registers', 'retire-certificate', 'gkv-retire', g.fingerprint!], says: /retired; 1 valid certificate\(s\) left/ }),
      failed: (g) => [{ args: ['registers', 'retire-certificate', 'gkv-retire', g.fingerprint!], says: /no certificate/ }],
      usage: () => [{ args: ['registers', 'retire-certificate', 'gkv-retire', 'not-a-fingerprint'], says: /64 hexadecimal digits/ }],
    },
    'registers import': {
      ok: () => ({
        args: ['registers', 'import', file('directory.json', JSON.stringify({ registers: [{ id: 'gkv-import', evidenceType: 'maternity-benefit', name: 'Import', endpointUrl: 'http://127.0.0.1:9/i', jurisdiction: { values: ['100000005'] }, certificates: [certPem] }] }))],
        says: /imported 1 registers \(1 added, 0 replaced\)/,
      }),
      failed: () => [
        { args: ['registers', 'import', missing], says: /cannot be read \(ENOENT\)/ },
        { args: ['registers', 'import', dir], says: /cannot be read \(EISDIR\)/ },
        { args: ['registers', 'import', file('broken.json', '{"registers": [')], says: /not valid JSON/ },
        { args: ['registers', 'import', file('broken.csv', 'id,evidenceType\n"unclosed,x\n')], says: /not valid CSV|the header must name/ },
        { args: ['registers', 'import', file('none.json', '{"registers": []}')], says: /defines no registers/ },
      ],
      usage: () => [{ args: ['registers', 'import'], says: /missing required argument/ }],
    },
    'tokens issue': {
      ok: () => ({ args: ['tokens', 'issue', '--participant', 'wohngeldstelle-koeln'], says: /^\S{24,}\n$/ }),
      failed: () => [{ args: ['tokens', 'issue', '--participant', 'nobody-here'], says: /unknown participant nobody-here/ }],
      usage: () => [
        { args: ['tokens', 'issue'], says: /--participant <id> or --operator <name>/ },
        { args: ['tokens', 'issue', '--participant', 'wohngeldstelle-koeln', '--operator', 'ops'], says: /cannot be used with/ },
        { args: ['tokens', 'issue', '--operator', 'ops', '--expires-in-days', '0'], says: /--expires-in-days must be a positive number/ },
        { args: ['tokens', 'issue', '--operator', 'ops', '--expires-in-days', 'soon'], says: /--expires-in-days must be a positive number/ },
      ],
    },
    'tokens list': {
      ok: () => ({ args: ['tokens', 'list', '--json'] }),
      failed: () => [{ args: ['tokens', 'list'], env: dbDown }],
      usage: () => [],
    },
    'tokens revoke': {
      given: async () => {
        await mustSucceed(['tokens', 'issue', '--operator', 'revoke-me']);
        const rows = JSON.parse(await mustSucceed(['tokens', 'list', '--json'])) as { id: string; subject: string }[];
        return { id: rows.find((r) => r.subject === 'revoke-me')!.id };
      },
      ok: (g) => ({ args: ['tokens', 'revoke', g.id!], says: /revoked/ }),
      failed: (g) => [{ args: ['tokens', 'revoke', g.id!], says: /no active token/ }],
      usage: () => [{ args: ['tokens', 'revoke'], says: /missing required argument/ }],
    },
    'consents import': {
      ok: () => ({ args: ['consents', 'import', consentCsv([goodConsent()])], says: /1 consent\(s\) imported/ }),
      failed: () => [
        { args: ['consents', 'import', missing], says: /cannot be read \(ENOENT\)/ },
        { args: ['consents', 'import', dir], says: /cannot be read \(EISDIR\)/ },
        { args: ['consents', 'import', consentCsv(['47295136822,"wohngeldstelle"-koeln,salary'])], says: /line 2: not valid CSV \(CSV_/ },
        { args: ['consents', 'import', consentCsv([goodConsent().replace('wohngeldstelle-koeln', 'nobody-here')])], says: /line 2: grantee nobody-here is not a known participant/ },
      ],
      usage: () => [{ args: ['consents', 'import'], says: /missing required argument/ }],
    },
    'audit checkpoint': {
      given: async () => (await mustSucceed(['consents', 'import', consentCsv([goodConsent()])]), {}),
      ok: () => ({ args: ['audit', 'checkpoint'], says: /"keyId"/ }),
      failed: () => [{ args: ['audit', 'checkpoint'], env: { DATABASE_URL: empty.url }, says: /the chain is empty/ }],
      usage: () => [],
    },
    'audit verify-checkpoint': {
      given: async () => {
        await mustSucceed(['consents', 'import', consentCsv([goodConsent()])]);
        const text = await mustSucceed(['audit', 'checkpoint']);
        return { file: file('cp.json', text), keyId: (JSON.parse(text) as { keyId: string }).keyId };
      },
      ok: (g) => ({ args: ['audit', 'verify-checkpoint', g.file!, '--key-id', g.keyId!], says: /holds/ }),
      failed: (g) => [
        { args: ['audit', 'verify-checkpoint', g.file!, '--key-id', '0000000000000000'], says: /does NOT hold: bad-signature/ },
        { args: ['audit', 'verify-checkpoint', missing, '--key-id', g.keyId!], says: /cannot be read \(ENOENT\)/ },
        { args: ['audit', 'verify-checkpoint', file('cp-broken.json', '{"seq": '), '--key-id', g.keyId!], says: /is not valid JSON/ },
        { args: ['audit', 'verify-checkpoint', file('cp-other.json', '{"registers": []}'), '--key-id', g.keyId!], says: /is not a checkpoint/ },
      ],
      usage: (g) => [{ args: ['audit', 'verify-checkpoint', g.file!], says: /required option '--key-id/ }],
    },
    'audit verify': {
      ok: () => ({ args: ['audit', 'verify'], says: /audit chain verifies/ }),
      failed: () => [{ args: ['audit', 'verify'], env: dbDown }],
      usage: () => [],
    },
    'statistics export': {
      ok: () => ({ args: ['statistics', 'export', '--format', 'json'], says: /"rows"|\[/ }),
      failed: () => [{ args: ['statistics', 'export', '--output', path.join(missing, 'stats.csv')], says: /cannot be written \(ENOENT\)/ }],
      usage: () => [
        { args: ['statistics', 'export', '--from', '2026-13'], says: /invalid range/ },
        { args: ['statistics', 'export', '--format', 'xml'], says: /Allowed choices are csv, json/ },
      ],
    },
    'pki init': {
      ok: () => ({ args: ['pki', 'init'], env: { CA_DIR: path.join(dir, 'ca-init') }, says: /CA created/ }),
      failed: () => [{ args: ['pki', 'init'], says: /a CA already exists/ }],
      usage: () => [],
    },
    'pki issue': {
      ok: () => ({ args: ['pki', 'issue', '--participant', 'wohngeldstelle-koeln', '--out', path.join(dir, 'issued', 'client')], says: /certificate \S+ for wohngeldstelle-koeln written/ }),
      failed: () => [
        { args: ['pki', 'issue', '--participant', 'nobody-here', '--out', path.join(dir, 'x')], says: /unknown participant nobody-here/ },
        { args: ['pki', 'issue', '--participant', 'wohngeldstelle-koeln', '--out', path.join(dir, 'x')], env: noCa, says: /no CA in/ },
        { args: ['pki', 'issue', '--participant', 'wohngeldstelle-koeln', '--out', path.join(dir, 'x'), '--csr', missing], says: /cannot be read \(ENOENT\)/ },
        { args: ['pki', 'issue', '--participant', 'wohngeldstelle-koeln', '--out', path.join(dir, 'x'), '--csr', file('garbage.csr', 'no request here')] },
      ],
      usage: () => [
        { args: ['pki', 'issue', '--participant', 'wohngeldstelle-koeln', '--out', path.join(dir, 'x'), '--validity-days', '0'], says: /--validity-days must be 1\.\.3650/ },
        { args: ['pki', 'issue', '--participant', 'wohngeldstelle-koeln'], says: /required option '--out/ },
      ],
    },
    'pki issue-register-client': {
      ok: () => ({ args: ['pki', 'issue-register-client', '--out', path.join(dir, 'issued', 'register-client')], says: /for evidence-broker written/ }),
      failed: () => [{ args: ['pki', 'issue-register-client', '--out', path.join(dir, 'x')], env: noCa, says: /no CA in/ }],
      usage: () => [{ args: ['pki', 'issue-register-client', '--out', path.join(dir, 'x'), '--validity-days', '4000'], says: /--validity-days/ }],
    },
    'pki issue-server': {
      ok: () => ({ args: ['pki', 'issue-server', '--host', '127.0.0.1,localhost', '--out', path.join(dir, 'issued', 'server')], says: /for 127\.0\.0\.1 written/ }),
      failed: () => [{ args: ['pki', 'issue-server', '--host', 'localhost', '--out', path.join(dir, 'x')], env: noCa, says: /no CA in/ }],
      usage: () => [{ args: ['pki', 'issue-server', '--out', path.join(dir, 'x')], says: /required option '--host/ }],
    },
    'pki issue-signing': {
      ok: () => ({ args: ['pki', 'issue-signing', '--participant', 'gkv-signing', '--out', path.join(dir, 'issued', 'signing')], says: /for gkv-signing written/ }),
      failed: () => [{ args: ['pki', 'issue-signing', '--out', path.join(dir, 'x')], env: noCa, says: /no CA in/ }],
      usage: () => [{ args: ['pki', 'issue-signing', '--participant', 'not a name', '--out', path.join(dir, 'x')], says: /invalid participant id/ }],
    },
    'pki revoke': {
      given: async () => ({ serial: /certificate (\S+) for/.exec(await mustSucceed(['pki', 'issue', '--participant', 'wohngeldstelle-koeln', '--out', path.join(dir, 'issued', 'to-revoke')]))![1]! }),
      ok: (g) => ({ args: ['pki', 'revoke', g.serial!], says: /revoked/ }),
      failed: (g) => [{ args: ['pki', 'revoke', g.serial!], says: /no unrevoked certificate/ }],
      usage: () => [{ args: ['pki', 'revoke'], says: /missing required argument/ }],
    },
    'pki list': {
      ok: () => ({ args: ['pki', 'list', '--json'] }),
      failed: () => [{ args: ['pki', 'list'], env: dbDown }],
      usage: () => [],
    },
    backup: {
      ok: () => ({ args: ['backup', '--output', path.join(dir, 'backup.db')], says: /backup written/ }),
      failed: () => [
        { args: ['backup', '--output', path.join(missing, 'backup.db')] },
      ],
      usage: () => [{ args: ['backup'], says: /required option '--output/ }],
    },
  };

  it('has a row for every command of the tool, and only those', () => {
    expect(Object.keys(TABLE).sort()).to.deep.equal(leafCommands(buildProgram()).sort());
  });

  it('answers an unknown command, a group without its command, and no command at all with exit 2; --help with 0', async () => {
    for (const args of [['no-such-command'], ['registers'], ['registers', 'no-such-command'], []]) {
      const res = await admin(args);
      expect(res.code, args.join(' ')).to.equal(2);
      expect(res.stderr, args.join(' ')).to.match(/error: unknown command|Usage: broker-admin/);
    }
    for (const args of [['--help'], ['registers', '--help'], ['registers', 'add', '--help'], ['help', 'tokens']]) {
      const res = await admin(args);
      expect([res.code, res.stderr], args.join(' ')).to.deep.equal([0, '']);
      expect(res.stdout).to.match(/^Usage: broker-admin/);
    }
  });

  for (const [command, runs] of Object.entries(TABLE)) {
    it(`${command}: 0 done, 1 failed, 2 wrong usage or configuration`, async () => {
      const given = (await runs.given?.()) ?? {};
      const check = async (run: Run, code: number, what: string) => {
        const res = await admin(run.args, run.env);
        expect(res.code, `${what}: ${run.args.join(' ')} ${JSON.stringify(run.env ?? {})}\n${res.stderr}`).to.equal(code);
        if (run.says) expect(code === 0 ? res.stdout : res.stderr, `${what}: ${run.args.join(' ')}`).to.match(run.says);
        // A refusal is said on stderr in one line after any problem lines; nothing goes to stdout.
        if (code !== 0) expect(res.stdout, `${what}: ${run.args.join(' ')}`).to.equal('');
      };
      const ok = runs.ok(given);
      // Configuration first: none of these may change anything, so the ok run still finds its state.
      for (const c of CONFIGURATION_ERRORS) await check({ args: ok.args, env: { ...ok.env, ...c.env }, says: c.says }, 2, 'configuration');
      await check({ args: [...ok.args, '--no-such-option'], env: ok.env, says: /unknown option '--no-such-option'/ }, 2, 'unknown option');
      for (const run of runs.usage(given)) await check(run, 2, 'usage');
      await check(ok, 0, 'ok');
      for (const run of runs.failed(given)) await check(run, 1, 'failed');
      // The database being out of reach fails every command that opens it (after the ok run: PostgreSQL refuses at once).
      await check({ args: ok.args, env: { ...ok.env, ...dbDown }, says: /ECONNREFUSED/ }, 1, 'database down');
    });
  }
});

describe('exit codes of npm run clerks', function () {
  this.timeout(60_000);
  const dir2 = mkdtempSync(path.join(tmpdir(), 'broker-exit-codes-clerks-'));
  const db = freshSqlite('exit-codes-clerks');
  const env = { DATABASE_URL: db.url, LOG_LEVEL: 'silent', DATA_KEY_FILE: path.join(dir2, 'data.key'), AUDIT_SIGNING_KEY_FILE: path.join(dir2, 'audit.key') };
  const clerks = async (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) => {
    const io = collectingIo({ ...env, ...opts.env });
    const code = await runClerks(args, { ...io, stdin: Readable.from([opts.input ?? '']) });
    return { code, ...io.output() };
  };
  after(async () => {
    await db.drop();
    rmSync(dir2, { recursive: true, force: true });
  });

  const TABLE: Record<string, { ok: Run; failed: Run[]; usage: Run[] }> = {
    set: {
      ok: { args: ['set', 'emil', '--name', 'Emil Beispiel', '--participant', 'wohngeldstelle-koeln'], input: 'ein neues Passwort 1\n', says: /clerk emil acts for wohngeldstelle-koeln/ },
      failed: [{ args: ['set', 'emil', '--name', 'Emil', '--participant', 'nobody-here'], input: 'ein neues Passwort 1\n', says: /unknown participant: nobody-here/ }],
      usage: [
        { args: ['set', 'emil', '--name', 'Emil', '--participant', 'wohngeldstelle-koeln'], input: 'kurz\n', says: /the password needs 12 to 1024 characters/ },
        { args: ['set', 'emil', '--name', 'Emil', '--participant', 'wohngeldstelle-koeln'], input: `${'x'.repeat(1025)}\n`, says: /the password needs 12 to 1024 characters/ },
        { args: ['set', 'emil', '--name', 'Emil'], says: /required option '--participant/ },
      ],
    },
    list: { ok: { args: ['list'], says: /emil\twohngeldstelle-koeln/ }, failed: [], usage: [] },
    disable: { ok: { args: ['disable', 'emil'], says: /emil disabled/ }, failed: [{ args: ['disable', 'nobody'], says: /no clerk account nobody/ }], usage: [{ args: ['disable'] }] },
    enable: { ok: { args: ['enable', 'emil'], says: /emil enabled/ }, failed: [{ args: ['enable', 'nobody'], says: /no clerk account nobody/ }], usage: [{ args: ['enable'] }] },
    unlock: { ok: { args: ['unlock', 'emil'], says: /emil unlocked/ }, failed: [{ args: ['unlock', 'nobody'], says: /no clerk account nobody/ }], usage: [{ args: ['unlock'] }] },
  };

  it('has a row for every command of the tool, in the order that builds the state the next needs', async () => {
    expect(Object.keys(TABLE)).to.have.members(leafCommands(clerkProgram()));
    expect(Object.keys(TABLE)).to.have.length(leafCommands(clerkProgram()).length);
    // The authority the clerk acts for, through the admin tool.
    const add = await runAdminInProcess(['participants', 'add', '--id', 'wohngeldstelle-koeln', '--name', 'Wohngeldstelle Köln', '--region', 'DE-NW', '--evidence-types', 'salary', '--purposes', 'wohngeld'], env);
    expect(add.code, add.stderr).to.equal(0);
  });

  for (const [command, runs] of Object.entries(TABLE)) {
    it(`${command}: 0 done, 1 failed, 2 wrong usage or configuration`, async () => {
      const check = async (run: Run, code: number, what: string) => {
        const res = await clerks(run.args, { input: run.input, env: run.env });
        expect(res.code, `${what}: ${run.args.join(' ')}\n${res.stderr}`).to.equal(code);
        if (run.says) expect(code === 0 ? res.stdout : res.stderr, `${what}: ${run.args.join(' ')}`).to.match(run.says);
      };
      for (const c of CONFIGURATION_ERRORS.slice(0, 3)) await check({ args: runs.ok.args, input: runs.ok.input, env: c.env, says: c.says }, 2, 'configuration');
      await check({ args: [...runs.ok.args, '--no-such-option'], says: /unknown option/ }, 2, 'unknown option');
      for (const run of runs.usage) await check(run, 2, 'usage');
      await check(runs.ok, 0, 'ok');
      for (const run of runs.failed) await check(run, 1, 'failed');
    });
  }

  it('answers no command or an unknown one with exit 2, --help with 0', async () => {
    expect((await clerks([])).code).to.equal(2);
    expect((await clerks(['no-such-command'])).code).to.equal(2);
    const help = await clerks(['--help']);
    expect([help.code, help.stdout]).to.satisfy(([code, out]: [number, string]) => code === 0 && out.startsWith('Usage: clerks'));
  });
});

describe('exit codes of npm run migrate', () => {
  const migrate = async (env: Record<string, string>) => {
    const io = collectingIo(env);
    const code = await runMigrate(io);
    return { code, ...io.output() };
  };

  it('0 when it applied the migrations or there were none left, 1 when the database cannot be reached, 2 for a bad DATABASE_URL', async () => {
    const db = freshSqlite('exit-codes-migrate');
    try {
      const first = await migrate({ DATABASE_URL: db.url });
      expect([first.code, first.stderr]).to.deep.equal([0, '']);
      expect(first.stdout).to.match(/^applied: \d+_init/);
      expect(await migrate({ DATABASE_URL: db.url })).to.deep.equal({ code: 0, stdout: 'database is up to date\n', stderr: '' });
    } finally {
      await db.drop();
    }
    const down = await migrate({ DATABASE_URL: 'postgresql://127.0.0.1:1/test' });
    expect(down.code).to.equal(1);
    expect(down.stderr).to.match(/^migrate: .*ECONNREFUSED/);
    const bad = await migrate({ DATABASE_URL: 'mysql://db.example/broker' });
    expect(bad).to.deep.equal({ code: 2, stdout: '', stderr: 'migrate: invalid DATABASE_URL: must start with file: (SQLite) or postgresql:// (PostgreSQL)\n' });
  });
});
