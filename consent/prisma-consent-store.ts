// ConsentStore on Prisma; evidence types are kept as a JSON array column.
import { directSqlOf, type Db, type DbTx } from '../broker/db/database.ts';
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

const LIST_FOR = `
  SELECT "id", "citizenIdNr", "granteeId", "evidenceTypes", "purpose", "validFrom", "validUntil", "grantedAt", "grantedBy", "revokedAt", "revokedBy"
  FROM "Consent" WHERE "granteeId" = ? AND "citizenIdNr" = ? AND "purpose" = ?
  ORDER BY "grantedAt" DESC`;
const CONSENT_DATES = ['validFrom', 'validUntil', 'grantedAt', 'revokedAt'] as const;

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

  // NOTE: one statement straight to the driver adapter (broker/db/direct-sql.ts; the columns are the model's,
  // the values bound by the adapter): this lookup runs for every evidence request, and Prisma's findMany costs
  // about twice the statement itself, its $queryRaw most of that again.
  async listFor(granteeId: string, idNr: string, purpose: Purpose): Promise<Consent[]> {
    const rows = await directSqlOf(this.db).query<Row>(LIST_FOR, [granteeId, idNr, purpose], CONSENT_DATES);
    return rows.map(toConsent);
  }
}
