// ConsentStore on Prisma; evidence types are kept as a JSON array column.
import { directSqlOf, type Db } from '../broker/db/database.ts';
import type { SqlStatements } from '../broker/db/direct-sql.ts';
import type { Purpose } from '../broker/domain/codes.ts';
import type { EvidenceType } from '../adapters/index.ts';
import type { ConsentStore } from './consent-store.ts';
import type { Consent } from './rules.ts';

type Row = Awaited<ReturnType<Db['consent']['findUniqueOrThrow']>>;

function toConsent(row: Row): Consent {
  const { paperReference, paperSignedOn, recordedByClerk, ...rest } = row;
  return {
    ...rest,
    evidenceTypes: JSON.parse(row.evidenceTypes) as EvidenceType[],
    purpose: row.purpose as Purpose,
    paper: paperReference !== null && paperSignedOn !== null ? { reference: paperReference, signedOn: paperSignedOn, recordedByClerk } : null,
  };
}

function toRow(c: Consent): Row {
  const { paper, ...rest } = c;
  return { ...rest, evidenceTypes: JSON.stringify(c.evidenceTypes), paperReference: paper?.reference ?? null, paperSignedOn: paper?.signedOn ?? null, recordedByClerk: paper?.recordedByClerk ?? null };
}

const COLUMNS = [
  'id', 'citizenIdNr', 'granteeId', 'evidenceTypes', 'purpose', 'validFrom', 'validUntil', 'grantedAt', 'grantedBy', 'revokedAt', 'revokedBy',
  'paperReference', 'paperSignedOn', 'recordedByClerk',
] as const satisfies readonly (keyof Row)[];
const SELECT = `SELECT ${COLUMNS.map((c) => `"${c}"`).join(', ')} FROM "Consent"`;
const LIST_FOR = `${SELECT} WHERE "granteeId" = ? AND "citizenIdNr" = ? AND "purpose" = ? ORDER BY "grantedAt" DESC`;
const GET = `${SELECT} WHERE "id" = ?`;
const INSERT = `INSERT INTO "Consent" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;
const MARK_REVOKED = 'UPDATE "Consent" SET "revokedAt" = ?, "revokedBy" = ? WHERE "id" = ? AND "revokedAt" IS NULL';
const CONSENT_DATES = ['validFrom', 'validUntil', 'grantedAt', 'revokedAt'] as const;

export class PrismaConsentStore implements ConsentStore {
  constructor(private readonly db: Db) {}

  // NOTE: the writes run in the audit group commit's transaction, straight on the driver adapter
  // (broker/db/direct-sql.ts), which binds the values as Prisma's own writes.
  async insert(tx: SqlStatements, consent: Consent): Promise<void> {
    const row = toRow(consent);
    await tx.execute(INSERT, COLUMNS.map((c) => row[c]));
  }

  async markRevoked(tx: SqlStatements, id: string, at: Date, by: string): Promise<boolean> {
    // NOTE: conditional update, so two concurrent revocations record exactly one revocation.
    return (await tx.execute(MARK_REVOKED, [at, by, id])) === 1;
  }

  get(id: string): Promise<Consent | null> {
    return this.getIn(directSqlOf(this.db), id);
  }

  async getIn(tx: SqlStatements, id: string): Promise<Consent | null> {
    const [row] = await tx.query<Row>(GET, [id], CONSENT_DATES);
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
