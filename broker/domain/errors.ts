// The broker's error vocabulary and the one mapping from anything thrown to it (classifyError). Each kind
// has a stable `code` (and so a stable `type` URI, problemTypeUri); callers branch on those, never on the human text. Rendering (JSON,
// XML, pages) lives in the HTTP layer above: this module knows no format.
import { classifyDatabaseBusy, type DatabaseBusy } from '../db/db-errors.ts';
import type { ErrorCode } from './error-codes.ts';

export type { ErrorCode } from './error-codes.ts';

/**
 * A problem's `type` URI: the configured base (PROBLEM_BASE_URL, ending in '/') and the code. The page at that
 * address explains the code (broker/pages/problems/); the URI stays the same for a code as long as the base does.
 */
export function problemTypeUri(base: string, code: ErrorCode): string {
  return base + code;
}

/** One field-level problem in a request. */
export interface InvalidParam {
  name: string;
  reason: string;
}

/** Base of every error the broker reports on purpose. */
export class BrokerError extends Error {
  /** Sent as Retry-After when set (409 in progress, 429, 503). */
  retryAfterSeconds?: number;
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly title: string,
    detail?: string,
    readonly extras: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'BrokerError';
  }
}

export class ValidationError extends BrokerError {
  constructor(detail: string, readonly invalidParams: InvalidParam[] = []) {
    super(400, 'invalid-request', 'The request is invalid', detail, { invalidParams });
  }
}
export class UnauthenticatedError extends BrokerError {
  constructor(detail = 'A valid bearer token is required') {
    super(401, 'unauthenticated', 'Authentication required', detail);
  }
}
export class ForbiddenError extends BrokerError {
  constructor(detail: string) {
    super(403, 'forbidden', 'Not allowed', detail);
  }
}
export class ConsentRequiredError extends BrokerError {
  /** `refusal` is a stable reason code, e.g. 'revoked', 'expired', 'no-consent', 'legal-basis-not-applicable'. */
  constructor(detail: string, readonly refusal: string) {
    super(403, 'consent-required', 'No consent or legal basis covers this request', detail, { refusal });
  }
}
export class NotFoundError extends BrokerError {
  constructor(what: string) {
    super(404, 'not-found', 'Not found', `${what} does not exist or is not visible to you`);
  }
}
export class ConflictError extends BrokerError {
  constructor(detail: string, retryAfterSeconds?: number) {
    super(409, 'conflict', 'Conflict', detail);
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Refused to protect the broker: 429 (rate) or 503 (overload), always with Retry-After. */
export class OverloadError extends BrokerError {
  constructor(status: 429 | 503, detail: string, retryAfterSeconds: number) {
    super(status, status === 429 ? 'rate-limited' : 'overloaded', status === 429 ? 'Too many requests' : 'Service overloaded', detail);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Seconds a caller is asked to wait after the database was too busy to serve it. */
export const DATABASE_BUSY_RETRY_AFTER_SECONDS = 1;

/** What a thrown value means to the caller; every error handler (API and pages) starts from this. */
export type ClassifiedError =
  /** Thrown on purpose, or the framework refused the body: answer it as it is. */
  | { kind: 'known'; error: BrokerError }
  /** A saturated database: an overload, not a fault (503 with Retry-After). */
  | { kind: 'database-busy'; error: OverloadError; busy: DatabaseBusy }
  /** A fault: log the cause for operators; the caller only learns that it failed. */
  | { kind: 'unexpected'; error: BrokerError; cause: unknown };

export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof BrokerError) return { kind: 'known', error: err };
  const fromFramework = fromHttpError(err);
  if (fromFramework) return { kind: 'known', error: fromFramework };
  const busy = classifyDatabaseBusy(err);
  if (busy) return { kind: 'database-busy', busy, error: new OverloadError(503, 'The database is busy; retry shortly', DATABASE_BUSY_RETRY_AFTER_SECONDS) };
  return { kind: 'unexpected', cause: err, error: new BrokerError(500, 'internal', 'Internal error', 'The broker failed to handle the request') };
}

/** Maps the framework's own errors (bad JSON, too large, wrong charset, any other 4xx) to our vocabulary. */
function fromHttpError(err: unknown): BrokerError | null {
  if (typeof err !== 'object' || err === null || !('status' in err)) return null;
  const { type, status } = err as { type?: unknown; status: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500) return null;
  if (type === 'entity.parse.failed') return new ValidationError('The body is not well-formed JSON');
  if (status === 413) return new BrokerError(413, 'payload-too-large', 'Payload too large', 'The body exceeds the size limit');
  if (type === 'encoding.unsupported') return new BrokerError(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body without a Content-Encoding');
  return new ValidationError('The body could not be read');
}

/** Compile-time proof that a switch over a union handled every member. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}
