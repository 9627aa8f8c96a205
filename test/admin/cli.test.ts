// The operators' command-line tool as scripts use it, on the running broker's database: its output and its exit
// codes (0 done, 1 failed or found a problem, 2 wrong usage or configuration). Most runs call the tool's entry
// in-process; the first test runs it as the process operators start, proving the wiring (exit code, streams,
// configuration from the process environment).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Command } from 'commander';
import { buildProgram } from '../../broker/ops/admin-cli.ts';
import { runAdmin, runAdminInProcess, type AdminRun } from '../helpers/admin-process.ts';
import { testDatabase } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { daysAgo } from '../helpers/paper-form.ts';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

describe('admin command-line tool', function () {
  this.timeout(60_000);
  let h: Harness;
  const dir = mkdtempSync(path.join(tmpdir(), 'broker-admin-'));
  // Keys under the temporary folder, never ./data of the checkout.
  const env = (databaseUrl: string) => ({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', DATA_KEY_FILE: path.join(dir, 'data.key'), AUDIT_SIGNING_KEY_FILE: path.join(dir, 'audit.key') });
  const admin = (databaseUrl: string, ...args: string[]): Promise<AdminRun> => runAdminInProcess(args, env(databaseUrl));
  before(async () => {
    h = await startHarness((await testDatabase('sqlite'))!);
  });
  after(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as a process of its own: exit code, stdout and stderr, configuration from its environment', async () => {
    const [ok, failed, usage, configuration] = await Promise.all([
      runAdmin(['participants', 'add', '--id', 'jobcenter-koeln', '--name', 'Jobcenter Köln', '--region', 'DE-NW', '--evidence-types', 'salary', '--purposes', 'wohngeld'], env(h.databaseUrl)),
      runAdmin(['tokens', 'revoke', 'no-such-token'], env(h.databaseUrl)),
      runAdmin(['no-such-command'], env(h.databaseUrl)),
      runAdmin(['participants', 'list'], { ...env(h.databaseUrl), DATABASE_URL: 'mysql://db.example/broker' }),
    ]);
    expect(ok, ok.stderr).to.deep.equal({ code: 0, stdout: 'participant jobcenter-koeln saved\n', stderr: '' });
    expect((await h.broker.ctx.participants.get('jobcenter-koeln'))?.name).to.equal('Jobcenter Köln');
    expect(failed).to.deep.equal({ code: 1, stdout: '', stderr: 'broker-admin: no active token no-such-token\n' });
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.match(/^error: unknown command 'no-such-command'/);
    expect(configuration).to.deep.equal({ code: 2, stdout: '', stderr: 'broker-admin: invalid DATABASE_URL: must start with file: (SQLite) or postgresql:// (PostgreSQL)\n' });
  });

  it('adds an authority and issues it a token the running broker accepts', async () => {
    const add = await admin(h.databaseUrl, 'participants', 'add', '--id', 'wohngeldstelle-koeln', '--name', 'Wohngeldstelle Köln', '--region', 'DE-NW', '--evidence-types', 'salary,income', '--purposes', 'wohngeld');
    expect(add.code, add.stderr).to.equal(0);
    const issued = await admin(h.databaseUrl, 'tokens', 'issue', '--participant', 'wohngeldstelle-koeln', '--label', 'fachverfahren');
    expect(issued.code, issued.stderr).to.equal(0);
    const me = await h.call('GET', '/v1/me', { token: issued.stdout.trim() });
    expect(me.body).to.deep.include({ participantId: 'wohngeldstelle-koeln', region: 'DE-NW' });
    const listed = await admin(h.databaseUrl, 'participants', 'list', '--json');
    expect(JSON.parse(listed.stdout).map((p: { id: string }) => p.id)).to.include('wohngeldstelle-koeln');
  });

  it('revokes a token at once', async () => {
    const issued = await admin(h.databaseUrl, 'tokens', 'issue', '--operator', 'ops');
    const token = issued.stdout.trim();
    expect((await h.call('GET', '/v1/me', { token })).status).to.equal(200);
    const tokens = JSON.parse((await admin(h.databaseUrl, 'tokens', 'list', '--json')).stdout) as { id: string; subject: string }[];
    expect(JSON.stringify(tokens)).not.to.include(token);
    const revoked = await admin(h.databaseUrl, 'tokens', 'revoke', tokens.find((t) => t.subject === 'ops')!.id);
    expect(revoked.code).to.equal(0);
    expect((await h.call('GET', '/v1/me', { token })).status).to.equal(401);
  });

  it('imports consents given on paper from CSV all or nothing, naming the bad lines but never an IdNr', async () => {
    const header = 'idNr,grantee,evidenceTypes,purpose,validFrom,validUntil,paperReference,paperSignedOn';
    const signed = daysAgo(2);
    const until = inDays(200);
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(
      bad,
      `${header}
47295136822,wohngeldstelle-koeln,salary;income,wohngeld,,${until},WG-Antrag 1,${signed}
47295136821,wohngeldstelle-koeln,salary,wohngeld,,${until},WG-Antrag 2,${signed}
73915268449,nobody,salary,wohngeld,,${until},WG-Antrag 3,${signed}
73915268449,wohngeldstelle-koeln,salary,wohngeld,,${until},,
73915268449,wohngeldstelle-koeln,salary,wohngeld,,${until},WG-Antrag 5,${daysAgo(-3)}
73915268449,wohngeldstelle-koeln,salary,wohngeld,${daysAgo(3)}T12:00:00Z,${until},WG-Antrag 7,${signed}
73915268449,wohngeldstelle-koeln,salary,wohngeld,${inDays(2)},${until},WG-Antrag 8,${signed}
73915268449,wohngeldstelle-koeln,salary,wohngeld,,${inDays(-1)},WG-Antrag 9,${signed}
73915268449,wohngeldstelle-koeln,salary,wohngeld,,${inDays(400)},WG-Antrag 10,${signed}
73915268449,wohngeldstelle-koeln,salary,wohngeld,${signed}T12:00:00Z,${signed}T11:00:00Z,WG-Antrag 11,${signed}
`,
    );
    const refused = await admin(h.databaseUrl, 'consents', 'import', bad);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('line 3: citizen.idNr IdNr has a wrong check digit');
    expect(refused.stderr).to.include('line 4: grantee nobody is not a known participant');
    expect(refused.stderr).to.include('line 5: paper.reference is required: the reference of the signed paper form');
    expect(refused.stderr).to.include('line 5: paper.signedOn is required');
    expect(refused.stderr).to.include('line 6: paper.signedOn must not lie after today');
    expect(refused.stderr).to.include(`line 7: validFrom must not lie before the day the form was signed (${signed})`);
    expect(refused.stderr).to.include('line 8: validFrom must not lie more than 5 minutes in the future');
    expect(refused.stderr).to.include('line 9: validUntil must be after validFrom');
    expect(refused.stderr).to.include('line 10: validUntil a consent an authority records lasts at most 365 days');
    expect(refused.stderr).to.include('line 11: validUntil validFrom must be before validUntil');
    expect(refused.stderr).not.to.match(/\d{11}/);
    expect(await h.broker.ctx.consentStore.listForCitizen('47295136822')).to.have.length(0);

    const good = path.join(dir, 'good.csv');
    writeFileSync(
      good,
      `${header}
47295136822,wohngeldstelle-koeln,salary;income,wohngeld,,${until},WG-Antrag 2026/0815,${signed}
73915268449,wohngeldstelle-koeln,income,wohngeld,${signed}T12:00:00+01:00,${until},WG-Antrag 2026/0816,${signed}
`,
    );
    const imported = await admin(h.databaseUrl, 'consents', 'import', good);
    expect(imported.code, imported.stderr).to.equal(0);
    expect(imported.stdout).to.include('2 consent(s) imported');
    const [consent] = await h.broker.ctx.consentStore.listForCitizen('47295136822');
    expect(consent).to.deep.include({ granteeId: 'wohngeldstelle-koeln', purpose: 'wohngeld', grantedBy: 'operator:consent-import' });
    expect(consent!.paper).to.deep.equal({ reference: 'WG-Antrag 2026/0815', signedOn: signed, recordedByClerk: null });
  });

  it('verifies the audit chain with exit 0, and exit 1 naming the entry once a row is tampered with', async () => {
    const ok = await admin(h.databaseUrl, 'audit', 'verify');
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/audit chain verifies: \d+ entries/);
    const prisma = h.broker.ctx.database.prisma;
    const entry = await prisma.auditEntry.findUniqueOrThrow({ where: { seq: 1 } });
    await prisma.auditEntry.update({ where: { seq: 1 }, data: { kind: 'consent-revoked' } });
    const broken = await admin(h.databaseUrl, 'audit', 'verify', '--json');
    await prisma.auditEntry.update({ where: { seq: 1 }, data: { kind: entry.kind } });
    expect(broken.code).to.equal(1);
    expect(JSON.parse(broken.stdout)).to.deep.include({ ok: false, brokenAt: 1, reason: 'entry-hash-mismatch' });
  });

  it('exports statistics as CSV', async () => {
    const res = await admin(h.databaseUrl, 'statistics', 'export', '--format', 'csv');
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout.split('\n')[0]).to.equal('month,region,evidence_type,register,transactions,suppressed');
  });

  it('answers wrong usage with exit 2 and help for every command', async () => {
    expect((await admin(h.databaseUrl, 'no-such-command')).code).to.equal(2);
    expect((await admin(h.databaseUrl, 'statistics', 'export', '--from', '2026-13')).code).to.equal(2);
    expect((await admin(h.databaseUrl, 'tokens', 'issue')).code).to.equal(2);
    const help = await admin(h.databaseUrl, 'consents', 'import', '--help');
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^Usage: broker-admin consents import/);
    // Every command, however deep, describes itself for --help.
    const walk = (cmd: Command): Command[] => [cmd, ...cmd.commands.flatMap(walk)];
    for (const cmd of walk(buildProgram())) {
      expect(cmd.description(), cmd.name()).to.have.length.greaterThan(5);
      expect(cmd.helpInformation()).to.match(/^Usage: /);
    }
  });
});
