// Answers the broker must hold for a while (idempotent replay, async delivery) are sealed with AES-256-GCM,
// bound to their request id, so a database copy alone reveals no evidence and a sealed answer cannot be
// moved to another request.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export function seal(plain: unknown, key: Buffer, requestId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(requestId));
  const body = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function unseal<T>(sealed: string, key: Buffer, requestId: string): T {
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12)).setAAD(Buffer.from(requestId));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as T;
}
