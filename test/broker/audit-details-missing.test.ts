// Issue 22's tamper case (2): a detail row deleted before its retention ends must not hide the transfer from the
// citizen. Each entry with a citizen carries a keyed pseudonym of the IdNr (citizenTag, HMAC under a key derived
// from DATA_KEY); the citizen's transfers (JSON, XML, cockpit) list an entry found by its tag whose detail is gone,
// as "details missing". The retention purge clears the tag with the detail; start-up tags older entries. Over HTTP,
// on SQLite and PostgreSQL.
import { expect } from 'chai';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { AuditLog, citizenTagKey, purgeExpiredDetails } from '../../broker/audit/audit-log.ts';
import { directSqlOf, openDatabase } from '../../broker/db/database.ts';
import { transferLogSchemaErrors } from '../../broker/audit/transfer-log-xml.ts';
import { startBroker } from '../../broker/http/server.ts';
import { purgeExpired } from '../../broker/ops/lifecycle.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';
import { testConfig } from '../helpers/test-config.ts';
import { PageClient } from '../pages/page-client.ts';

const CITIZEN = '86095742719';
const OTHER_CITIZEN = '47930158243';
const DAY = 86_400_000;
const DATA_KEY = randomBytes(32);
/** The tag as the design defines it, computed here from the configured DATA_KEY with node:crypto alone. */
const expectedTag = (dataKey: Buffer, idNr: string) =>
  createHmac('sha256', Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'audit-citizen-tag', 32))).update(idNr).digest('hex');

