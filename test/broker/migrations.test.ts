// Upgrading a database that was made before a migration: the runner applies only what is missing, and what
// was stored before reads as before. A database whose record of migrations disagrees with this release's
// files is refused, and two brokers starting at once on an empty database migrate it once between them.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import pg from 'pg';
import { commitmentOf, GENESIS_HASH, linkHash } from '../../broker/audit/chain.ts';
import { directSqlOf, openDatabase } from '../../broker/db/database.ts';
import { parseDatabaseUrl } from '../../broker/db/database-url.ts';
import { listMigrations, migrate, MigrationDriftError } from '../../broker/db/migrate.ts';
import { startBroker } from '../../broker/http/server.ts';
import { PrismaConsentStore } from '../../consent/prisma-consent-store.ts';
import type { Consent } from '../../consent/rules.ts';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '../helpers/databases.ts';
import { startHarness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';
import { testConfig } from '../helpers/test-config.ts';

const PAPER_MIGRATION = '20261207180000_paper_consent';
const DAY = 86_400_000;

function consent(id: string, paper: Consent['paper']): Consent {
  const now = new Date();
  return {
    id, citizenIdNr: '86095742719', granteeId: 'elterngeldstelle-test', evidenceTypes: ['income'], purpose: 'wohngeld',
    validFrom: now, validUntil: new Date(now.getTime() + 30 * DAY), grantedAt: now, grantedBy: 'elterngeldstelle-test', revokedAt: null, revokedBy: null, paper,
  };
}

for (const kind of DATABASE_KINDS) {
  describe(`upgrading a database made before paper consents were attributable (${kind})`, function () {
    this.timeout(60_000);

    it('adds the provenance columns, keeps the earlier consents (without provenance) and stores it for new ones', async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      const { url, drop } = db.create();
      try {
        // The database as it stood before: every earlier migration applied, one consent recorded.
        const old = await openDatabase(url);
        const earlier = consent('00000000-0000-4000-8000-000000000001', null);
        const sql = directSqlOf(old.prisma);
        await new PrismaConsentStore(old.prisma).insert(sql, earlier);
        for (const column of ['paperReference', 'paperSignedOn', 'recordedByClerk']) await sql.execute(`ALTER TABLE "Consent" DROP COLUMN "${column}"`, []);
        await sql.execute('DELETE FROM "_prisma_migrations" WHERE migration_name = ?', [PAPER_MIGRATION]);
        await old.close();

        expect(await migrate(parseDatabaseUrl(url))).to.deep.equal([PAPER_MIGRATION]);

        const upgraded = await openDatabase(url, { migrate: false });
        try {
          const store = new PrismaConsentStore(upgraded.prisma);
          expect(await store.get(earlier.id)).to.deep.include({ id: earlier.id, purpose: 'wohngeld', paper: null });
          const paper = { reference: 'EG-Antrag 2026/0815', signedOn: '2026-12-03', recordedByClerk: 'clerk-account-1' };
          const later = consent('00000000-0000-4000-8000-000000000002', paper);
          await store.insert(directSqlOf(upgraded.prisma), later);
          expect((await store.get(later.id))?.paper).to.deep.equal(paper);
          expect((await store.listForCitizen(later.citizenIdNr)).map((c) => c.paper)).to.deep.include.members([null, paper]);
        } finally {
          await upgraded.close();
        }
        // Nothing left to apply afterwards.
        expect(await migrate(parseDatabaseUrl(url))).to.deep.equal([]);
      } finally {
        await drop();
      }
    });
  });
}

/** A raw connection to a test database as an earlier release left it: `?` placeholders on both kinds. */
interface RawDatabase {
  run(sql: string, params?: unknown[]): Promise<void>;
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** A date as the earlier release's Prisma client wrote it. */
  date(d: Date): string;
  close(): Promise<void>;
}

async function rawDatabase(url: string): Promise<RawDatabase> {
  const target = parseDatabaseUrl(url);
  if (target.provider === 'sqlite') {
    const conn = new Database(target.file);
    return {
      run: async (sql, params = []) => void conn.prepare(sql).run(...params),
      rows: async <T>(sql: string, params: unknown[] = []) => conn.prepare(sql).all(...params) as T[],
      // Prisma's SQLite adapter stores DateTime as this text.
      date: (d) => d.toISOString().replace('Z', '+00:00'),
      close: async () => void conn.close(),
    };
  }
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();
  await client.query(`SET search_path TO "${target.schema}"`);
  const numbered = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  return {
    run: async (sql, params = []) => void (await client.query(numbered(sql), params)),
    rows: async <T>(sql: string, params: unknown[] = []) => (await client.query(numbered(sql), params)).rows as T[],
    date: (d) => d.toISOString(),
    close: () => client.end(),
  };
}

/** `npm run migrate` as operators run it: its own process, DATABASE_URL from the environment. */
function runMigrateCli(databaseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'broker/db/migrate-cli.ts'], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** A TestDatabase for the harness that hands it this existing database (dropped by the test itself). */
const existing = (name: TestDatabase['name'], url: string): TestDatabase => ({ name, create: () => ({ url, drop: async () => undefined }) });

