// Answers the broker must hold for a while (idempotent replay, async delivery) are sealed with AES-256-GCM,
// bound to their request id, so a database copy alone reveals no evidence and a sealed answer cannot be
// moved to another request.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { BrokerError } from '../domain/errors.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A held answer that does not open under this broker's DATA_KEY for this request: sealed under another key
 * (the broker was restarted with a different DATA_KEY), or moved from another request's row. Never garbage,
 * never the other request's answer: a 500 that says why, for the operators who must restore the key.
 */
export class SealedAnswerUnreadable extends BrokerError {
  constructor() {
    super(
      500,
      'internal',
      'Internal error',
      "The held answer to this request cannot be opened: it was sealed under another DATA_KEY than the broker's current one (or for another request). The broker's operators must start it with the DATA_KEY that sealed it.",
    );
    this.name = 'SealedAnswerUnreadable';
  }
}

export function seal(plain: unknown, key: Buffer, requestId: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(requestId));
  const body = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function unseal<T>(sealed: string, key: Buffer, requestId: string): T {
  const raw = Buffer.from(sealed, 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SealedAnswerUnreadable();
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES }).setAAD(Buffer.from(requestId));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    // GCM's tag check failed: another key, another request id, or altered bytes. Nothing of it was returned.
    throw new SealedAnswerUnreadable();
  }
  return JSON.parse(plain.toString('utf8')) as T;
}
