// Secrets load once, at start-up, and fail there. The data key seals the answers the broker must hold for a
// while (idempotent replays, async delivery): given as DATA_KEY, or kept in a file only the broker can read
// (created on first start, for the embedded demo; several brokers must share one DATA_KEY).
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import type { OnFirstUse } from '../../adapters/register-exchange.ts';
import type { SignatureProfile } from '../../adapters/signature-profile.ts';
import { checkPinnedCertificate, checkSigningIdentity, signatureProfileOf, type SigningIdentity } from '../../adapters/signing-keys.ts';
import { ConfigError, type Config, type PemSource } from './config.ts';
import { sandboxBrokerIdentity, sandboxTrust } from '../../adapters/sandbox-trust.ts';

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

/** The broker's identities that sign register queries, one per crypto profile (null: none for ECDSA registers). */
export interface BrokerSigning {
  rsa: OnFirstUse<SigningIdentity | Promise<SigningIdentity>>;
  ecdsa: OnFirstUse<SigningIdentity | Promise<SigningIdentity>> | null;
}

/**
 * The broker's signing identities, checked at start-up (key matches certificate, a permitted key, valid now) so a
 * bad set stops the start, not a request. Production refuses the sandbox set: it signs with its own keys only.
 */
export function loadBrokerSigning(cfg: Pick<Config, 'registerSigning' | 'mode'>): BrokerSigning {
  const source = cfg.registerSigning;
  if (source === 'sandbox') {
    if (cfg.mode === 'production') {
      throw new ConfigError('invalid BROKER_SIGNING_KEY_FILE: production mode signs register messages with its own key; set BROKER_SIGNING_KEY_FILE and BROKER_SIGNING_CERT_FILE');
    }
    // NOTE: functions, so the sandbox keys are made on the first query: the admin tool makes a context and
    // never queries. main.ts makes them before the broker serves.
    return { rsa: () => sandboxTrust().broker, ecdsa: () => sandboxBrokerIdentity('ecdsa-p256-sha256') };
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
  const identity = (pems: { key: PemSource; certificate: PemSource }, prefix: string, profile: SignatureProfile): SigningIdentity => {
    const loaded = { keyPem: read(pems.key, `${prefix}_KEY_FILE`), certPem: read(pems.certificate, `${prefix}_CERT_FILE`) };
    checked(`${prefix}_CERT_FILE`, () => checkPinnedCertificate(loaded.certPem, "the broker's signing certificate"));
    checked(`${prefix}_KEY_FILE`, () => checkSigningIdentity(loaded, "the broker's signing key"));
    if (signatureProfileOf(loaded.certPem) !== profile) throw new ConfigError(`invalid ${prefix}_CERT_FILE: must carry ${profile === 'rsa-pss-sha256' ? 'an RSA' : 'an ECDSA P-256'} key`);
    return loaded;
  };
  return {
    rsa: identity(source.rsa, 'BROKER_SIGNING', 'rsa-pss-sha256'),
    ecdsa: source.ecdsa === null ? null : identity(source.ecdsa, 'BROKER_ECDSA_SIGNING', 'ecdsa-p256-sha256'),
  };
}

/**
 * The connection pool presenting the broker's client certificate to registers that ask for mutual TLS, read and
 * checked at start-up; null when none is configured.
 */
export function loadRegisterClientTls(cfg: Pick<Config, 'registerClientTls'>): Dispatcher | null {
  const tls = cfg.registerClientTls;
  if (tls === null) return null;
  const read = (file: string, variable: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError(`invalid ${variable}: ${file} cannot be read`);
    }
  };
  const cert = read(tls.certFile, 'REGISTER_CLIENT_CERT_FILE');
  const key = read(tls.keyFile, 'REGISTER_CLIENT_KEY_FILE');
  const ca = tls.caFile === null ? undefined : read(tls.caFile, 'REGISTER_CA_FILE');
  try {
    createSecureContext({ cert, key, ca });
  } catch (err) {
    throw new ConfigError(`invalid REGISTER_CLIENT_CERT_FILE: the certificate, its key and REGISTER_CA_FILE do not make a TLS client identity (${err instanceof Error ? err.message : String(err)})`);
  }
  // Trust anchors: Node's list plus the configured CA (a register's certificate may come from either).
  return new Agent({ connect: { cert, key, ca: ca === undefined ? undefined : [...rootCertificates, ca] } });
}
