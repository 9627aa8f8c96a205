// Secrets load once, at start-up, and fail there. The data key seals the answers the broker must hold for a
// while (idempotent replays, async delivery): given as DATA_KEY, or kept in a file only the broker can read
// (created on first start, for the embedded demo; several brokers must share one DATA_KEY).
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from './config.ts';

export function loadDataKey(source: Config['dataKey']): Buffer {
  if ('base64' in source) return Buffer.from(source.base64, 'base64');
  const file = path.resolve(source.file);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new ConfigError(`invalid DATA_KEY_FILE: ${file} must hold 32 bytes, base64-encoded`);
  return key;
}

/** The Ed25519 key that signs audit checkpoints: given as PEM, or kept in a file created at first start. */
export function loadSigningKey(source: Config['auditSigningKey']): KeyObject {
  if ('pem' in source) return createPrivateKey(source.pem);
  const file = path.resolve(source.file);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  try {
    const key = createPrivateKey(readFileSync(file));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not Ed25519');
    return key;
  } catch {
    throw new ConfigError(`invalid AUDIT_SIGNING_KEY_FILE: ${file} must hold an Ed25519 private key (PKCS#8 PEM)`);
  }
}
