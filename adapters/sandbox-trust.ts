// The sandbox's key set for signed register messages: a CA, a broker and per-register certificates, made
// per process in memory so nothing outside trusts them. NOTE: outside demo mode the broker signs and pins only
// configured keys (broker/config/config.ts), so a sandbox key can never stand in for a real register.
import { generateKeyPair, generateKeyPairSync } from 'node:crypto';
import { createCa, createCsr, generateKeyPem, issueCertificate, issueEcdsaSigningCertificate, type CertificateAuthority } from '../broker/directory/ca.ts';
import type { RegisterId } from './contract.ts';
import type { SignatureProfile } from './signature-profile.ts';
import type { SigningIdentity } from './signing-keys.ts';

/** The sandbox's CA and the broker's signing identity; each register's identity is made on its first use. */
export interface SandboxTrust {
  caCertPem: string;
  broker: SigningIdentity;
}

let made: {
  trust: SandboxTrust;
  ca: CertificateAuthority;
  registers: Map<RegisterId, SigningIdentity>;
  /** RSA identities being made off the event loop (sandboxSigningIdentity), by id. */
  rsaPending: Map<string, Promise<SigningIdentity>>;
  /** ECDSA identities by id, as promises so that concurrent first uses share one issuance. */
  ecdsa: Map<string, Promise<SigningIdentity>>;
  ecdsaBroker: Promise<SigningIdentity> | null;
} | null = null;

function sandbox() {
  if (made === null) {
    const ca = createCa('Evidence Broker Sandbox CA', 10);
    made = {
      ca,
      trust: { caCertPem: ca.certPem, broker: issueSigningIdentity(ca, BROKER_NAME, BROKER_ORGANIZATION) },
      registers: new Map(),
      rsaPending: new Map(),
      ecdsa: new Map(),
      ecdsaBroker: null,
    };
  }
  return made;
}

const BROKER_NAME = 'evidence-broker';
const BROKER_ORGANIZATION = 'Evidence Broker (sandbox)';

/** A cached issuance that is forgotten if it fails, so the next use tries again. */
function remembered(issue: () => Promise<SigningIdentity>, forget: () => void): Promise<SigningIdentity> {
  const pending = issue();
  pending.catch(forget);
  return pending;
}

/** This process's sandbox key set (made on the first call). */
export function sandboxTrust(): SandboxTrust {
  return sandbox().trust;
}

/** Whether this process has made its sandbox key set yet (it is made on first use only). */
export function sandboxTrustMade(): boolean {
  return made !== null;
}

/** The sandbox identity of a register, by its id (its certificate's common name). */
export function sandboxRegisterIdentity(register: RegisterId): SigningIdentity {
  const { ca, registers } = sandbox();
  let identity = registers.get(register);
  if (identity === undefined) {
    identity = issueSigningIdentity(ca, register, `${register} (sandbox)`);
    registers.set(register, identity);
  }
  return identity;
}

/** The sandbox identity of a register (or any id) in a signature profile, made once per process and profile. */
export function sandboxSigningIdentity(id: string, profile: SignatureProfile): Promise<SigningIdentity> {
  if (profile === 'rsa-pss-sha256') return sandboxRsaIdentity(id);
  const { ca, ecdsa } = sandbox();
  let identity = ecdsa.get(id);
  if (identity === undefined) {
    identity = remembered(() => issueEcdsaSigningIdentity(ca, id, `${id} (sandbox)`), () => ecdsa.delete(id));
    ecdsa.set(id, identity);
  }
  return identity;
}

/**
 * An RSA identity made with the key generated off the event loop, so that several (the simulators' instances at
 * start-up) are made at once on the thread pool; the same identity sandboxRegisterIdentity gives for that id.
 */
function sandboxRsaIdentity(id: string): Promise<SigningIdentity> {
  const { ca, registers, rsaPending } = sandbox();
  const known = registers.get(id);
  if (known) return Promise.resolve(known);
  let pending = rsaPending.get(id);
  if (pending === undefined) {
    pending = remembered(
      async () => {
        const keyPem = await generateRsaKeyPem();
        const { certPem } = issueCertificate(ca, { csrPem: createCsr(keyPem, id), commonName: id, organization: `${id} (sandbox)`, use: 'signing', validityDays: 3650 });
        // A synchronous first use that finished meanwhile wins: one identity per id.
        if (!registers.has(id)) registers.set(id, { keyPem, certPem });
        rsaPending.delete(id);
        return registers.get(id)!;
      },
      () => rsaPending.delete(id),
    );
    rsaPending.set(id, pending);
  }
  return pending;
}

/** An RSA-3072 private key (PKCS#1 PEM, as node-forge writes it), generated on the thread pool. */
function generateRsaKeyPem(): Promise<string> {
  return new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 3072, publicExponent: 0x10001, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } }, (err, _pub, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** The sandbox broker's identity in a signature profile: sandboxTrust().broker for RSA, an ECDSA one made once. */
export function sandboxBrokerIdentity(profile: SignatureProfile): Promise<SigningIdentity> {
  const state = sandbox();
  if (profile === 'rsa-pss-sha256') return Promise.resolve(state.trust.broker);
  state.ecdsaBroker ??= remembered(
    () => issueEcdsaSigningIdentity(state.ca, BROKER_NAME, BROKER_ORGANIZATION),
    () => {
      state.ecdsaBroker = null;
    },
  );
  return state.ecdsaBroker;
}

/** A signing identity certified by the given CA (the sandbox's, or another one in tests). */
export function issueSigningIdentity(ca: CertificateAuthority, commonName: string, organization: string): SigningIdentity {
  const { keyPem } = generateKeyPem();
  const csrPem = createCsr(keyPem, commonName);
  const { certPem } = issueCertificate(ca, { csrPem, commonName, organization, use: 'signing', validityDays: 3650 });
  return { keyPem, certPem };
}

/** An ECDSA P-256 signing identity certified by the given (RSA) CA: the sandbox's, or another one in tests. */
export async function issueEcdsaSigningIdentity(ca: CertificateAuthority, commonName: string, organization: string): Promise<SigningIdentity> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const { certPem } = await issueEcdsaSigningCertificate(ca, { publicKey, commonName, organization, validityDays: 3650 });
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem };
}
