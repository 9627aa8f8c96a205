// Data lifecycle: request metadata and audit details are deleted when their retention ends, the chain
// stays and verifies; a backup restores to a database whose chain verifies (SQLite and PostgreSQL).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { AuditLog } from '../../broker/audit/audit-log.ts';
import { openDatabase } from '../../broker/db/database.ts';
import { purgeExpired } from '../../broker/ops/lifecycle.ts';
import { keyFilesFor } from '../helpers/broker-process.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const CITIZEN = '47295136822';
const DAY = 86_400_000;

async function transfer(h: Harness) {
  const consent = await h.call('POST', '/v1/consents', {
    body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ['income'], purpose: 'wohngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 5000 * DAY).toISOString() },
  });
  expect(consent.status).to.equal(201);
  const res = await h.call('POST', '/v1/evidence-requests', { body: { citizen: { idNr: CITIZEN }, evidenceTypes: ['income'], purpose: 'wohngeld', caseReference: 'WG-L', routing: ROUTING } });
  expect(res.status).to.equal(201);
  return res.body as { id: string; auditEntryId: number };
}

function admin(databaseUrl: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'broker/ops/admin-cli.ts', ...args], {
    // Its key files in a temporary directory, never ./data in the repository.
    env: { ...process.env, ...keyFilesFor(databaseUrl), DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
}

const inTwoYears = () => new Date(Date.now() + 731 * DAY);

for (const kind of DATABASE_KINDS) {
  describe(`data lifecycle (${kind})`, function () {
    this.timeout(60_000);
    let h: Harness;
    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db, { config: { consentMaxValidityDays: 6000 } });
    });
    after(async () => h?.close());

    it('deletes request metadata after its retention and audit details after two years; the chain still verifies', async () => {
      const answer = await transfer(h);
      const prisma = h.broker.ctx.database.prisma;
      const citizen = await h.citizenToken(CITIZEN);
      expect((await h.call('GET', `/v1/citizens/${CITIZEN}/transfers`, { token: citizen })).body.transfers).to.have.length(1);

      const afterRequests = await purgeExpired(prisma, new Date(Date.now() + 91 * DAY), 90);
      expect(afterRequests.requests).to.be.greaterThan(0);
      expect(afterRequests.auditDetails).to.equal(0);
      expect(await prisma.evidenceRequest.findUnique({ where: { id: answer.id } })).to.equal(null);
      expect((await h.call('GET', `/v1/citizens/${CITIZEN}/transfers`, { token: citizen })).body.transfers).to.have.length(1);

      const afterTwoYears = await purgeExpired(prisma, new Date(Date.now() + 731 * DAY), 90);
      expect(afterTwoYears.auditDetails).to.be.greaterThan(0);
      expect((await h.call('GET', `/v1/citizens/${CITIZEN}/transfers`, { token: citizen })).body.transfers).to.have.length(0);
      expect(await prisma.auditEntry.findUnique({ where: { seq: answer.auditEntryId } })).not.to.equal(null);
      // Verified as of the purge's day: the details' two years are over. Today, their absence would be tampering.
      expect(await new AuditLog(h.broker.ctx.database, 730, inTwoYears).verify()).to.include({ ok: true, detailsChecked: 0 });
      const today = await h.call('GET', '/v1/audit/verify', { token: await h.operatorToken() });
      expect(today.body).to.include({ ok: false, brokenAt: 1, reason: 'detail-missing' }); // the consent's entry, the first purged
    });

    it('restores a backup to a database whose chain verifies', async () => {
      await transfer(h);
      // As of two years on: the first test purged details that would still be due today.
      const live = await new AuditLog(h.broker.ctx.database, 730, inTwoYears).verify();
      expect(live.ok).to.equal(true);
      const dir = mkdtempSync(path.join(tmpdir(), 'broker-backup-'));
      try {
        const file = path.join(dir, kind === 'sqlite' ? 'backup.db' : 'backup.dump');
        const backup = admin(h.databaseUrl, 'backup', '--output', file);
        expect(backup.status, backup.stderr).to.equal(0);
        let restoredUrl: string;
        let cleanup = async () => {};
        if (kind === 'sqlite') {
          restoredUrl = `file:${file}`;
        } else {
          // Restore into a fresh database, as after losing the server: create it, pg_restore, verify.
          const source = new URL(h.databaseUrl);
          const dbName = `restore_${process.pid}_${Date.now()}`;
          const admin = new pg.Client({ connectionString: `${source.protocol}//${source.username}@${source.host}/test` });
          await admin.connect();
          await admin.query(`CREATE DATABASE "${dbName}"`);
          const target = new URL(h.databaseUrl);
          target.pathname = `/${dbName}`;
          target.searchParams.delete('schema');
          const restore = spawnSync('pg_restore', ['--no-owner', `--dbname=${target.toString()}`, file], { encoding: 'utf8' });
          expect(restore.status, restore.stderr).to.equal(0);
          target.searchParams.set('schema', source.searchParams.get('schema')!);
          restoredUrl = target.toString();
          cleanup = async () => {
            await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
            await admin.end();
          };
        }
        try {
          const restored = await openDatabase(restoredUrl);
          try {
            const result = await new AuditLog(restored, 730, inTwoYears).verify();
            expect(result).to.deep.include({ ok: true, entries: live.entries });
            if (result.ok && live.ok) expect(result.headHash).to.equal(live.headHash);
          } finally {
            await restored.close();
          }
        } finally {
          await cleanup();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
