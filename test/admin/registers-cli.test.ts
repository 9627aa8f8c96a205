// The register directory as operators keep it with the admin tool: its entry run in-process on a fresh database
// (the process wiring is proven by the spawned runs in cli.test.ts and --help below), its output and its exit
// codes (0 done, 1 refused or an invalid file, 2 wrong usage or configuration). A refused import writes
// nothing: the directory's version does not move.
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { sandboxBrokerIdentity, sandboxSigningIdentity } from '../../adapters/sandbox-trust.ts';
import { openDatabase } from '../../broker/db/database.ts';
import { RegisterStore } from '../../broker/directory/register-store.ts';
import { buildProgram } from '../../broker/ops/admin-cli.ts';
import { runAdmin, runAdminInProcess, type AdminRun } from '../helpers/admin-process.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';

type Run = AdminRun;

interface ListedRegister {
  id: string;
  name: string;
  enabled: boolean;
  jurisdiction: { kind: string; values: string[] };
  purposes: string[];
  participants: string[] | null;
  mutualTls: boolean;
  certificates: { fingerprint: string; status: string; profile: string }[];
}

const dir = mkdtempSync(path.join(tmpdir(), 'broker-registers-'));
const file = (name: string, text: string) => {
  const full = path.join(dir, name);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
};

/** Certificates of sandbox identities, RSA and ECDSA, as PEM files in the temporary folder. */
const certs = { tk: '', tkNext: '', aok: '', barmer: '', stvBayern: '', stvNrw: '', koeln: '', muenchen: '' };
let certPem: Record<keyof typeof certs, string>;

after(() => rmSync(dir, { recursive: true, force: true }));

before(async function () {
  this.timeout(60_000);
  const made = {
    tk: await sandboxSigningIdentity('gkv-tk', 'ecdsa-p256-sha256'),
    tkNext: await sandboxSigningIdentity('gkv-tk-next', 'rsa-pss-sha256'),
    aok: await sandboxSigningIdentity('gkv-aok-bayern', 'rsa-pss-sha256'),
    barmer: await sandboxSigningIdentity('gkv-barmer', 'ecdsa-p256-sha256'),
    stvBayern: await sandboxSigningIdentity('stv-bayern', 'rsa-pss-sha256'),
    stvNrw: await sandboxSigningIdentity('stv-nrw', 'ecdsa-p256-sha256'),
    koeln: await sandboxSigningIdentity('standesamt-koeln', 'rsa-pss-sha256'),
    muenchen: await sandboxSigningIdentity('standesamt-muenchen', 'ecdsa-p256-sha256'),
  };
  certPem = Object.fromEntries(Object.entries(made).map(([k, v]) => [k, v.certPem])) as typeof certPem;
  for (const [k, v] of Object.entries(made)) certs[k as keyof typeof certs] = file(`certs/${k}.pem`, v.certPem);
});

