// Configuration for tests and the bench: the defaults plus overrides, no environment; fresh keys each time.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { envToConfig, type Config } from '../../broker/config/config.ts';
import { DEMO_OPERATOR_TEXTS } from '../../broker/pages/info/operator-texts.ts';

/** Configuration for tests and tools: defaults plus overrides, no environment; the demo's operator texts, so production-mode tests start. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const auditSigningKey = { pem: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  return { ...envToConfig({}), logLevel: 'silent', dataKey: { base64: randomBytes(32).toString('base64') }, auditSigningKey, operatorTexts: DEMO_OPERATOR_TEXTS, ...overrides };
}
