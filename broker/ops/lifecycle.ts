// Data lifecycle: what the broker deletes, and when. Request metadata goes after REQUEST_RETENTION_DAYS;
// an audit entry's personal details go when their retention ends (IDNrG § 9: two years). The chain itself
// — hashes and salted commitments, no personal data — is kept, and still verifies without the details.
import { purgeExpiredDetails } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';

/** What one purge removed. */
export interface PurgeResult {
  requests: number;
  auditDetails: number;
  signInThrottles: number;
}

/** A sign-in throttle row is kept this long after its last failed attempt (the lock-out window is shorter). */
const THROTTLE_KEEP_MS = 86_400_000;

export async function purgeExpired(db: Db, now: Date, requestRetentionDays: number): Promise<PurgeResult> {
  const cutoff = new Date(now.getTime() - requestRetentionDays * 86_400_000);
  // Unfinished requests are left alone: their holder or the sweep decides their fate first.
  const requests = await db.evidenceRequest.deleteMany({ where: { createdAt: { lt: cutoff }, status: { notIn: ['in-progress'] } } });
  // With each detail row goes its entry's citizen tag: after retention nothing links the entry to the citizen.
  const auditDetails = await purgeExpiredDetails(db, now);
  const stale = new Date(now.getTime() - THROTTLE_KEEP_MS);
  const signInThrottles = await db.signInThrottle.deleteMany({ where: { lastAttemptAt: { lt: stale }, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] } });
  return { requests: requests.count, auditDetails, signInThrottles: signInThrottles.count };
}
