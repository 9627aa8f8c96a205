// The prepared-statement cache in front of Prisma's better-sqlite3 adapter (broker/db/sqlite-statement-cache.ts):
// on a real SQLite file, through the real Prisma client, each SQL text is compiled once and then reused with
// each query's own arguments; a failed statement (a unique violation) stays usable and still surfaces as
// Prisma's error; transactions commit and roll back as before; the cache stays within its bound.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { directSqlOf, openDatabase, type Database as BrokerDatabase } from '../../broker/db/database.ts';
import { classifyDatabaseBusy } from '../../broker/db/db-errors.ts';
import { cachingPrepare } from '../../broker/db/sqlite-statement-cache.ts';
import { ParticipantStore } from '../../broker/identity/auth/token-store.ts';

const NOW = new Date(Date.UTC(2026, 10, 26, 12, 0, 0));
const participant = (id: string) => ({
  id,
  name: `Behörde ${id}`,
  kind: 'authority' as const,
  region: 'DE-BE',
  evidenceTypes: ['salary' as const],
  purposes: ['elterngeld' as const],
  legalBases: [],
});

describe('SQLite prepared-statement cache', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'statement-cache-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('cachingPrepare over better-sqlite3', () => {
    let db: Database.Database;
    beforeEach(() => {
      db = new Database(path.join(dir, 'plain.sqlite'));
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)');
    });
    afterEach(() => db.close());

    it('compiles a SQL text once and binds each call to its own arguments', () => {
      const cache = cachingPrepare(db);
      for (const [id, name] of [[1, 'a'], [2, 'b'], [3, 'c']] as const) cache.prepare('INSERT INTO t (id, name) VALUES (?, ?)').bind([id, name]).run();
      const select = (id: number) => cache.prepare('SELECT name FROM t WHERE id = ?').bind([id]);
      expect(select(2).reader).to.equal(true);
      expect(select(2).raw().all()).to.deep.equal([['b']]);
      expect(select(3).all()).to.deep.equal([{ name: 'c' }]); // raw mode is per call, not left on the statement
      expect(select(1).columns().map((c) => c.name)).to.deep.equal(['name']);
      expect(select(2).raw().all()).to.deep.equal([['b']]);
      expect(cache.prepare('SELECT name FROM t WHERE id = ?').all(1)).to.deep.equal([{ name: 'a' }]); // unbound: objects again
      expect(cache.stats()).to.deep.equal({ hits: 7, misses: 2, size: 2 });
    });

    it("reads a statement's result columns once and answers them to every call", () => {
      const cache = cachingPrepare(db);
      const select = (id: number) => cache.prepare('SELECT id, name FROM t WHERE id = ?').bind([id]);
      const first = select(1).columns();
      expect(first.map((c) => [c.name, c.type])).to.deep.equal([['id', 'INTEGER'], ['name', 'TEXT']]);
      expect(select(2).columns()).to.equal(first);
      expect(cache.prepare('SELECT name FROM t WHERE id = ?').bind([1]).columns().map((c) => c.name)).to.deep.equal(['name']);
    });

    it('keeps a statement usable after it failed', () => {
      const cache = cachingPrepare(db);
      const insert = (id: number, name: string) => cache.prepare('INSERT INTO t (id, name) VALUES (?, ?)').bind([id, name]).run();
      insert(1, 'a');
      expect(() => insert(2, 'a')).to.throw(/UNIQUE/);
      expect(insert(3, 'c').changes).to.equal(1);
      expect(db.prepare('SELECT count(*) AS n FROM t').get()).to.deep.equal({ n: 2 });
    });

    it('stays within its bound, dropping the least recently used statement', () => {
      const cache = cachingPrepare(db, 2);
      const q = (n: number) => cache.prepare(`SELECT ${n} AS n`).bind([]).all();
      q(1);
      q(2);
      q(1); // 1 is now the most recent
      q(3); // evicts 2
      expect(cache.stats().size).to.equal(2);
      q(1);
      expect(cache.stats()).to.include({ hits: 2, misses: 3 });
      q(2);
      expect(cache.stats()).to.include({ hits: 2, misses: 4 });
    });
  });

  describe('through Prisma (openDatabase on a SQLite file)', () => {
    let database: BrokerDatabase;
    beforeEach(async () => {
      database = await openDatabase(`file:${path.join(dir, 'broker.sqlite')}`);
    });
    afterEach(async () => {
      await database?.close();
    });

    it('is in front of the adapter, and the same queries hit it', async () => {
      const stats = database.statementCache!;
      expect(stats, 'the adapter no longer exposes its connection: see the NOTE in sqlite-statement-cache.ts').to.not.equal(null);
      const store = new ParticipantStore(database.prisma);
      await store.upsert(participant('behoerde-1'), NOW);
      const before = stats();
      expect(before.cached).to.equal(true);
      await store.upsert(participant('behoerde-2'), NOW);
      await store.upsert(participant('behoerde-3'), NOW);
      const after = stats();
      expect(after.hits).to.be.greaterThan(before.hits);
      expect(after.misses).to.equal(before.misses);
      const rows = await database.prisma.participant.findMany({ orderBy: { id: 'asc' }, select: { id: true } });
      expect(rows.map((r) => r.id)).to.deep.equal(['behoerde-1', 'behoerde-2', 'behoerde-3']);
    });

    it('reports a unique violation as Prisma does, and the statement works again afterwards', async () => {
      const data = { id: 'behoerde-x', name: 'X', kind: 'authority', region: 'DE-BE', evidenceTypes: '[]', purposes: '[]', legalBases: '[]', createdAt: NOW };
      await database.prisma.participant.create({ data });
      const err = await database.prisma.participant.create({ data }).catch((e: unknown) => e);
      expect(err).to.have.property('code', 'P2002');
      await database.prisma.participant.create({ data: { ...data, id: 'behoerde-y' } });
      expect(await database.prisma.participant.count()).to.equal(2);
    });

    it('commits and rolls back interactive transactions', async () => {
      const data = (id: string) => ({ id, name: id, kind: 'authority', region: 'DE-BE', evidenceTypes: '[]', purposes: '[]', legalBases: '[]', createdAt: NOW });
      await database.prisma.$transaction(async (tx) => {
        await tx.participant.create({ data: data('t-1') });
        await tx.participant.create({ data: data('t-2') });
      });
      const failed = await database.prisma
        .$transaction(async (tx) => {
          await tx.participant.create({ data: data('t-3') });
          throw new Error('changed my mind');
        })
        .catch((e: unknown) => e);
      expect(failed).to.be.instanceOf(Error);
      const ids = (await database.prisma.participant.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((r) => r.id);
      expect(ids).to.deep.equal(['t-1', 't-2']);
    });

    it("runs direct statements on the cached statement, in and out of a transaction, and only those", async () => {
      const stats = database.statementCache!;
      const direct = directSqlOf(database.prisma);
      const before = stats().direct;
      await database.prisma.participant.findMany(); // Prisma's own query: the adapter's way
      expect(stats().direct).to.equal(before);
      const insert = 'INSERT INTO "Participant" ("id", "name", "kind", "region", "evidenceTypes", "purposes", "legalBases", "createdAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
      expect(await direct.execute(insert, ['d-1', 'D', 'authority', 'DE-BE', '[]', '[]', '[]', NOW])).to.equal(1);
      expect(stats().direct).to.equal(before + 1);
      const seen = await direct.transaction(async (tx) => {
        await tx.execute(insert, ['d-2', 'D', 'authority', 'DE-BE', '[]', '[]', '[]', NOW]);
        return tx.query<{ id: string; createdAt: Date; n: number }>('SELECT "id", "createdAt", 40 + 2 AS "n" FROM "Participant" WHERE "id" LIKE ? ORDER BY "id"', ['d-%'], ['createdAt']);
      }, { maxWaitMs: 1_000, timeoutMs: 5_000 });
      // BEGIN comes from the adapter; the two statements, COMMIT included, are direct.
      expect(stats().direct).to.equal(before + 4);
      // Integers come back as numbers (the connection reads them as BigInt), dates as Prisma stored them.
      expect(seen).to.deep.equal([
        { id: 'd-1', createdAt: NOW, n: 42 },
        { id: 'd-2', createdAt: NOW, n: 42 },
      ]);
      const rows = await database.prisma.participant.findMany({ where: { id: { startsWith: 'd-' } }, select: { id: true, createdAt: true }, orderBy: { id: 'asc' } });
      expect(rows).to.deep.equal([
        { id: 'd-1', createdAt: NOW },
        { id: 'd-2', createdAt: NOW },
      ]);
      // The stored text is the one Prisma's own write stores.
      await database.prisma.participant.create({ data: { id: 'p-1', name: 'P', kind: 'authority', region: 'DE-BE', evidenceTypes: '[]', purposes: '[]', legalBases: '[]', createdAt: NOW } });
      const file = new Database(path.join(dir, 'broker.sqlite'), { readonly: true });
      try {
        const stored = file.prepare(`SELECT "id", "createdAt" FROM "Participant" WHERE "id" IN ('d-1', 'p-1') ORDER BY "id"`).all() as { createdAt: string }[];
        expect(stored.map((r) => r.createdAt)).to.deep.equal(['2026-11-26T12:00:00.000+00:00', '2026-11-26T12:00:00.000+00:00']);
      } finally {
        file.close();
      }
    });

    it("reports a busy database from a direct statement as Prisma's adapter does", async () => {
      await database.prisma.participant.findMany(); // connected
      const other = new Database(path.join(dir, 'broker.sqlite'));
      try {
        other.prepare('BEGIN IMMEDIATE').run(); // holds the write lock: the broker's INSERT waits its busy timeout
        const insert = 'INSERT INTO "Participant" ("id", "name", "kind", "region", "evidenceTypes", "purposes", "legalBases", "createdAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
        const err = await directSqlOf(database.prisma)
          .execute(insert, ['b-1', 'B', 'authority', 'DE-BE', '[]', '[]', '[]', NOW])
          .then(() => null, (e: unknown) => e);
        expect(err).to.have.property('name', 'DriverAdapterError');
        expect(classifyDatabaseBusy(err)).to.deep.equal({ cause: 'sqlite-busy', driverCode: 'SQLITE_BUSY' });
      } finally {
        other.prepare('ROLLBACK').run();
        other.close();
      }
      expect(await directSqlOf(database.prisma).execute('UPDATE "Participant" SET "name" = ? WHERE "id" = ?', ['x', 'none'])).to.equal(0);
    });
  });
});
