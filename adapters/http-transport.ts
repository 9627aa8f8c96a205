// Raw transport to a register: one XML document POSTed, one XML document back, every failure a RegisterError.
// NOTE: error messages name what went wrong with the call, never the IdNr or the payload (no personal data
// in errors or logs); the underlying cause is attached for operators, and it carries no payload either.
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { RegisterError } from './contract.ts';
import { XML_LIMITS } from './xml.ts';

/** One exchange with a register's endpoint. */
export interface XmlPost {
  evidenceType: string;
  /** The register's endpoint, from the directory or configuration, never from a request (no SSRF). */
  url: string;
  xml: string;
  signal: AbortSignal;
  maxAnswerBytes?: number;
  /** Sent as `X-Request-Id` when it has the form below; an answer that echoes another one is refused. */
  requestId?: string;
  /** A connection pool of its own, e.g. one presenting the broker's client certificate (mutual TLS). */
  dispatcher?: Dispatcher;
}

/** What a request id sent to a register may look like (the broker's own request ids have this form). */
export const REQUEST_ID = /^[\w.-]{1,64}$/;
export const REQUEST_ID_HEADER = 'x-request-id';

const XML_MEDIA_TYPE = /^(application|text)\/xml\s*(;\s*charset="?utf-8"?\s*)?$/i;

/** POSTs the document and returns the answer's text; throws RegisterError for every failure. */
export async function postXml(post: XmlPost): Promise<string> {
  const { evidenceType, signal } = post;
  const maxBytes = post.maxAnswerBytes ?? XML_LIMITS.maxBytes;
  const requestId = post.requestId !== undefined && REQUEST_ID.test(post.requestId) ? post.requestId : undefined;
  let res: Response;
  // Node's fetch, or undici's for a dispatcher of its own (Node's bundled undici may be another version).
  const send = (post.dispatcher === undefined ? fetch : (url: string, init: RequestInit) => undiciFetch(url, { ...init, dispatcher: post.dispatcher } as never)) as typeof fetch;
  try {
    res = await send(post.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/xml; charset=utf-8',
        accept: 'application/xml',
        ...(requestId === undefined ? {} : { [REQUEST_ID_HEADER]: requestId }),
      },
      body: post.xml,
      signal,
      // A redirect would send citizen data to an address the directory never named.
      redirect: 'manual',
    });
  } catch (err) {
    throw callFailed(evidenceType, err, signal);
  }

  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new RegisterError(evidenceType, 'UPSTREAM_ERROR', `register answered HTTP ${res.status}`);
  }
  // A register need not echo the request id; one that echoes another belongs to another exchange.
  const echoed = res.headers.get(REQUEST_ID_HEADER);
  if (requestId !== undefined && echoed !== null && echoed !== requestId) {
    await res.body?.cancel().catch(() => undefined);
    throw new RegisterError(evidenceType, 'REJECTED_ANSWER', 'answer carries another request id');
  }
  const mediaType = res.headers.get('content-type') ?? '';
  if (!XML_MEDIA_TYPE.test(mediaType)) {
    await res.body?.cancel().catch(() => undefined);
    throw new RegisterError(evidenceType, 'MALFORMED_ANSWER', 'register answered without a UTF-8 XML content type');
  }
  return readCapped(res, maxBytes, evidenceType, signal);
}

async function readCapped(res: Response, maxBytes: number, evidenceType: string, signal: AbortSignal): Promise<string> {
  const tooLarge = () => new RegisterError(evidenceType, 'MALFORMED_ANSWER', `register answer exceeds ${maxBytes} bytes`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (res.body === null) return '';

  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof RegisterError) throw err;
    throw callFailed(evidenceType, err, signal);
  }

  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch (err) {
    throw new RegisterError(evidenceType, 'MALFORMED_ANSWER', 'register answer is not valid UTF-8', { cause: err });
  }
}

/** Classifies a failed fetch or body read: our own deadline or cancellation, else the network. */
function callFailed(evidenceType: string, err: unknown, signal: AbortSignal): RegisterError {
  const name = err instanceof Error ? err.name : '';
  if (signal.aborted || name === 'AbortError' || name === 'TimeoutError') {
    const reason: unknown = signal.reason;
    const timedOut = name === 'TimeoutError' || (reason instanceof Error && reason.name === 'TimeoutError');
    const message = timedOut ? 'register did not answer within the time limit' : 'call was cancelled before the register answered';
    return new RegisterError(evidenceType, 'TIMEOUT', message, { cause: err });
  }
  return new RegisterError(evidenceType, 'UNREACHABLE', 'register could not be reached or dropped the connection', { cause: err });
}
