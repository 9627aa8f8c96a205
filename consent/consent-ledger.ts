// The consent ledger: grants and revocations, each committed together with its audit entry.
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../broker/audit/audit-log.ts';
import type { Db } from '../broker/db/database.ts';
import type { Purpose } from '../broker/domain/codes.ts';
import type { EvidenceType } from '../adapters/index.ts';
import type { ConsentStore } from './consent-store.ts';
import type { Consent, PaperProvenance } from './rules.ts';

/**
 * A consent to record; `grantedBy` names who recorded it (citizen, authority or operator import), `paper`
 * the signed form an authority recorded it from (null when the citizen granted it).
 */
export interface ConsentGrant {
  citizenIdNr: string;
  granteeId: string;
  evidenceTypes: EvidenceType[];
  purpose: Purpose;
  validFrom: Date;
  validUntil: Date;
  grantedBy: string;
  paper: PaperProvenance | null;
}

export class ConsentLedger {
  constructor(
    private readonly db: Db,
    readonly store: ConsentStore,
    private readonly audit: AuditLog,
    private readonly clock: () => Date,
  ) {}

  async grant(grant: ConsentGrant): Promise<Consent> {
    const now = this.clock();
    const consent: Consent = { ...grant, id: randomUUID(), grantedAt: now, revokedAt: null, revokedBy: null };
    // NOTE: group commit: concurrent grants share one transaction; each returns after its COMMIT.
    await this.audit.commit(async (tx, record) => {
      await this.store.insert(tx, consent);
      record({
        kind: 'consent-granted',
        at: now,
        citizenIdNr: consent.citizenIdNr,
        actorId: grant.grantedBy,
        requestId: null,
        consentId: consent.id,
        details: {
          grantee: consent.granteeId,
          evidenceTypes: consent.evidenceTypes,
          purpose: consent.purpose,
          validFrom: consent.validFrom.toISOString(),
          validUntil: consent.validUntil.toISOString(),
          ...(consent.paper ? { paper: { ...consent.paper } } : {}),
        },
      });
    });
    return consent;
  }

  /** Revokes at once; revoking an already revoked consent changes nothing and records nothing. */
  async revoke(id: string, by: string): Promise<Consent> {
    const now = this.clock();
    return this.audit.commit(async (tx, record) => {
      const changed = await this.store.markRevoked(tx, id, now, by);
      const revoked = await this.store.getIn(tx, id);
      if (!revoked) throw new Error('consent to revoke does not exist');
      if (!changed) return revoked;
      record({
        kind: 'consent-revoked',
        at: now,
        citizenIdNr: revoked.citizenIdNr,
        actorId: by,
        requestId: null,
        consentId: id,
        details: { grantee: revoked.granteeId },
      });
      return revoked;
    });
  }
}
