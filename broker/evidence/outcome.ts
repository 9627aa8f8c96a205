// Pure rules for an evidence request's outcome: item statuses, the request status, the default period.
import { reasonPrefix, RegisterError } from '../../adapters/contract.ts';
import type { EvidenceType } from '../../adapters/index.ts';

/** Status of one evidence item, as the API reports it. */
export type ItemStatus = 'delivered' | 'not-found' | 'unavailable' | 'pending';
/** Status of a whole request. */
export type RequestStatus = 'complete' | 'partial' | 'failed';

/** Why an item is unavailable: a stable code and a message without personal data. */
export interface ItemReason {
  code: string;
  message: string;
}

/**
 * complete: every register gave a final answer (evidence or "no record");
 * failed: none did; partial: anything in between, including items still pending.
 */
export function requestStatus(items: readonly { status: ItemStatus }[]): RequestStatus {
  const final = items.filter((i) => i.status === 'delivered' || i.status === 'not-found').length;
  if (final === items.length) return 'complete';
  return final === 0 && items.every((i) => i.status === 'unavailable') ? 'failed' : 'partial';
}

export function reasonOf(type: EvidenceType, err: unknown): ItemReason {
  if (err instanceof RegisterError) return { code: err.code, message: err.message };
  return { code: `${reasonPrefix(type)}_INTERNAL`, message: 'the broker failed while handling this register' };
}

/** The last twelve full months before `now`, as inclusive 'YYYY-MM' bounds. */
export function defaultPeriod(now: Date): { from: string; to: string } {
  const month = (y: number, m: number) => {
    const d = new Date(Date.UTC(y, m, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  };
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  return { from: month(y, m - 12), to: month(y, m - 1) };
}