for (const kind of DATABASE_KINDS) {
  describe(`admin tool: registers (${kind})`, function () {
    this.timeout(120_000);
    let url = '';
    let drop: () => Promise<void> = async () => {};
    const home = path.join(dir, kind);

    function admin(args: string[], env: Record<string, string> = {}): Promise<Run> {
      return runAdminInProcess(args, { DATABASE_URL: url, LOG_LEVEL: 'silent', DATA_KEY_FILE: path.join(home, 'data.key'), AUDIT_SIGNING_KEY_FILE: path.join(home, 'audit.key'), ...env });
    }
    const registers = (...args: string[]) => admin(['registers', ...args]);
    // NOTE: one after the other: in one process, a second SQLite connection waiting for the file's lock blocks
    // the event loop the first needs to finish (the tool itself opens one context per process).
    const inTurn = async (runs: (() => Promise<Run>)[]): Promise<Run[]> => {
      const done: Run[] = [];
      for (const run of runs) done.push(await run());
      return done;
    };
    const listed = async (): Promise<ListedRegister[]> => {
      const res = await registers('list', '--json');
      expect(res.code, res.stderr).to.equal(0);
      return (JSON.parse(res.stdout) as { registers: ListedRegister[] }).registers;
    };
    const directoryVersion = async () => {
      const database = await openDatabase(url);
      try {
        return await new RegisterStore(database.prisma, () => new Date()).version();
      } finally {
        await database.close();
      }
    };

    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      mkdirSync(home, { recursive: true });
      ({ url, drop } = db.create());
    });
    after(async () => drop());

    // The full set runs on SQLite, and on PostgreSQL the rules the database itself enforces: one instance per
    // jurisdiction key, and a refused import writing nothing.
    if (kind === 'postgresql') {
      it('adds, refuses a held jurisdiction naming the holder, writes nothing of a bad file and all of a good one', async () => {
        const add = await registers('add', '--id', 'gkv-tk', '--evidence-type', 'maternity-benefit', '--name', 'Techniker Krankenkasse', '--endpoint', 'http://127.0.0.1:9/gkv-tk', '--jurisdiction', '101575519', '--certificate', certs.tk);
        expect(add.code, add.stderr).to.equal(0);
        const copy = await registers('add', '--id', 'gkv-tk-copy', '--evidence-type', 'maternity-benefit', '--name', 'Kopie', '--endpoint', 'http://127.0.0.1:9/copy', '--jurisdiction', '101575519', '--certificate', certs.aok);
        expect([copy.code, copy.stderr]).to.deep.equal([1, 'broker-admin: register gkv-tk-copy: another maternity-benefit register is responsible for 101575519 (held by gkv-tk)\n']);
        const before = { rows: await listed(), version: await directoryVersion() };
        const entry = (id: string, ik: string, cert: string) => ({ id, evidenceType: 'maternity-benefit', name: id, endpointUrl: `http://127.0.0.1:9/${id}`, jurisdiction: { values: [ik] }, certificates: [cert] });
        const bad = await registers('import', file(`${kind}-files/bad.json`, JSON.stringify({ registers: [entry('gkv-barmer', '104940005', certPem.barmer), entry('gkv-tk-2', '101575519', certPem.aok)] })));
        expect(bad.code).to.equal(1);
        expect(bad.stderr).to.include('entry 2 (gkv-tk-2): jurisdiction 101575519 of maternity-benefit is held by register gkv-tk in the directory');
        expect(await listed()).to.deep.equal(before.rows);
        expect(await directoryVersion()).to.equal(before.version);
        const good = await registers('import', file(`${kind}-files/good.json`, JSON.stringify({ registers: [entry('gkv-barmer', '104940005', certPem.barmer), entry('gkv-aok-bayern', '108310400', certPem.aok)] })));
        expect(good.code, good.stderr).to.equal(0);
        expect((await listed()).map((r) => r.id).sort()).to.deep.equal(['gkv-aok-bayern', 'gkv-barmer', 'gkv-tk']);
        expect(await directoryVersion()).to.equal(before.version + 1);
      });
      return;
    }

    describe('adding and keeping one instance', () => {
      it('adds an instance with every purpose of its type and lists it', async () => {
        const add = await registers('add', '--id', 'gkv-tk', '--evidence-type', 'maternity-benefit', '--name', 'Techniker Krankenkasse', '--endpoint', 'http://127.0.0.1:9/gkv-tk', '--jurisdiction', '101575519', '--certificate', certs.tk);
        expect(add.code, add.stderr).to.equal(0);
        expect(add.stdout).to.include('register gkv-tk added (maternity-benefit, insurer 101575519, 1 certificate(s) pinned)');
        const [tk] = await listed();
        expect(tk).to.deep.include({ id: 'gkv-tk', name: 'Techniker Krankenkasse', enabled: true, mutualTls: false, participants: null, jurisdiction: { kind: 'insurer', values: ['101575519'] } });
        expect(tk!.purposes).to.have.length.greaterThan(1);
        expect(tk!.certificates).to.have.length(1);
        expect(tk!.certificates[0]).to.deep.include({ status: 'valid', profile: 'ecdsa-p256-sha256' });

        const table = await registers('list');
        expect(table.stdout.split('\n')[0]).to.match(/^ID\s+TYPE\s+NAME\s+JURISDICTION\s+ENABLED\s+CERTS VALID\/PINNED$/);
        expect(table.stdout).to.match(/gkv-tk\s+maternity-benefit\s+Techniker Krankenkasse\s+insurer 101575519\s+yes\s+1\/1/);
      });

      it('refuses a second instance for a jurisdiction value another one holds, naming the holder', async () => {
        const before = await directoryVersion();
        const res = await registers('add', '--id', 'gkv-tk-copy', '--evidence-type', 'maternity-benefit', '--name', 'Kopie', '--endpoint', 'http://127.0.0.1:9/copy', '--jurisdiction', '108310400,101575519', '--certificate', certs.aok);
        expect(res.code).to.equal(1);
        expect(res.stderr).to.include('another maternity-benefit register is responsible for 101575519 (held by gkv-tk)');
        expect((await listed()).map((r) => r.id)).to.deep.equal(['gkv-tk']);
        expect(await directoryVersion()).to.equal(before);
      });

      it('refuses a second national instance of a type', async () => {
        const first = await registers('add', '--id', 'drv-rvbea', '--evidence-type', 'salary', '--name', 'DRV Bund – rvBEA', '--endpoint', 'http://127.0.0.1:9/drv', '--certificate', certs.aok, '--purposes', 'elterngeld,wohngeld', '--participants', 'elterngeldstelle-test', '--mutual-tls', '--disabled');
        expect(first.code, first.stderr).to.equal(0);
        const second = await registers('add', '--id', 'drv-zwei', '--evidence-type', 'salary', '--name', 'Zweite', '--endpoint', 'http://127.0.0.1:9/drv2', '--jurisdiction', 'national', '--certificate', certs.aok);
        expect(second.code).to.equal(1);
        expect(second.stderr).to.include('responsible for the national jurisdiction (held by drv-rvbea)');
        const drv = (await listed()).find((r) => r.id === 'drv-rvbea');
        expect(drv).to.deep.include({ enabled: false, mutualTls: true, purposes: ['elterngeld', 'wohngeld'], participants: ['elterngeldstelle-test'], jurisdiction: { kind: 'national', values: [] } });
      });

      it('disables and enables an instance', async () => {
        expect((await registers('disable', 'gkv-tk')).stdout).to.include('register gkv-tk disabled');
        expect((await listed()).find((r) => r.id === 'gkv-tk')!.enabled).to.equal(false);
        expect((await registers('enable', 'gkv-tk')).stdout).to.include('register gkv-tk enabled');
        expect((await listed()).find((r) => r.id === 'gkv-tk')!.enabled).to.equal(true);
      });

      it('rolls a certificate over: pins the next one, retires the old one, and shows both', async () => {
        const [old] = (await listed()).find((r) => r.id === 'gkv-tk')!.certificates;
        const added = await registers('add-certificate', 'gkv-tk', certs.tkNext);
        expect(added.code, added.stderr).to.equal(0);
        const again = await registers('add-certificate', 'gkv-tk', certs.tkNext);
        expect(again.code).to.equal(1);
        expect(again.stderr).to.include('is pinned for gkv-tk already');
        // Colons and capitals as other tools print fingerprints.
        const colons = old!.fingerprint.toUpperCase().match(/../g)!.join(':');
        const retired = await registers('retire-certificate', 'gkv-tk', colons);
        expect(retired.code, retired.stderr).to.equal(0);
        expect(retired.stdout).to.include(`certificate ${old!.fingerprint} of gkv-tk retired; 1 valid certificate(s) left`);
        const tk = (await listed()).find((r) => r.id === 'gkv-tk')!;
        // Ordered by notBefore, which both may share to the second: compare by fingerprint.
        expect(tk.certificates.find((c) => c.fingerprint === old!.fingerprint)).to.deep.include({ status: 'retired', profile: 'ecdsa-p256-sha256' });
        expect(tk.certificates.find((c) => c.fingerprint !== old!.fingerprint)).to.deep.include({ status: 'valid', profile: 'rsa-pss-sha256' });
        const show = await registers('show', 'gkv-tk');
        expect(show.code, show.stderr).to.equal(0);
        expect(show.stdout).to.include('gkv-tk: Techniker Krankenkasse');
        expect(show.stdout).to.match(new RegExp(`${old!.fingerprint}\\s+retired \\S+\\s+ecdsa-p256-sha256`));
        expect(show.stdout).to.match(/jurisdiction\s+insurer: 101575519/);
        expect(JSON.parse((await registers('show', 'gkv-tk', '--json')).stdout)).to.deep.equal(tk);
        expect((await registers('list')).stdout).to.match(/gkv-tk .* yes\s+1\/2/);
        const twice = await registers('retire-certificate', 'gkv-tk', old!.fingerprint);
        expect(twice.code).to.equal(1);
        expect(twice.stderr).to.include(`no certificate ${old!.fingerprint} in use for register gkv-tk`);
      });

      it('answers an unknown instance with exit 1 and its name', async () => {
        const fingerprint = 'ab'.repeat(32);
        const runs = await inTurn([
          () => registers('show', 'gkv-nowhere'),
          () => registers('disable', 'gkv-nowhere'),
          () => registers('enable', 'gkv-nowhere'),
          () => registers('add-certificate', 'gkv-nowhere', certs.aok),
          () => registers('retire-certificate', 'gkv-nowhere', fingerprint),
        ]);
        for (const res of runs) {
          expect(res.code, res.stderr).to.equal(1);
          expect(res.stderr).to.match(/gkv-nowhere/);
        }
      });

      it('refuses a file that is not a certificate, and wrong option values with exit 2', async () => {
        const notPem = file('not-a-cert.pem', 'hello');
        const cert = await registers('add-certificate', 'gkv-tk', notPem);
        expect(cert.code).to.equal(1);
        expect(cert.stderr).to.include('not a PEM certificate');
        const two = file('two.pem', certPem.aok + certPem.barmer);
        expect((await registers('add-certificate', 'gkv-tk', two)).stderr).to.include('holds 2 certificates; give each one in its own file');

        const runs = await inTurn([
          () => registers('add', '--id', 'Gkv_Bad', '--evidence-type', 'maternity-benefit', '--name', 'x', '--endpoint', 'ftp://x.example', '--jurisdiction', '123', '--certificate', certs.aok),
          () => registers('add', '--id', 'stv-x', '--evidence-type', 'income', '--name', 'x', '--endpoint', 'http://x.example', '--jurisdiction', '17', '--certificate', certs.aok),
          () => registers('add', '--id', 'stv-x', '--evidence-type', 'income', '--name', 'x', '--endpoint', 'http://x.example', '--jurisdiction', '05'),
          () => registers('add', '--id', 'stv-x', '--evidence-type', 'tax', '--name', 'x', '--endpoint', 'http://x.example', '--certificate', certs.aok),
          () => registers('retire-certificate', 'gkv-tk', 'not-a-fingerprint'),
          () => registers('add', '--id', 'stv-x'),
        ]);
        expect(runs.map((r) => r.code)).to.deep.equal([2, 2, 2, 2, 2, 2]);
        expect(runs[0]!.stderr).to.include('--id must be 1-64 lower-case letters').and.to.include('--endpoint must be an http:// or https:// URL');
        expect(runs[1]!.stderr).to.include('--jurisdiction must be a 2-digit Land key');
        expect(runs[2]!.stderr).to.include('--certificate');
        expect(runs[3]!.stderr).to.include('--evidence-type').and.not.to.include('--purposes');
        expect(runs[4]!.stderr).to.include('64 hexadecimal digits');
      });
    });

    describe('importing a directory file', () => {
      it('adds and replaces instances from JSON, certificates given as PEM or as files beside it', async () => {
        const directory = {
          registers: [
            // replaces gkv-tk: a new name, and the next certificate again (already pinned: kept once)
            { id: 'gkv-tk', evidenceType: 'maternity-benefit', name: 'TK (neu)', endpointUrl: 'http://127.0.0.1:9/tk', jurisdiction: { values: ['101575519'] }, certificates: [{ file: '../certs/tkNext.pem' }] },
            { id: 'gkv-aok-bayern', evidenceType: 'maternity-benefit', name: 'AOK Bayern', endpointUrl: 'http://127.0.0.1:9/aok', jurisdiction: { kind: 'insurer', values: ['108310400'] }, purposes: ['elterngeld'], certificates: [certPem.aok] },
            { id: 'stv-nrw', evidenceType: 'income', name: 'Finanzverwaltung NRW', endpointUrl: 'https://stv.nrw.example/nachweis', jurisdiction: { values: ['05'] }, enabled: false, certificates: [{ file: '../certs/stvNrw.pem' }] },
          ],
        };
        const res = await registers('import', file(`${kind}-files/directory.json`, JSON.stringify(directory)));
        expect(res.code, res.stderr).to.equal(0);
        expect(res.stdout).to.include('imported 3 registers (2 added, 1 replaced)');
        const rows = await listed();
        expect(rows.map((r) => r.id).sort()).to.deep.equal(['drv-rvbea', 'gkv-aok-bayern', 'gkv-tk', 'stv-nrw']);
        expect(rows.find((r) => r.id === 'gkv-tk')).to.deep.include({ name: 'TK (neu)' });
        expect(rows.find((r) => r.id === 'gkv-tk')!.certificates).to.have.length(2);
        expect(rows.find((r) => r.id === 'gkv-aok-bayern')).to.deep.include({ purposes: ['elterngeld'] });
        expect(rows.find((r) => r.id === 'stv-nrw')).to.deep.include({ enabled: false, jurisdiction: { kind: 'land', values: ['05'] } });
        expect(rows.find((r) => r.id === 'stv-nrw')!.certificates[0]!.profile).to.equal('ecdsa-p256-sha256');
      });

      it('refuses a JSON file with any invalid entry, naming every problem, and writes nothing', async () => {
        const before = { rows: await listed(), version: await directoryVersion() };
        const directory = {
          registers: [
            { id: 'gkv-barmer', evidenceType: 'maternity-benefit', name: 'Barmer', endpointUrl: 'http://127.0.0.1:9/barmer', jurisdiction: { values: ['104940005'] }, certificates: [certPem.barmer] },
            { id: 'gkv-bad', evidenceType: 'maternity-benefit', name: '', endpointUrl: 'mailto:x@example.org', jurisdiction: { values: ['1049'] }, certificates: [certPem.koeln] },
            { id: 'gkv-barmer-2', evidenceType: 'maternity-benefit', name: 'Barmer Kopie', endpointUrl: 'http://127.0.0.1:9/b2', jurisdiction: { values: ['104940005'] }, certificates: [certPem.koeln] },
            { id: 'standesamt-koeln', evidenceType: 'birth-certificate', name: 'Standesamt Köln', endpointUrl: 'http://127.0.0.1:9/k', jurisdiction: { values: ['05315000'] }, certificates: ['-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n', { file: 'missing.pem' }] },
            { id: 'stv-bayern', evidenceType: 'income', name: 'BayLfSt', endpointUrl: 'http://127.0.0.1:9/by', jurisdiction: { values: ['05'] }, certificates: [certPem.stvBayern] },
            { id: 'stv-x', evidenceType: 'income', name: 'X', endpointUrl: 'http://127.0.0.1:9/x', jurisdiction: { values: ['07'] }, colour: 'blue', certificates: [] },
          ],
        };
        const res = await registers('import', file(`${kind}-files/bad.json`, JSON.stringify(directory)));
        expect(res.code).to.equal(1);
        expect(res.stderr).to.include('entry 2 (gkv-bad): name');
        expect(res.stderr).to.include('entry 2 (gkv-bad): endpointUrl must be an http:// or https:// URL');
        expect(res.stderr).to.include('entry 3 (gkv-barmer-2): jurisdiction 104940005 of maternity-benefit is claimed already by entry 1 (gkv-barmer)');
        expect(res.stderr).to.include('entry 4 (standesamt-koeln): certificates[0]: not a PEM X.509 certificate');
        expect(res.stderr).to.include('entry 4 (standesamt-koeln): certificates[1] (missing.pem): cannot be read (ENOENT)');
        expect(res.stderr).to.include('entry 5 (stv-bayern): jurisdiction 05 of income is held by register stv-nrw in the directory');
        expect(res.stderr).to.match(/entry 6 \(stv-x\): .*colour/);
        expect(res.stderr).to.include('entry 6 (stv-x): certificates must name at least one certificate to pin');
        expect(res.stderr).to.match(/broker-admin: \d+ problem\(s\) in .*bad\.json; nothing imported/);
        expect(await listed()).to.deep.equal(before.rows);
        expect(await directoryVersion()).to.equal(before.version);
      });

      it('refuses a file that is not a directory, or too large, before reading entries', async () => {
        const runs = await inTurn([
          () => registers('import', file(`${kind}-files/broken.json`, '{"registers": [')),
          () => registers('import', file(`${kind}-files/list.json`, '[]')),
          () => registers('import', file(`${kind}-files/empty.json`, '{"registers": []}')),
          () => registers('import', path.join(dir, 'no-such-file.json')),
        ]);
        expect(runs.map((r) => r.code)).to.deep.equal([1, 1, 1, 1]);
        expect(runs[0]!.stderr).to.include('not valid JSON');
        expect(runs[1]!.stderr).to.include('must be an object { "registers": [ … ] }');
        expect(runs[2]!.stderr).to.include('defines no registers; nothing imported');
        expect(runs[3]!.stderr).to.include('cannot be read (ENOENT)');

        const huge = file(`${kind}-files/huge.json`, '');
        truncateSync(huge, 51 * 1024 * 1024); // sparse: no 51 MB written
        const big = await registers('import', huge);
        expect(big.code).to.equal(1);
        expect(big.stderr).to.include('is 51.0 MB; a directory file may be at most 50 MB');
      });

      it('shows the first 20 problems of a long list and counts the rest', async () => {
        const rows = Array.from({ length: 30 }, (_, i) => `standesamt-${i},birth-certificate,Standesamt ${i},http://127.0.0.1:9/${i},0${i},,,,,../certs/koeln.pem`);
        const res = await registers('import', file(`${kind}-files/many.csv`, `id,evidenceType,name,endpointUrl,jurisdiction,purposes,participants,enabled,mutualTls,certificateFiles\n${rows.join('\n')}\n`));
        expect(res.code).to.equal(1);
        const lines = res.stderr.trim().split('\n');
        expect(lines).to.have.length(22);
        expect(lines[0]).to.equal('line 2 (standesamt-0): jurisdiction.values.0 must be a 8-digit Amtlicher Gemeindeschlüssel (AGS)');
        expect(lines[20]).to.equal('… and 10 more');
        expect(lines[21]).to.match(/broker-admin: 30 problem\(s\) in .*many\.csv; nothing imported/);
      });

      it('imports CSV, lists in a cell separated by ";" or spaces, with a dry run first', async () => {
        const csv = [
          'id,evidenceType,name,endpointUrl,jurisdiction,purposes,participants,enabled,mutualTls,certificateFiles',
          'standesamt-koeln,birth-certificate,"Standesamt Köln, Rheinland",http://127.0.0.1:9/koeln,05315000;05316000,,,,,../certs/koeln.pem',
          'standesamt-muenchen,birth-certificate,Standesamt München,http://127.0.0.1:9/muc,09162000 09184119,elterngeld;kinderzuschlag,elterngeldstelle-test,false,true,../certs/muenchen.pem ../certs/aok.pem',
          '',
        ].join('\n');
        const csvFile = file(`${kind}-files/standesaemter.csv`, csv);
        const dry = await registers('import', '--dry-run', csvFile);
        expect(dry.code, dry.stderr).to.equal(0);
        expect(dry.stdout).to.include('2 register(s) checked; nothing imported (--dry-run)');
        expect((await listed()).map((r) => r.id)).not.to.include('standesamt-koeln');

        const res = await registers('import', csvFile);
        expect(res.code, res.stderr).to.equal(0);
        expect(res.stdout).to.include('imported 2 registers (2 added, 0 replaced)');
        const rows = await listed();
        expect(rows.find((r) => r.id === 'standesamt-koeln')).to.deep.include({ name: 'Standesamt Köln, Rheinland', enabled: true, mutualTls: false, participants: null, jurisdiction: { kind: 'ags', values: ['05315000', '05316000'] } });
        const muc = rows.find((r) => r.id === 'standesamt-muenchen')!;
        expect(muc).to.deep.include({ enabled: false, mutualTls: true, purposes: ['elterngeld', 'kinderzuschlag'], participants: ['elterngeldstelle-test'] });
        expect(muc.certificates.map((c) => c.profile).sort()).to.deep.equal(['ecdsa-p256-sha256', 'rsa-pss-sha256']);
        expect((await registers('list')).stdout).to.match(/standesamt-koeln\s+birth-certificate\s+Standesamt Köln, Rheinland\s+ags 2: 05315000, 05316000\s+yes\s+1\/1/);
      });

      it('refuses a bad CSV file naming the lines, and writes nothing', async () => {
        const before = { rows: await listed(), version: await directoryVersion() };
        const csv = [
          'id,evidenceType,name,endpointUrl,jurisdiction,purposes,participants,enabled,mutualTls,certificateFiles',
          'standesamt-bonn,birth-certificate,Standesamt Bonn,http://127.0.0.1:9/bonn,05314000,,,,,../certs/koeln.pem',
          'standesamt-bonn-2,birth-certificate,Bonn 2,http://127.0.0.1:9/bonn2,05314000,,,,,../certs/koeln.pem',
          'standesamt-x,birth-certificate,X,http://127.0.0.1:9/x,05111000,,,maybe,,../certs/koeln.pem',
          'standesamt-y,birth-certificate,Y,http://127.0.0.1:9/y,05999000,buergergeld;adoption,,,,not-a-cert.pem',
          'standesamt-koeln-2,birth-certificate,Köln 2,http://127.0.0.1:9/k2,05315000,,,,,../certs/koeln.pem',
          'standesamt-z,birth-certificate,Z',
          '',
        ].join('\n');
        file(`${kind}-files/not-a-cert.pem`, 'no certificate here');
        const res = await registers('import', file(`${kind}-files/bad.csv`, csv));
        expect(res.code).to.equal(1);
        expect(res.stderr).to.include('line 3 (standesamt-bonn-2): jurisdiction 05314000 of birth-certificate is claimed already by line 2 (standesamt-bonn)');
        expect(res.stderr).to.include('line 4 (standesamt-x): enabled');
        expect(res.stderr).to.include('line 5 (standesamt-y): purposes');
        expect(res.stderr).to.include('line 5 (standesamt-y): certificates[0] (not-a-cert.pem): not a PEM certificate');
        expect(res.stderr).to.include('line 6 (standesamt-koeln-2): jurisdiction 05315000 of birth-certificate is held by register standesamt-koeln in the directory');
        expect(res.stderr).to.include('line 7: 3 fields, the header has 10');
        expect(await listed()).to.deep.equal(before.rows);
        expect(await directoryVersion()).to.equal(before.version);

        const header = await registers('import', file(`${kind}-files/header.csv`, 'id,type,name\nx,salary,X\n'));
        expect(header.code).to.equal(1);
        expect(header.stderr).to.include('line 1: the header must name the columns').and.to.include('missing: evidenceType, endpointUrl, jurisdiction, certificateFiles; unknown: type');
      });
    });

    describe('replacing certificates by import', () => {
      it('retires the certificates a file leaves out when asked, and never leaves an instance without a valid one', async () => {
        const muenchen = (certificates: string) =>
          [
            'id,evidenceType,name,endpointUrl,jurisdiction,certificateFiles',
            `standesamt-muenchen,birth-certificate,Standesamt München,http://127.0.0.1:9/muc,09162000 09184119,${certificates}`,
            '',
          ].join('\n');
        const rotated = await registers('import', '--retire-unlisted-certificates', file(`${kind}-files/muc-new.csv`, muenchen('../certs/muenchen.pem')));
        expect(rotated.code, rotated.stderr).to.equal(0);
        expect(rotated.stdout).to.include('imported 1 registers (0 added, 1 replaced)');
        const muc = (await listed()).find((r) => r.id === 'standesamt-muenchen')!;
        expect(muc.certificates.map((c) => [c.profile, c.status]).sort()).to.deep.equal([
          ['ecdsa-p256-sha256', 'valid'],
          ['rsa-pss-sha256', 'retired'],
        ]);

        const before = { rows: await listed(), version: await directoryVersion() };
        const stale = await registers('import', '--retire-unlisted-certificates', file(`${kind}-files/muc-old.csv`, muenchen('../certs/aok.pem')));
        expect(stale.code).to.equal(1);
        expect(stale.stderr).to.include('line 2 (standesamt-muenchen): certificates are all retired for standesamt-muenchen; it would be left without a valid certificate (pin a new one)');
        expect(await listed()).to.deep.equal(before.rows);
        expect(await directoryVersion()).to.equal(before.version);
      });
    });

    describe('in production mode', () => {
      let production: Record<string, string>;
      before(async () => {
        const broker = await sandboxBrokerIdentity('rsa-pss-sha256');
        production = {
          BROKER_MODE: 'production',
          TLS_CERT_FILE: file('tls.crt', broker.certPem),
          TLS_KEY_FILE: file('tls.key', broker.keyPem),
          BROKER_SIGNING_KEY_FILE: file('signing.key', broker.keyPem),
          BROKER_SIGNING_CERT_FILE: file('signing.crt', broker.certPem),
        };
      });

      it('refuses an http:// endpoint when it is configured, by `add` and by `import`', async () => {
        const add = await admin(['registers', 'add', '--id', 'gkv-barmer', '--evidence-type', 'maternity-benefit', '--name', 'Barmer', '--endpoint', 'http://barmer.example/nachweis', '--jurisdiction', '104940005', '--certificate', certs.barmer], production);
        expect(add.code).to.equal(2);
        expect(add.stderr).to.include('--endpoint must be an https:// URL in production mode');
        const json = file(`${kind}-files/http.json`, JSON.stringify({ registers: [{ id: 'gkv-barmer', evidenceType: 'maternity-benefit', name: 'Barmer', endpointUrl: 'http://barmer.example/nachweis', jurisdiction: { values: ['104940005'] }, certificates: [certPem.barmer] }] }));
        const imported = await admin(['registers', 'import', json], production);
        expect(imported.code).to.equal(1);
        expect(imported.stderr).to.include('entry 1 (gkv-barmer): endpointUrl must be an https:// URL in production mode');
        expect((await listed()).map((r) => r.id)).not.to.include('gkv-barmer');

        const https = await admin(['registers', 'add', '--id', 'gkv-barmer', '--evidence-type', 'maternity-benefit', '--name', 'Barmer', '--endpoint', 'https://barmer.example/nachweis', '--jurisdiction', '104940005', '--certificate', certs.barmer], production);
        expect(https.code, https.stderr).to.equal(0);
      });
    });
  });
}

