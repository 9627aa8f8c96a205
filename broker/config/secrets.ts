// Secrets load once, at start-up, and fail there. The data key seals the answers the broker must hold for a
// while (idempotent replays, async delivery): given as DATA_KEY, or kept in a file only the broker can read
// (created on first start, for the embedded demo; several brokers must share one DATA_KEY).
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkPinnedCertificate, checkSigningIdentity } from '../../adapters/signing-keys.ts';
import { ConfigError, REGISTER_CERT_VARIABLES, type Config, type PemSource } from './config.ts';
import { EVIDENCE_TYPES, sandboxRegisterIdentities, type AdaptersConfig, type EvidenceType } from '../../adapters/index.ts';
import { sandboxTrust } from '../../adapters/sandbox-trust.ts';

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

/** What the adapters need to sign queries and verify answers: the configured keys, or the sandbox's (development). */
export type RegisterTrust = Pick<AdaptersConfig, 'signing' | 'registerCertificates'>;

/**
 * The signing key and certificate and each register's pinned certificate, checked at start-up (RSA ≥ 2048 bits, key
 * matches certificate, valid now) so a bad set stops the start, not a request. Production refuses the sandbox set:
 * it must sign with its own key and trust only the certificates configured for its registers.
 */
export function loadRegisterTrust(cfg: Pick<Config, 'registerSigning' | 'mode'>): RegisterTrust {
  const source = cfg.registerSigning;
  if (source === 'sandbox') {
    if (cfg.mode === 'production') {
      throw new ConfigError(
        `invalid BROKER_SIGNING_KEY_FILE: production mode signs register messages with its own key; set BROKER_SIGNING_KEY_FILE, BROKER_SIGNING_CERT_FILE and ${Object.values(REGISTER_CERT_VARIABLES).join(', ')}`,
      );
    }
    // NOTE: functions, so the sandbox keys are made on the first query: the admin tool makes a context and
    // never queries. main.ts makes them before the broker serves.
    return { signing: () => sandboxTrust().broker, registerCertificates: sandboxRegisterCertificates };
  }
  const read = (pem: PemSource, variable: string): string => {
    if ('pem' in pem) return pem.pem;
    try {
      return readFileSync(pem.file, 'utf8');
    } catch {
      throw new ConfigError(`invalid ${variable}: ${pem.file} cannot be read`);
    }
  };
  const checked = <T>(variable: string, check: () => T): T => {
    try {
      return check();
    } catch (err) {
      throw new ConfigError(`invalid ${variable}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const signing = { keyPem: read(source.key, 'BROKER_SIGNING_KEY_FILE'), certPem: read(source.certificate, 'BROKER_SIGNING_CERT_FILE') };
  checked('BROKER_SIGNING_CERT_FILE', () => checkPinnedCertificate(signing.certPem, "the broker's signing certificate"));
  checked('BROKER_SIGNING_KEY_FILE', () => checkSigningIdentity(signing, "the broker's signing key"));
  const registerCertificates = Object.fromEntries(
    EVIDENCE_TYPES.map((type) => {
      const variable = REGISTER_CERT_VARIABLES[type];
      const pem = read(source.registerCertificates[type], variable);
      checked(variable, () => checkPinnedCertificate(pem, `the ${type} register's certificate`));
      return [type, pem];
    }),
  ) as Record<EvidenceType, string>;
  return { signing, registerCertificates };
}

function sandboxRegisterCertificates(): Record<EvidenceType, string> {
  const identities = sandboxRegisterIdentities();
  return Object.fromEntries(EVIDENCE_TYPES.map((type) => [type, identities[type].certPem])) as Record<EvidenceType, string>;
}
