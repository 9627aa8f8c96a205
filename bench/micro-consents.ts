// Micro-benchmark: consent checks per second with many consents stored. The consents are bulk-inserted
// with better-sqlite3 into a migrated database (dates in the format the Prisma adapter writes, learned
// from one consent inserted through PrismaConsentStore); the checks are the real decidePermission over
// PrismaConsentStore, as the broker calls it — once finding the consent itself, once with a named consentId.
import { randomUUID } from 'node:crypto';
import { createHistogram, performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { directSqlOf, openDatabase } from '../broker/db/database.ts';
import { migrateSqlite } from '../broker/db/migrate.ts';
import { EVIDENCE_TYPES } from '../adapters/index.ts';
import { decidePermission } from '../consent/policy.ts';
import { PrismaConsentStore } from '../consent/prisma-consent-store.ts';
import { sqliteDateWriter } from './bench-db.ts';
import { benchCitizens, prng } from './citizens.ts';

const GRANTEES = Array.from({ length: 20 }, (_, i) => `authority-${String(i).padStart(2, '0')}`);

/** Result of one check run. */
export interface ConsentCheckRun {
  mode: 'find' | 'named';
  concurrency: number;
  checks: number;
  checksPerS: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ConsentResult {
  consents: number;
  insertS: number;
  runs: ConsentCheckRun[];
}

export async function consentChecks(p: { file: string; consents: number; durationMs: number }): Promise<ConsentResult> {
  migrateSqlite(p.file);
  const now = new Date();
  const validFrom = new Date(now.getTime() - 86_400_000);
  const validUntil = new Date(now.getTime() + 365 * 86_400_000);

  // One consent through the real store (as the ledger writes it: bound by Prisma's adapter): it shows how dates are written.
  const first = await openDatabase(`file:${p.file}`);
  const store0 = new PrismaConsentStore(first.prisma);
  const firstId = randomUUID();
  await store0.insert(directSqlOf(first.prisma), {
    id: firstId,
    citizenIdNr: '86095742719',
    granteeId: GRANTEES[0]!,
    evidenceTypes: [...EVIDENCE_TYPES],
    purpose: 'elterngeld',
    validFrom,
    validUntil,
    grantedAt: now,
    grantedBy: 'citizen',
    revokedAt: null,
    revokedBy: null,
  });
  await first.close();

  const t0 = performance.now();
  const raw = new Database(p.file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = OFF'); // bulk load only
  const sample = (raw.prepare('SELECT validFrom FROM Consent WHERE id = ?').get(firstId) as { validFrom: unknown }).validFrom;
  const dateOf = sqliteDateWriter(sample);
  const insert = raw.prepare(
    `INSERT INTO Consent (id, citizenIdNr, granteeId, evidenceTypes, purpose, validFrom, validUntil, grantedAt, grantedBy, revokedAt, revokedBy)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'citizen', NULL, NULL)`,
  );
  const citizens = benchCitizens(p.consents - 1, 11).filter((c) => c !== '86095742719');
  const stored: { id: string; idNr: string; grantee: string }[] = [];
  const types = JSON.stringify(EVIDENCE_TYPES);
  const BATCH = 50_000;
  for (let from = 0; from < citizens.length; from += BATCH) {
    raw.transaction(() => {
      for (let i = from; i < Math.min(citizens.length, from + BATCH); i++) {
        const id = randomUUID();
        const grantee = GRANTEES[i % GRANTEES.length]!;
        insert.run(id, citizens[i]!, grantee, types, 'elterngeld', dateOf(validFrom), dateOf(validUntil), dateOf(now));
        if (i % 100 === 0) stored.push({ id, idNr: citizens[i]!, grantee });
      }
    })();
  }
  raw.pragma('wal_checkpoint(TRUNCATE)');
  const count = (raw.prepare('SELECT COUNT(*) AS n FROM Consent').get() as { n: number }).n;
  raw.close();
  const insertS = (performance.now() - t0) / 1000;

  const database = await openDatabase(`file:${p.file}`);
  const store = new PrismaConsentStore(database.prisma);
  const random = prng(17);
  const runs: ConsentCheckRun[] = [];
  try {
    for (const mode of ['find', 'named'] as const) {
      for (const concurrency of [1, 16]) {
        const hist = createHistogram();
        let checks = 0;
        const check = async () => {
          const c = stored[Math.floor(random() * stored.length)]!;
          const need = { idNr: c.idNr, granteeId: c.grantee, purpose: 'elterngeld' as const, evidenceTypes: EVIDENCE_TYPES };
          const decided = await decidePermission(store, need, mode === 'named' ? { consentId: c.id } : {}, now);
          if (decided.basis !== 'consent' || decided.consentId !== c.id) throw new Error('consent check decided wrongly');
        };
        for (let i = 0; i < 200; i++) await check(); // warm-up
        const start = performance.now();
        const end = start + p.durationMs;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (performance.now() < end) {
              const c0 = performance.now();
              await check();
              hist.record(Math.max(1, Math.round((performance.now() - c0) * 1000)));
              checks++;
            }
          }),
        );
        const elapsed = (performance.now() - start) / 1000;
        runs.push({ mode, concurrency, checks, checksPerS: checks / elapsed, p50Ms: hist.percentile(50) / 1000, p99Ms: hist.percentile(99) / 1000 });
      }
    }
  } finally {
    await database.close();
  }
  return { consents: count, insertS, runs };
}
