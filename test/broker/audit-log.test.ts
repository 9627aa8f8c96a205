// The audit log on a real database (SQLite and PostgreSQL): several entries appended with one advance of
// the head, group commit (callers answered only after COMMIT, a failing caller never fails its
// neighbours, two writers on one PostgreSQL keep one gap-free chain), and verification finding each kind of
// break across page boundaries.
import { expect } from 'chai';
import { AuditLog, type AuditEvent } from '../../broker/audit/audit-log.ts';
import { AuditGroupCommit, AuditQueueTimeout } from '../../broker/audit/group-commit.ts';
import { classifyDatabaseBusy } from '../../broker/db/db-errors.ts';
import { openDatabase, type Database } from '../../broker/db/database.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';

const CITIZEN = '86095742719';

function event(i: number, kind: AuditEvent['kind'] = 'transfer'): AuditEvent {
  return {
    kind,
    at: new Date(Date.UTC(2026, 0, 1) + i * 1000),
    citizenIdNr: CITIZEN,
    actorId: `actor-${i}`,
    requestId: null,
    consentId: null,
    details: { outcome: 'complete', n: i },
  };
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
// A fact a group commit's caller records beside its audit event (a checkpoint row stands in for any).
const INSERT_CHECKPOINT = 'INSERT INTO "AuditCheckpoint" ("seq", "hash", "createdAt", "signature", "keyId", "publicKey") VALUES (?, ?, ?, ?, ?, ?)';

for (const kind of DATABASE_KINDS) {
  describe(`audit log (${kind})`, function () {
    this.timeout(120_000);
    let url: string;
    let drop: () => Promise<void>;
    let database: Database;
    let audit: AuditLog;

    const seqs = async () => (await database.prisma.auditEntry.findMany({ select: { seq: true }, orderBy: { seq: 'asc' } })).map((e) => e.seq);

    beforeEach(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      ({ url, drop } = db.create());
      database = await openDatabase(url);
      audit = new AuditLog(database, 730);
    });
    afterEach(async () => {
      await database?.close();
      await drop?.();
    });

    describe('when several events are appended in one transaction', () => {
      it('numbers them in order after the head and the chain verifies', async () => {
        await database.prisma.$transaction((tx) => audit.append(tx, event(0)));
        const many = await database.prisma.$transaction((tx) => audit.appendMany(tx, range(5, 1).map((i) => event(i))));
        expect(many).to.deep.equal([2, 3, 4, 5, 6]);
        expect(await database.prisma.$transaction((tx) => audit.append(tx, event(6)))).to.equal(7);
        const detail = await database.prisma.auditDetail.findUniqueOrThrow({ where: { seq: 4 } });
        expect(detail.actorId).to.equal('actor-3');
        expect(await audit.verify()).to.deep.include({ ok: true, entries: 7, detailsChecked: 7 });
      });

      it('leaves nothing behind when that transaction rolls back', async () => {
        const failed = database.prisma.$transaction(async (tx) => {
          await audit.appendMany(tx, [event(1), event(2)]);
          throw new Error('the fact could not be stored');
        });
        expect(await failed.then(() => 'committed', (err: Error) => err.message)).to.equal('the fact could not be stored');
        expect(await seqs()).to.deep.equal([]);
        expect(await database.prisma.$transaction((tx) => audit.append(tx, event(3)))).to.equal(1);
      });
    });

    describe('when many callers record at once (group commit)', () => {
      it('gives each its own seq, gap-free, and answers each only once its entry is committed', async () => {
        const other = await openDatabase(url, { migrate: false });
        try {
          const seen = await Promise.all(
            range(60).map(async (i) => {
              const seq = await audit.record(event(i));
              // Another connection must already see it: the caller was answered after COMMIT.
              const row = await other.prisma.auditDetail.findUnique({ where: { seq } });
              return { seq, actorId: row?.actorId };
            }),
          );
          expect(seen.map((s) => s.seq).sort((a, b) => a - b)).to.deep.equal(range(60, 1));
          expect(seen.every((s, i) => s.actorId === `actor-${i}`)).to.equal(true);
        } finally {
          await other.close();
        }
        expect(await audit.verify()).to.deep.include({ ok: true, entries: 60 });
      });

      it('commits facts and their entries together, and a failing caller fails alone with nothing recorded', async () => {
        const results = await Promise.allSettled(
          range(12).map((i) =>
            audit.commit(async (tx, record) => {
              // The fact: a checkpoint row stands in for whatever the caller records.
              await tx.execute(INSERT_CHECKPOINT, [1000 + i, 'h', new Date(), 's', 'k', 'p']);
              const seq = record(event(i));
              if (i === 5) throw new Error('caller 5 changed its mind');
              return seq;
            }),
          ),
        );
        const failed = results.filter((r) => r.status === 'rejected');
        expect(failed).to.have.length(1);
        expect(String((failed[0] as PromiseRejectedResult).reason)).to.contain('caller 5 changed its mind');
        expect(await seqs()).to.deep.equal(range(11, 1));
        const facts = await database.prisma.auditCheckpoint.findMany({ select: { seq: true }, orderBy: { seq: 'asc' } });
        expect(facts.map((f) => f.seq)).to.deep.equal(range(12, 1000).filter((s) => s !== 1005));
        expect(await database.prisma.auditDetail.count({ where: { actorId: 'actor-5' } })).to.equal(0);
        // Every other caller's answer names the entry that records its own event.
        for (const [i, r] of results.entries()) {
          if (r.status !== 'fulfilled') continue;
          expect((await database.prisma.auditDetail.findUniqueOrThrow({ where: { seq: r.value } })).actorId).to.equal(`actor-${i}`);
        }
        expect(await audit.verify()).to.deep.include({ ok: true, entries: 11 });
      });

      it('fails every caller of a batch the database refused, and records none of their facts', async () => {
        const head = await database.prisma.auditHead.findUniqueOrThrow({ where: { id: 1 } });
        await database.prisma.auditHead.delete({ where: { id: 1 } });
        const results = await Promise.allSettled(
          range(6).map((i) =>
            audit.commit(async (tx, record) => {
              await tx.execute(INSERT_CHECKPOINT, [1000 + i, 'h', new Date(), 's', 'k', 'p']);
              return record(event(i));
            }),
          ),
        );
        expect(results.map((r) => r.status)).to.deep.equal(range(6).map(() => 'rejected'));
        expect(await database.prisma.auditCheckpoint.count()).to.equal(0);
        await database.prisma.auditHead.create({ data: head });
        expect(await audit.record(event(7))).to.equal(1);
        expect(await audit.verify()).to.deep.include({ ok: true, entries: 1 });
      });

      it('refuses work that waited longer than the queue allows behind a stuck batch (AuditQueueTimeout, classified busy), without running it', async () => {
        const group = new AuditGroupCommit(database.prisma, audit, 150);
        let unblock!: () => void;
        const blocked = new Promise<void>((resolve) => (unblock = resolve));
        const first = group.run(async (tx, record) => {
          await blocked; // the batch in flight is stuck (as behind a lock)
          return record(event(0));
        });
        let secondRan = false;
        const second = group.run(async (_tx, record) => {
          secondRan = true;
          return record(event(1));
        });
        const refusal = await second.then(
          () => null,
          (err: unknown) => err,
        );
        expect(refusal).to.be.instanceOf(AuditQueueTimeout);
        expect(classifyDatabaseBusy(refusal)).to.deep.equal({ cause: 'audit-queue-timeout' });
        unblock();
        expect(await first).to.equal(1);
        expect(secondRan).to.equal(false);
        expect(await seqs()).to.deep.equal([1]);
        // The queue goes on: the next work gets the next seq.
        expect(await group.run(async (_tx, record) => record(event(2)))).to.equal(2);
        expect(await audit.verify()).to.deep.include({ ok: true, entries: 2 });
      });

      it('keeps one gap-free chain while other transactions append directly', async () => {
        await Promise.all([
          ...range(40).map((i) => audit.record(event(i))),
          ...range(10, 200).map((i) => database.prisma.$transaction((tx) => audit.append(tx, event(i)))),
        ]);
        expect(await seqs()).to.deep.equal(range(50, 1));
        expect(await audit.verify()).to.deep.include({ ok: true, entries: 50, detailsChecked: 50 });
      });

      // NOTE: PostgreSQL only: two SQLite connections in ONE process would block each other (better-sqlite3
      // waits for the lock synchronously); two broker processes on SQLite are a different matter, not this test's.
      // Not registered on SQLite rather than skipped there, so a green run has no pending test.
      if (kind === 'postgresql') it('keeps one gap-free chain with two brokers writing to the same database', async () => {
        const second = await openDatabase(url, { migrate: false });
        try {
          const audit2 = new AuditLog(second, 730);
          await Promise.all([
            ...range(40).map((i) => audit.record(event(i))),
            ...range(40, 100).map((i) => audit2.record(event(i))),
            ...range(10, 200).map((i) => second.prisma.$transaction((tx) => audit2.append(tx, event(i)))),
          ]);
        } finally {
          await second.close();
        }
        expect(await seqs()).to.deep.equal(range(90, 1));
        expect(await audit.verify()).to.deep.include({ ok: true, entries: 90, detailsChecked: 90 });
      });
    });

    describe('when a long chain has been tampered with', () => {
      // Longer than one page of every reader, so breaks past a page boundary are found too.
      const N = 2_500;
      beforeEach(async () => {
        for (let from = 0; from < N; from += 500) {
          await database.prisma.$transaction((tx) => audit.appendMany(tx, range(500, from).map((i) => event(i))));
        }
      });

      it('verifies the untouched chain, and still verifies once details are deleted', async () => {
        const progress: number[] = [];
        expect(await audit.verify((checked) => progress.push(checked))).to.deep.include({ ok: true, entries: N, detailsChecked: N });
        expect(progress.at(-1)).to.equal(N);
        await database.prisma.auditDetail.deleteMany({ where: { seq: { gt: 1000, lte: 1200 } } });
        // Gone after their two years: the chain verifies. Gone before: a transfer hidden from its citizen.
        const later = new AuditLog(database, 730, () => new Date(Date.now() + 731 * 86_400_000));
        expect(await later.verify()).to.deep.include({ ok: true, entries: N, detailsChecked: N - 200 });
        expect(await audit.verify()).to.deep.equal({ ok: false, entries: 1000, brokenAt: 1001, reason: 'detail-missing' });
      });

      it('names a changed detail', async () => {
        await database.prisma.auditDetail.update({ where: { seq: 1500 }, data: { actorId: 'someone-else' } });
        expect(await audit.verify()).to.deep.equal({ ok: false, entries: 1499, brokenAt: 1500, reason: 'detail-commitment-mismatch' });
      });

      it('names a changed entry', async () => {
        await database.prisma.auditEntry.update({ where: { seq: 2001 }, data: { kind: 'refusal' } });
        expect(await audit.verify()).to.deep.equal({ ok: false, entries: 2000, brokenAt: 2001, reason: 'entry-hash-mismatch' });
      });

      it('names a changed date', async () => {
        const entry = await database.prisma.auditEntry.findUniqueOrThrow({ where: { seq: 1001 } });
        await database.prisma.auditEntry.update({ where: { seq: 1001 }, data: { createdAt: new Date(entry.createdAt.getTime() + 1) } });
        expect(await audit.verify()).to.deep.equal({ ok: false, entries: 1000, brokenAt: 1001, reason: 'entry-hash-mismatch' });
      });

      it('names a rewritten link', async () => {
        await database.prisma.auditEntry.update({ where: { seq: 999 }, data: { prevHash: 'f'.repeat(64) } });
        expect(await audit.verify()).to.deep.equal({ ok: false, entries: 998, brokenAt: 999, reason: 'previous-hash-mismatch' });
      });

      it('names a deleted entry as a gap', async () => {
        await database.prisma.auditEntry.delete({ where: { seq: 1000 } });
        expect(await audit.verify()).to.deep.equal({ ok: false, entries: 999, brokenAt: 1000, reason: 'sequence-gap' });
      });

      it('names a cut-off end against the head', async () => {
        await database.prisma.auditEntry.deleteMany({ where: { seq: { gt: N - 3 } } });
        expect(await audit.verify()).to.deep.equal({ ok: false, entries: N - 3, brokenAt: N - 2, reason: 'head-mismatch' });
      });
    });
  });
}
