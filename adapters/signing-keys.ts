// Signing keys and pinned certificates: checked once at start-up, parsed once per process, because parsing
// a PEM private key costs about as much as the signature itself.
import { createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { profileOfKey, type SignatureProfile } from './signature-profile.ts';

/** RSA keys shorter than this are refused for signing and pinning (BSI TR-02102-1 asks for 3000 bits). */
export const MIN_RSA_BITS = 2048;

/** What a certificate or key may be: RSA of at least MIN_RSA_BITS, or EC on P-256; said in refusals. */
const KEYS_ALLOWED = `an RSA key of at least ${MIN_RSA_BITS} bits (RSASSA-PSS) or an EC P-256 key (ECDSA)`;

/** A sender's private key (PKCS#8 PEM) and its certificate (PEM), which receivers pin. */
export interface SigningIdentity {
  keyPem: string;
  certPem: string;
}

const privateKeys = new Map<string, KeyObject>();
const pinnedKeys = new Map<string, KeyObject>();
function cached(cache: Map<string, KeyObject>, pem: string, parse: (pem: string) => KeyObject): KeyObject {
  let key = cache.get(pem);
  if (key === undefined) {
    if (cache.size >= 64) cache.clear(); // a process holds a handful of identities; never grow without bound
    key = parse(pem);
    cache.set(pem, key);
  }
  return key;
}

/** The private key of an identity, parsed once per process. */
export function signingKeyOf(signer: SigningIdentity): KeyObject {
  return cached(privateKeys, signer.keyPem, (pem) => createPrivateKey(pem));
}

/** The public key of a pinned certificate, parsed once per process. */
export function pinnedKeyOf(certPem: string): KeyObject {
  return cached(pinnedKeys, certPem, (pem) => new X509Certificate(pem).publicKey);
}

/**
 * The signature profile of a certificate (PEM) or a key (public or private): how the broker shows an
 * instance's crypto. Throws for anything outside the two profiles (RSA of any size is RSASSA-PSS here;
 * the size is checkPinnedCertificate's concern).
 */
export function signatureProfileOf(certOrKey: string | KeyObject): SignatureProfile {
  let key: KeyObject;
  try {
    key = certOrKey instanceof KeyObject ? certOrKey : pinnedKeyOf(certOrKey);
  } catch {
    throw new Error('not a PEM X.509 certificate');
  }
  const profile = key.type === 'secret' ? undefined : profileOfKey(key);
  if (profile === undefined) throw new Error(`the key is outside the signature profiles: ${KEYS_ALLOWED} is required`);
  return profile;
}

/** Checks a signing identity at start-up: a key of one of the profiles (as checkPinnedCertificate) that belongs to the certificate. */
export function checkSigningIdentity(identity: SigningIdentity, what: string): void {
  const cert = checkPinnedCertificate(identity.certPem, what);
  let key;
  try {
    key = createPrivateKey(identity.keyPem);
  } catch {
    throw new Error(`${what}: the key is not a PEM private key`);
  }
  // Key type first, so a key outside the profiles is named as such rather than only as a mismatch.
  if (profileOfKey(key) !== profileOfKey(cert.publicKey)) throw new Error(`${what}: the key does not belong to the certificate (another key type)`);
  if (!cert.checkPrivateKey(key)) throw new Error(`${what}: the key does not belong to the certificate`);
}

/** Checks a certificate to pin: PEM X.509 with an RSA key of at least MIN_RSA_BITS or an EC P-256 key, valid now. */
export function checkPinnedCertificate(certPem: string, what: string, now: Date = new Date()): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new Error(`${what}: not a PEM X.509 certificate`);
  }
  const key = cert.publicKey;
  const profile = profileOfKey(key);
  if (profile === undefined || (profile === 'rsa-pss-sha256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS)) {
    throw new Error(`${what}: the certificate must carry ${KEYS_ALLOWED}`);
  }
  if (new Date(cert.validTo) <= now || new Date(cert.validFrom) > now) throw new Error(`${what}: the certificate is not valid now`);
  return cert;
}