const OLD_AUTHORITY = 'jobcenter-altbestand';
const OLD_TOKEN = 'eb_token-issued-by-the-first-release';

for (const kind of DATABASE_KINDS) {
  describe(`upgrading a database that has only the first migration (${kind})`, function () {
    this.timeout(90_000);

    it('applies every later migration when the broker starts, and the rows written before still serve: token, consent, audit chain', async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      const { url, drop } = db.create();
      const all = listMigrations(kind).map((m) => m.name);
      try {
        expect(await migrate(parseDatabaseUrl(url), { through: all[0] })).to.deep.equal([all[0]]);
        // Rows as the first release wrote them, in its tables' columns.
        const raw = await rawDatabase(url);
        const at = new Date(Date.now() - 3_600_000);
        const consentId = '00000000-0000-4000-8000-00000000c0de';
        try {
          await raw.run('INSERT INTO "Participant" ("id", "name", "kind", "region", "evidenceTypes", "purposes", "legalBases", "createdAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
            OLD_AUTHORITY, 'Jobcenter Altbestand', 'authority', 'DE-BE', '["income"]', '["wohngeld"]', '[]', raw.date(at),
          ]);
          await raw.run('INSERT INTO "ApiToken" ("id", "tokenHash", "subjectType", "subjectId", "label", "createdAt") VALUES (?, ?, ?, ?, ?, ?)', [
            '00000000-0000-4000-8000-0000000070c0', createHash('sha256').update(OLD_TOKEN).digest('hex'), 'participant', OLD_AUTHORITY, 'first release', raw.date(at),
          ]);
          await raw.run(
            'INSERT INTO "Consent" ("id", "citizenIdNr", "granteeId", "evidenceTypes", "purpose", "validFrom", "validUntil", "grantedAt", "grantedBy") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
            [consentId, '86095742719', OLD_AUTHORITY, '["income"]', 'wohngeld', raw.date(at), raw.date(new Date(at.getTime() + 30 * DAY)), raw.date(at), OLD_AUTHORITY],
          );
          // Two audit entries chained as the first release chained them (no Merkle tree yet).
          let prevHash = GENESIS_HASH;
          for (const seq of [1, 2]) {
            const salt = `${seq}`.padStart(32, '0');
            const detail = { citizenIdNr: '86095742719', actorId: OLD_AUTHORITY, requestId: null, consentId, details: JSON.stringify({ purpose: 'wohngeld', seq }) };
            const createdAt = new Date(at.getTime() + seq * 1000);
            const commitment = commitmentOf(salt, detail);
            const hash = linkHash({ seq, kind: 'consent-granted', createdAt, prevHash, commitment });
            await raw.run('INSERT INTO "AuditEntry" ("seq", "kind", "createdAt", "prevHash", "commitment", "hash") VALUES (?, ?, ?, ?, ?, ?)', [seq, 'consent-granted', raw.date(createdAt), prevHash, commitment, hash]);
            await raw.run('INSERT INTO "AuditDetail" ("seq", "salt", "citizenIdNr", "actorId", "requestId", "consentId", "details", "expiresAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
              seq, salt, detail.citizenIdNr, detail.actorId, detail.requestId, detail.consentId, detail.details, raw.date(new Date(at.getTime() + 700 * DAY)),
            ]);
            await raw.run('UPDATE "AuditHead" SET "seq" = ?, "hash" = ? WHERE "id" = 1', [seq, hash]);
            prevHash = hash;
          }
        } finally {
          await raw.close();
        }

        const h = await startHarness(existing(kind, url));
        try {
          expect(h.broker.ctx.database.migrationsApplied).to.deep.equal(all.slice(1));
          const me = await h.call('GET', '/v1/me', { token: OLD_TOKEN });
          expect(me.status).to.equal(200);
          expect(me.body).to.deep.include({ participantId: OLD_AUTHORITY, name: 'Jobcenter Altbestand' });
          const consent = await h.call('GET', `/v1/consents/${consentId}`, { token: OLD_TOKEN });
          expect(consent.status).to.equal(200);
          expect(consent.body).to.deep.include({ id: consentId, purpose: 'wohngeld' });
          // The entries written before the tree existed are in it now, and the chain verifies.
          const head = await h.broker.ctx.database.prisma.auditHead.findUniqueOrThrow({ where: { id: 1 } });
          expect(head).to.include({ seq: 2, treeSize: 2 });
          expect((await h.broker.ctx.audit.verify()).ok).to.equal(true);
          // …and the upgraded chain grows: a new consent appends entry 3 after them.
          const granted = await h.call('POST', '/v1/consents', {
            token: OLD_TOKEN,
            body: { citizen: { idNr: '86095742719' }, grantee: OLD_AUTHORITY, evidenceTypes: ['income'], purpose: 'wohngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + DAY).toISOString() },
          });
          expect(granted.status, JSON.stringify(granted.body)).to.equal(201);
          expect(await h.broker.ctx.database.prisma.auditHead.findUniqueOrThrow({ where: { id: 1 } })).to.include({ seq: 3, treeSize: 3 });
          expect((await h.broker.ctx.audit.verify()).ok).to.equal(true);
        } finally {
          await h.close();
        }
        expect(await migrate(parseDatabaseUrl(url))).to.deep.equal([]);
      } finally {
        await drop();
      }
    });
  });

  describe(`a database whose recorded migrations do not match this release (${kind})`, function () {
    this.timeout(90_000);
    const drifts: { what: string; tamper: (raw: RawDatabase, first: string) => Promise<void>; message: RegExp }[] = [
      {
        what: 'a migration changed after it was applied (checksum differs)',
        tamper: (raw, first) => raw.run('UPDATE "_prisma_migrations" SET "checksum" = ? WHERE "migration_name" = ?', ['f'.repeat(64), first]),
        message: /migration 20261125180000_init was changed after it was applied \(recorded checksum ffffffffffff…, file [0-9a-f]{12}…\)/,
      },
      {
        what: 'a migration this release does not have (a newer release migrated it)',
        tamper: (raw) =>
          raw.run('INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count") VALUES (?, ?, ?, ?, ?, 1)', [
            '00000000-0000-4000-8000-00000000f00d', 'a'.repeat(64), raw.date(new Date()), '29991231000000_from_the_future', raw.date(new Date()),
          ]),
        message: /the database records migration 29991231000000_from_the_future, which this broker does not have/,
      },
      {
        what: 'a migration that started and never finished (a failed run)',
        tamper: (raw, first) => raw.run('UPDATE "_prisma_migrations" SET "finished_at" = NULL WHERE "migration_name" = ?', [first]),
        message: /migration 20261125180000_init is recorded as started but not finished/,
      },
    ];
    for (const { what, tamper, message } of drifts) {
      it(`is refused, migrated no further, by the runner, \`npm run migrate\` and the broker's start: ${what}`, async function () {
        const db = await testDatabase(kind);
        if (!db) return this.skip();
        const { url, drop } = db.create();
        const all = listMigrations(kind).map((m) => m.name);
        try {
          await migrate(parseDatabaseUrl(url), { through: all[0] });
          const raw = await rawDatabase(url);
          const recorded = () => raw.rows<{ migration_name: string }>('SELECT "migration_name" FROM "_prisma_migrations" ORDER BY "migration_name"');
          try {
            await tamper(raw, all[0]!);
            const before = await recorded();

            let thrown: unknown;
            await migrate(parseDatabaseUrl(url)).catch((err: unknown) => (thrown = err));
            expect(thrown).to.be.instanceOf(MigrationDriftError);
            expect((thrown as Error).message).to.match(message);

            const cli = await runMigrateCli(url);
            expect(cli.code, cli.stderr).to.equal(1);
            expect(cli.stderr).to.match(message);
            expect(cli.stderr).to.match(/^migrate: /);

            let refused: unknown;
            await startBroker(testConfig({ port: 0, databaseUrl: url })).then(
              (b) => b.close(),
              (err: unknown) => (refused = err),
            );
            expect(refused).to.be.instanceOf(MigrationDriftError);

            // Nothing further applied by any of the three.
            expect(await recorded()).to.deep.equal(before);
            expect(await raw.rows(kind === 'sqlite' ? `SELECT name FROM sqlite_master WHERE name = 'ClerkAccount'` : `SELECT tablename FROM pg_tables WHERE tablename = 'ClerkAccount' AND schemaname = current_schema()`)).to.deep.equal([]);
          } finally {
            await raw.close();
          }
        } finally {
          await drop();
        }
      });
    }
  });
}

