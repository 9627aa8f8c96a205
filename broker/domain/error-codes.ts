// The broker's stable error codes, at the bottom of the dependency graph: the error classes, the HTTP
// layer and the published fehlercode list all build on this union.

/** Stable error codes; the EU OOTS EDM:ERR vocabulary inspired the split. */
export type ErrorCode =
  | 'invalid-request'
  | 'unauthenticated'
  | 'forbidden'
  | 'consent-required'
  | 'not-found'
  | 'conflict'
  | 'idempotency-key-reused'
  | 'rate-limited'
  | 'overloaded'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'upstream-failure'
  | 'internal';
