// Secrets load once, at start-up, and fail there. The data key seals the answers the broker must hold for a
// while (idempotent replays, async delivery): given as DATA_KEY, or kept in a file only the broker can read
// (created on first start, for the embedded demo; several brokers must share one DATA_KEY).
import { randomBytes } from 'node:crypto';
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
