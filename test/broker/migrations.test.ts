// Upgrading a database that was made before a migration: the runner applies only what is missing, and what
// was stored before reads as before. Each case rolls the newest migration back by hand, then upgrades.
import { expect } from 'chai';
import { directSqlOf, openDatabase } from '../../broker/db/database.ts';
import { parseDatabaseUrl } from '../../broker/db/database-url.ts';
import { migrate } from '../../broker/db/migrate.ts';
import { PrismaConsentStore } from '../../consent/prisma-consent-store.ts';
import type { Consent } from '../../consent/rules.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';

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
