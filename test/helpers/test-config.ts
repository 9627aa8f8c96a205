// Configuration for tests and the bench: the defaults plus overrides, no environment; fresh keys each time.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { envToConfig, type Config } from '../../broker/config/config.ts';

/** Configuration for tests and tools: defaults plus overrides, no environment. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const auditSigningKey = { pem: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  return { ...envToConfig({}), logLevel: 'silent', dataKey: { base64: randomBytes(32).toString('base64') }, auditSigningKey, ...overrides };
}
