// Where consents live. The ledger and the policy depend on this interface only.
import type { DbTx } from '../broker/db/database.ts';
import type { Purpose } from '../broker/domain/codes.ts';
import type { Consent } from './rules.ts';

/** Storage of consents; writes take the caller's transaction so they commit with their audit entry. */
export interface ConsentStore {
  insert(tx: DbTx, consent: Consent): Promise<void>;
  /** Marks an unrevoked consent revoked; false when it was already revoked (or is unknown). */
  markRevoked(tx: DbTx, id: string, at: Date, by: string): Promise<boolean>;
  get(id: string, tx?: DbTx): Promise<Consent | null>;
  listForCitizen(idNr: string): Promise<Consent[]>;
  /** Consents a grantee holds from a citizen for a purpose, newest first, revoked ones included. */
  listFor(granteeId: string, idNr: string, purpose: Purpose): Promise<Consent[]>;
}
