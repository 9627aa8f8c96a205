// Where consents live. The ledger and the policy depend on this interface only.
import type { SqlStatements } from '../broker/db/direct-sql.ts';
import type { Purpose } from '../broker/domain/codes.ts';
import type { Consent } from './rules.ts';

/**
 * Storage of consents; writes take the caller's transaction (its statements, broker/db/direct-sql.ts) so they
 * commit with their audit entry.
 */
export interface ConsentStore {
  insert(tx: SqlStatements, consent: Consent): Promise<void>;
  /** Marks an unrevoked consent revoked; false when it was already revoked (or is unknown). */
  markRevoked(tx: SqlStatements, id: string, at: Date, by: string): Promise<boolean>;
  get(id: string): Promise<Consent | null>;
  /** One consent, read inside the transaction `tx` (sees what `tx` wrote). */
  getIn(tx: SqlStatements, id: string): Promise<Consent | null>;
  listForCitizen(idNr: string): Promise<Consent[]>;
  /** Consents a grantee holds from a citizen for a purpose, newest first, revoked ones included. */
  listFor(granteeId: string, idNr: string, purpose: Purpose): Promise<Consent[]>;
}