// Help needs no database: a command's --help answers before it opens one.
function help(...command: string[]): Promise<Run> {
  return runAdmin(['registers', ...command, '--help']);
}

describe('admin tool: registers --help', function () {
  this.timeout(120_000);
  it('describes every registers command for --help, with exit 0', async () => {
    const commands = ['add', 'list', 'show', 'disable', 'enable', 'add-certificate', 'retire-certificate', 'import'];
    // The tool itself for the group and one command (exit code, output); each command's text from the program.
    const [group, add] = await Promise.all([help(), help('add')]);
    expect([group.code, add.code]).to.deep.equal([0, 0]);
    for (const c of commands) expect(group.stdout).to.match(new RegExp(`^  ${c} `, 'm'));
    expect(add.stdout).to.match(/^Usage: broker-admin registers add/).and.to.include('maternity-benefit: insurer');
    const registersCommand = buildProgram().commands.find((c) => c.name() === 'registers')!;
    for (const c of commands) {
      const command = registersCommand.commands.find((x) => x.name() === c);
      expect(command?.helpInformation(), c).to.match(new RegExp(`^Usage: broker-admin registers ${c}`));
    }
    expect(registersCommand.commands.find((x) => x.name() === 'import')!.helpInformation()).to.include(
      'id,evidenceType,name,endpointUrl,jurisdiction,purposes,participants,enabled,mutualTls,certificateFiles',
    );
  });
});