for (const kind of DATABASE_KINDS) {
  describe(`a transfer whose audit details were deleted before their time (${kind})`, function () {
    this.timeout(120_000);
    let h: Harness;
    let offset = 0;
    const clock = () => new Date(Date.now() + offset);
    const prisma = () => h.broker.ctx.database.prisma;
    /** Seqs of the citizen's transfer entries, oldest first. */
    let transferSeqs: number[] = [];

    const ask = (idNr: string, caseReference: string) =>
      h.call('POST', '/v1/evidence-requests', { body: { citizen: { idNr }, evidenceTypes: ['salary'], purpose: 'elterngeld', caseReference } });
    const transfersOf = async (idNr: string) => (await h.call('GET', `/v1/citizens/${idNr}/transfers`, { token: await h.citizenToken(idNr) })).body.transfers as Record<string, unknown>[];
    async function cockpitOf(idNr: string): Promise<string> {
      const c = new PageClient(h.url);
      await c.get('/cockpit/sign-in');
      expect((await c.post('/cockpit/sign-in', { idNr })).status).to.equal(303);
      const page = await c.get('/cockpit');
      expect(page.status).to.equal(200);
      return page.html;
    }

    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db, { clock, config: { dataKey: { base64: DATA_KEY.toString('base64') } } });
      for (const idNr of [CITIZEN, OTHER_CITIZEN]) {
        const consent = await h.call('POST', '/v1/consents', {
          body: { citizen: { idNr }, grantee: AUTHORITY_ID, evidenceTypes: ['salary'], purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + DAY).toISOString() },
        });
        expect(consent.status).to.equal(201);
      }
      for (const ref of ['EG-MISSING-1', 'EG-MISSING-2', 'EG-MISSING-3']) expect((await ask(CITIZEN, ref)).status).to.equal(201);
      expect((await ask(OTHER_CITIZEN, 'EG-OTHER-1')).status).to.equal(201);
      transferSeqs = ((await transfersOf(CITIZEN)) as { auditEntryId: number }[]).map((t) => t.auditEntryId).reverse();
      expect(transferSeqs).to.have.length(3);
    });
    after(async () => h?.close());
    afterEach(() => (offset = 0));

    it('tags every entry that has a citizen with a keyed pseudonym: not the IdNr, not in the leaf, and another key gives another tag', async () => {
      const entries = await prisma().auditEntry.findMany({ include: { detail: true }, orderBy: { seq: 'asc' } });
      for (const e of entries) {
        const idNr = e.detail?.citizenIdNr ?? null;
        expect(e.citizenTag, `entry ${e.seq}`).to.equal(idNr === null ? null : expectedTag(DATA_KEY, idNr));
        if (e.citizenTag !== null) expect(e.citizenTag).not.to.include(idNr!);
        const leaf = await h.call('GET', `/v1/audit/entries/${e.seq - 1}`, { token: null });
        expect(Buffer.from(leaf.body.leaf, 'base64').toString('utf8')).not.to.include(e.citizenTag ?? '-');
      }
      expect(expectedTag(DATA_KEY, CITIZEN)).not.to.equal(expectedTag(DATA_KEY, OTHER_CITIZEN));

      // A broker with another DATA_KEY (its own AuditLog on the same database) tags the same citizen differently.
      const otherKey = randomBytes(32);
      const other = new AuditLog(h.broker.ctx.database, 730, clock, citizenTagKey(otherKey));
      const seq = await other.record({ kind: 'refusal', at: new Date(), citizenIdNr: CITIZEN, actorId: AUTHORITY_ID, requestId: null, consentId: null, details: {} });
      const theirs = (await prisma().auditEntry.findUniqueOrThrow({ where: { seq } })).citizenTag;
      expect(theirs).to.equal(expectedTag(otherKey, CITIZEN));
      expect(theirs).not.to.equal(expectedTag(DATA_KEY, CITIZEN));
    });

    it('lists the entry as "details missing" in the JSON, the XML and the cockpit, and verify names it', async () => {
      const gone = transferSeqs[1]!;
      await prisma().auditDetail.delete({ where: { seq: gone } });

      // The refusal the other key recorded above is listed too (as a refusal): these are the transfers.
      const json = (await transfersOf(CITIZEN)).filter((t) => t.kind === 'transfer');
      expect(json.map((t) => t.auditEntryId)).to.deep.equal([...transferSeqs].reverse());
      const missing = json.find((t) => t.auditEntryId === gone)!;
      const at = (await prisma().auditEntry.findUniqueOrThrow({ where: { seq: gone } })).createdAt;
      expect(missing).to.deep.equal({ auditEntryId: gone, leafIndex: gone - 1, at: at.toISOString(), kind: 'transfer', detailsMissing: true, retentionEndsAt: new Date(at.getTime() + 730 * DAY).toISOString() });
      for (const t of json.filter((x) => x.auditEntryId !== gone)) expect(t).to.include({ leafIndex: (t.auditEntryId as number) - 1, requester: AUTHORITY_ID }).and.not.have.property('detailsMissing');
      // Another citizen sees neither the entry nor anything of it.
      expect((await transfersOf(OTHER_CITIZEN)).map((t) => t.auditEntryId)).not.to.include(gone);

      const xmlRes = await fetch(`${h.url}/v1/citizens/${CITIZEN}/transfers?format=xml`, { headers: { authorization: `Bearer ${await h.citizenToken(CITIZEN)}` } });
      const xml = await xmlRes.text();
      expect(transferLogSchemaErrors(xml)).to.deep.equal([]);
      expect(xml).to.include('urn:xoev-de:evidence-broker:protokoll:1.2');
      const entry = xml.slice(xml.indexOf(`<protokolleintragId>${gone}</protokolleintragId>`), xml.indexOf('</uebermittlung>', xml.indexOf(`<protokolleintragId>${gone}</protokolleintragId>`)));
      expect(entry).to.include(`<blattIndex>${gone - 1}</blattIndex>`).and.include('<angabenFehlen>').and.include(`<aufbewahrungBis>${missing.retentionEndsAt}</aufbewahrungBis>`).and.not.include('<empfaenger>');
      for (const seq of transferSeqs) expect(xml).to.include(`<protokolleintragId>${seq}</protokolleintragId>\n    <blattIndex>${seq - 1}</blattIndex>`);

      const page = await cockpitOf(CITIZEN);
      expect(page).to.include('4 Abrufe').and.include('Angaben fehlen').and.include('– abgelehnt</h3>');
      expect(page).to.include('obwohl wir sie noch bis zum').and.include('manipuliert').and.include('Datenschutzbeauftragte').and.include('<a href="/info/datenschutz">Datenschutzerklärung</a>');
      expect(page).to.include(`Nr. ${gone}`);
      expect(await cockpitOf(OTHER_CITIZEN)).not.to.include('Angaben fehlen');

      const verified = await h.call('GET', '/v1/audit/verify', { token: await h.operatorToken() });
      expect(verified.body).to.deep.include({ ok: false, brokenAt: gone, reason: 'detail-missing' });
    });

    it('tags, at start-up, the entries from before tags whose details are still there (and only those)', async () => {
      const gone = transferSeqs[1]!;
      const goneTag = (await prisma().auditEntry.findUniqueOrThrow({ where: { seq: gone } })).citizenTag;
      // What this broker's key gives each entry whose detail names a citizen (the one the other key wrote included).
      const expected = (await prisma().auditEntry.findMany({ include: { detail: true }, orderBy: { seq: 'asc' } })).map((e) => ({
        seq: e.seq,
        citizenTag: e.detail?.citizenIdNr ? expectedTag(DATA_KEY, e.detail.citizenIdNr) : null,
      }));
      await prisma().auditEntry.updateMany({ data: { citizenTag: null } });
      // Without its tag, the entry whose details are gone can no longer be found: nothing names the citizen.
      expect((await transfersOf(CITIZEN)).map((t) => t.auditEntryId)).not.to.include(gone);

      // A second broker process on the same database, with the same DATA_KEY, tags them as it starts.
      const second = await startBroker(testConfig({ port: 0, databaseUrl: h.databaseUrl, dataKey: { base64: DATA_KEY.toString('base64') } }));
      try {
        const after = await prisma().auditEntry.findMany({ select: { seq: true, citizenTag: true }, orderBy: { seq: 'asc' } });
        expect(after).to.deep.equal(expected);
        expect(after.find((e) => e.seq === gone)).to.deep.equal({ seq: gone, citizenTag: null });
      } finally {
        await second.close();
      }
      // In batches smaller than the work, too.
      await prisma().auditEntry.updateMany({ data: { citizenTag: null } });
      const tagged = expected.filter((e) => e.citizenTag !== null).length;
      expect(tagged).to.be.greaterThan(4);
      expect(await h.broker.ctx.audit.tagUntaggedEntries(2)).to.equal(tagged);
      expect(await h.broker.ctx.audit.tagUntaggedEntries(2)).to.equal(0);
      expect(await prisma().auditEntry.findMany({ select: { seq: true, citizenTag: true }, orderBy: { seq: 'asc' } })).to.deep.equal(expected);
      // The entry whose details went missing before the upgrade is tagged by nobody: put its tag back for what follows.
      await prisma().auditEntry.update({ where: { seq: gone }, data: { citizenTag: goneTag } });
      expect((await transfersOf(CITIZEN)).map((t) => t.auditEntryId)).to.include(gone);
    });

    it('clears the tag with each detail the purge deletes after retention; the early-deleted entry then reads "deleted after the retention period"', async () => {
      const gone = transferSeqs[1]!;
      const inTwoYears = new Date(Date.now() + 731 * DAY);
      // Batches of two: the purge goes on until no expired detail is left.
      const details = await prisma().auditDetail.count();
      expect(await purgeExpiredDetails(prisma(), inTwoYears, 2)).to.equal(details);
      expect(await purgeExpired(prisma(), inTwoYears, 90)).to.include({ auditDetails: 0 });
      expect(await prisma().auditDetail.count()).to.equal(0);
      // No tag is left but the one whose detail was deleted early, outside the purge.
      expect((await prisma().auditEntry.findMany({ where: { citizenTag: { not: null } }, select: { seq: true } })).map((e) => e.seq)).to.deep.equal([gone]);

      offset = 731 * DAY;
      const json = await transfersOf(CITIZEN);
      expect(json.map((t) => t.auditEntryId)).to.deep.equal([gone]);
      expect(json[0]).to.include({ detailsMissing: true });
      expect(await transfersOf(OTHER_CITIZEN)).to.deep.equal([]);
      const page = await cockpitOf(CITIZEN);
      expect(page).to.include('nach Ablauf der Aufbewahrungsfrist').and.include('Angaben gelöscht').and.not.include('manipuliert');
    });
  });
}

