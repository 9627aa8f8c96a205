// ConsentStore on Prisma; evidence types are kept as a JSON array column.
import type { Db, DbTx } from '../broker/db/database.ts';
import type { EvidenceType, Purpose } from '../broker/domain/codes.ts';
import type { ConsentStore } from './consent-store.ts';
import type { Consent } from './rules.ts';

type Row = Awaited<ReturnType<Db['consent']['findUniqueOrThrow']>>;

function toConsent(row: Row): Consent {
  return {
    ...row,
    evidenceTypes: JSON.parse(row.evidenceTypes) as EvidenceType[],
    purpose: row.purpose as Purpose,
  };
}

export class PrismaConsentStore implements ConsentStore {
  constructor(private readonly db: Db) {}

  async insert(tx: DbTx, consent: Consent): Promise<void> {
    await tx.consent.create({ data: { ...consent, evidenceTypes: JSON.stringify(consent.evidenceTypes) } });
  }

  async markRevoked(tx: DbTx, id: string, at: Date, by: string): Promise<boolean> {
    // NOTE: conditional update, so two concurrent revocations record exactly one revocation.
    const { count } = await tx.consent.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at, revokedBy: by } });
    return count === 1;
  }

  async get(id: string, tx?: DbTx): Promise<Consent | null> {
    const row = await (tx ?? this.db).consent.findUnique({ where: { id } });
    return row ? toConsent(row) : null;
  }

  async listForCitizen(idNr: string): Promise<Consent[]> {
    const rows = await this.db.consent.findMany({ where: { citizenIdNr: idNr }, orderBy: { grantedAt: 'desc' } });
    return rows.map(toConsent);
  }

  // NOTE: raw SQL (the columns are the model's, the values bound by the driver adapter): this lookup runs
  // for every evidence request, and Prisma's findMany costs about twice the statement itself.
  async listFor(granteeId: string, idNr: string, purpose: Purpose): Promise<Consent[]> {
    const rows = await this.db.$queryRaw<Row[]>`
      SELECT "id", "citizenIdNr", "granteeId", "evidenceTypes", "purpose", "validFrom", "validUntil", "grantedAt", "grantedBy", "revokedAt", "revokedBy"
      FROM "Consent" WHERE "granteeId" = ${granteeId} AND "citizenIdNr" = ${idNr} AND "purpose" = ${purpose}
      ORDER BY "grantedAt" DESC`;
    return rows.map(toConsent);
  }
}