// PostgreSQL only: brokers that share a database run on PostgreSQL. (Two SQLite brokers in ONE process cannot
// both start: better-sqlite3's busy wait blocks the event loop the other needs to finish its transaction.)
describe('two brokers starting at once on an empty database', function () {
  this.timeout(90_000);
  for (const kind of ['postgresql'] as const) {
    it(`both come up and each migration is applied once (${kind})`, async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      const { url, drop } = db.create();
      try {
        const started = await Promise.allSettled([startBroker(testConfig({ port: 0, databaseUrl: url })), startBroker(testConfig({ port: 0, databaseUrl: url }))]);
        const brokers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
        try {
          expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'up'))).to.deep.equal(['up', 'up']);
          const all = listMigrations(kind).map((m) => m.name);
          // Between them they applied every migration, neither applied one the other did.
          const applied = brokers.flatMap((b) => b.ctx.database.migrationsApplied);
          expect([...applied].sort()).to.deep.equal(all);
          const raw = await rawDatabase(url);
          try {
            const rows = await raw.rows<{ migration_name: string }>('SELECT "migration_name" FROM "_prisma_migrations" ORDER BY "migration_name"');
            expect(rows.map((r) => r.migration_name)).to.deep.equal(all);
          } finally {
            await raw.close();
          }
          for (const b of brokers) expect((await fetch(`${b.url}/readyz`)).status).to.equal(200);
        } finally {
          for (const b of brokers) await b.close();
        }
      } finally {
        await drop();
      }
    });
  }
});