const TAG_MIGRATION = '20261208000000_audit_citizen_tag';

for (const kind of DATABASE_KINDS) {
  describe(`upgrading a database made before citizen tags (${kind})`, function () {
    this.timeout(60_000);

    it('adds the column, and the broker tags at start-up the entries whose details are still there', async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      const { url, drop } = db.create();
      try {
        // The database as it stood before: every earlier migration applied, entries written without tags, one detail lost.
        const old = await openDatabase(url);
        const log = new AuditLog(old, 730);
        const at = new Date();
        const seqs: number[] = [];
        for (const idNr of [CITIZEN, CITIZEN, OTHER_CITIZEN, null]) {
          seqs.push(await log.record({ kind: 'transfer', at, citizenIdNr: idNr, actorId: AUTHORITY_ID, requestId: null, consentId: null, details: { items: [] } }));
        }
        const sql = directSqlOf(old.prisma);
        await sql.execute('DELETE FROM "AuditDetail" WHERE "seq" = ?', [seqs[1]!]);
        await sql.execute('DROP INDEX "AuditEntry_citizenTag_idx"', []);
        await sql.execute('ALTER TABLE "AuditEntry" DROP COLUMN "citizenTag"', []);
        await sql.execute('DELETE FROM "_prisma_migrations" WHERE migration_name = ?', [TAG_MIGRATION]);
        await old.close();

        const broker = await startBroker(testConfig({ port: 0, databaseUrl: url, dataKey: { base64: DATA_KEY.toString('base64') } }));
        try {
          const rows = await broker.ctx.database.prisma.auditEntry.findMany({ select: { seq: true, citizenTag: true }, orderBy: { seq: 'asc' } });
          expect(rows).to.deep.equal([
            { seq: seqs[0], citizenTag: expectedTag(DATA_KEY, CITIZEN) },
            { seq: seqs[1], citizenTag: null }, // its details were gone before the upgrade: nothing names the citizen
            { seq: seqs[2], citizenTag: expectedTag(DATA_KEY, OTHER_CITIZEN) },
            { seq: seqs[3], citizenTag: null },
          ]);
        } finally {
          await broker.close();
        }
      } finally {
        await drop();
      }
    });
  });
}
