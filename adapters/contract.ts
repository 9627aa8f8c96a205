// The one contract between the broker and a register: everything register-specific lives behind it.
import type { Purpose } from '../broker/domain/codes.ts';

/** Identifier of a register (its descriptor's register id); registers are data, so not a closed union. */
export type RegisterId = string;

/** What the broker asks a register for, already validated and authorized. */
export interface RegisterRequest {
  /** The broker's evidence request id; carried as the register message's reference. */
  requestId: string;
  idNr: string;
  purpose: Purpose;
  /** The requesting authority's participant id (the register sees who asks). */
  requester: string;
  /** Inclusive period of interest, 'YYYY-MM'. */
  period: { from: string; to: string };
  /**
   * The broker's request id for logs (`X-Request-Id`), sent to the register as `X-Request-Id` and expected
   * back unchanged; one of [A-Za-z0-9_.-]{1,64}, anything else is not sent.
   */
  correlationId?: string;
}

/** A register's answer, mapped into the normalized model. Failures are thrown as RegisterError. */
export type RegisterOutcome<D = unknown> =
  | { status: 'delivered'; data: D; fetchedAt: Date; registerMessageId: string }
  | { status: 'not-found'; fetchedAt: Date; registerMessageId: string }
  /** The register accepted the query but answers later (rvBEA: employers answer weekly); poll with the ticket. */
  | { status: 'pending'; ticket: string; expectedBy: Date | null; fetchedAt: Date; registerMessageId: string };

/** One register, seen from the broker. */
export interface RegisterAdapter<T extends string = string, D = unknown> {
  readonly register: RegisterId;
  readonly evidenceType: T;
  fetchEvidence(req: RegisterRequest, signal: AbortSignal): Promise<RegisterOutcome<D>>;
  /** Asks again about a pending query; answers like fetchEvidence. */
  pollPending(ticket: string, req: RegisterRequest, signal: AbortSignal): Promise<RegisterOutcome<D>>;
}

/**
 * Stable failure codes of register calls; the broker reports them per item, never the raw cause.
 * BAD_SIGNATURE: the answer is unsigned, or its signature is not the register's (pinned certificate), is
 * broken, or does not cover exactly the content that is read.
 */
export type RegisterErrorKind = 'TIMEOUT' | 'UNREACHABLE' | 'UPSTREAM_ERROR' | 'MALFORMED_ANSWER' | 'REJECTED_ANSWER' | 'BAD_SIGNATURE';

/** A register call that failed; `code` is e.g. 'SALARY_TIMEOUT'. */
export class RegisterError extends Error {
  readonly code: string;
  constructor(
    readonly evidenceType: string,
    readonly kind: RegisterErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RegisterError';
    this.code = `${reasonPrefix(evidenceType)}_${kind}`;
  }
}

/** The reason-code prefix of an evidence type: 'maternity-benefit' → 'MATERNITY_BENEFIT'. */
export function reasonPrefix(type: string): string {
  return type.replaceAll('-', '_').toUpperCase();
}
