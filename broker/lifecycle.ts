// Data lifecycle: what the broker deletes, and when. Request metadata goes after REQUEST_RETENTION_DAYS;
// an audit entry's personal details go when their retention ends (IDNrG § 9: two years). The chain itself
// — hashes and salted commitments, no personal data — is kept, and still verifies without the details.
import type { Db } from './db/database.ts';

/** What one purge removed. */
export interface PurgeResult {
  requests: number;
  auditDetails: number;
}

export async function purgeExpired(db: Db, now: Date, requestRetentionDays: number): Promise<PurgeResult> {
  const cutoff = new Date(now.getTime() - requestRetentionDays * 86_400_000);
  // Unfinished requests are left alone: their holder or the sweep decides their fate first.
  const requests = await db.evidenceRequest.deleteMany({ where: { createdAt: { lt: cutoff }, status: { notIn: ['in-progress'] } } });
  const auditDetails = await db.auditDetail.deleteMany({ where: { expiresAt: { lte: now } } });
  return { requests: requests.count, auditDetails: auditDetails.count };
}
