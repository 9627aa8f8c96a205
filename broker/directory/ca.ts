// The broker's own certificate authority (node-forge): like DVDV, a certificate says who a participant is;
// the directory says what it may do. node-forge does the PKI — keys (through Node's native generator),
// CSRs, the CA and certificates; the hot path (TLS, signatures) uses Node's built-in crypto. node-forge has
// no elliptic-curve keys, so ECDSA P-256 signing certificates are made with @peculiar/x509 over Node's WebCrypto.
import type * as X509 from '@peculiar/x509';
import { createHash, createPrivateKey, randomBytes, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

const { pki } = forge;

// NOTE: @peculiar/x509 resolves its parts through tsyringe, which needs Reflect's metadata API (reflect-metadata,
// as its README asks). Both load on first use, so RSA-only processes (most) never load them.
let x509Loaded: Promise<typeof X509> | null = null;
function loadX509(): Promise<typeof X509> {
  x509Loaded ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    // The type names the DOM's Crypto, which this project's lib settings do not declare; Node's webcrypto is that object.
    x509.cryptoProvider.set(webcrypto as ReturnType<typeof x509.cryptoProvider.get>);
    return x509;
  })();
  return x509Loaded;
}

/** A CA loaded from its directory. */
export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

/** A certificate as issued. */
export interface IssuedCertificate {
  serial: string;
  certPem: string;
  fingerprint: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * What a certificate is for: a client (participant calling the broker), a server (the broker's TLS), or
 * signing register messages (XML Signature; never accepted as a TLS client certificate).
 */
export type CertificateUse = 'client' | 'server' | 'signing';

const CA_CERT = 'ca.crt';
const CA_KEY = 'ca.key';

export function writeSecret(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600); // NOTE: also when the file existed with looser rights.
}

export function generateKeyPem(): { keyPem: string; publicKeyPem: string } {
  const keys = pki.rsa.generateKeyPair({ bits: 3072, e: 0x10001 });
  return { keyPem: pki.privateKeyToPem(keys.privateKey), publicKeyPem: pki.publicKeyToPem(keys.publicKey) };
}

/** SHA-256 of the certificate's DER, lower-case hex: the form Node reports (without colons). */
export function fingerprintOf(certPem: string): string {
  // Node's parser, not node-forge's: it reads EC certificates too; the DER and so the value are the same.
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex');
}

function serialNumber(): string {
  // Positive, 128 bits of randomness (RFC 5280 allows up to 20 octets).
  return '01' + randomBytes(16).toString('hex');
}

export function initCa(dir: string, commonName = 'Evidence Broker CA', validityYears = 10): CertificateAuthority {
  if (existsSync(path.join(dir, CA_KEY))) throw new Error(`a CA already exists in ${dir}`);
  const ca = createCa(commonName, validityYears);
  writeSecret(path.join(dir, CA_KEY), ca.keyPem);
  writeFileSync(path.join(dir, CA_CERT), ca.certPem, { mode: 0o644 });
  return ca;
}

/** A CA held in memory only (the sandbox's, adapters/sandbox-trust.ts); initCa keeps one on disk. */
export function createCa(commonName = 'Evidence Broker CA', validityYears = 10): CertificateAuthority {
  const keys = pki.rsa.generateKeyPair({ bits: 3072, e: 0x10001 });
  const cert = pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + validityYears * 365 * 86_400_000);
  const subject = [{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 'Evidence Broker' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: pki.certificateToPem(cert), keyPem: pki.privateKeyToPem(keys.privateKey) };
}

export function loadCa(dir: string): CertificateAuthority {
  const keyFile = path.join(dir, CA_KEY);
  if (!existsSync(keyFile)) throw new Error(`no CA in ${dir}; run \`npm run admin -- pki init\` first`);
  chmodSync(keyFile, 0o600);
  return { certPem: readFileSync(path.join(dir, CA_CERT), 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
}

export function createCsr(keyPem: string, commonName: string): string {
  const key = pki.privateKeyFromPem(keyPem);
  const csr = pki.createCertificationRequest();
  csr.publicKey = pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([{ name: 'commonName', value: commonName }]);
  csr.sign(key, forge.md.sha256.create());
  return pki.certificationRequestToPem(csr);
}

/**
 * Issues a certificate for a participant (CN = participant id) or for the broker's TLS endpoint (CN and
 * subjectAltName = the host names). The key comes from a CSR whose signature must verify.
 */
export function issueCertificate(
  ca: CertificateAuthority,
  req: { csrPem: string; commonName: string; organization?: string; use: CertificateUse; hosts?: string[]; validityDays: number },
): IssuedCertificate {
  const csr = pki.certificationRequestFromPem(req.csrPem);
  if (!csr.verify()) throw new Error('the CSR signature does not verify');
  const caCert = pki.certificateFromPem(ca.certPem);
  const cert = pki.createCertificate();
  cert.publicKey = csr.publicKey as forge.pki.PublicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + req.validityDays * 86_400_000);
  const subject = [{ name: 'commonName', value: req.commonName }, ...(req.organization ? [{ name: 'organizationName', value: req.organization }] : [])];
  cert.setSubject(subject);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = (req.hosts ?? []).map((h) => (/^[\d.]+$|:/.test(h) ? { type: 7, ip: h } : { type: 2, value: h }));
  const signing = req.use === 'signing';
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    // A message-signing certificate signs and commits to content only; it serves no TLS handshake.
    signing
      ? { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    ...(signing ? [] : [{ name: 'extKeyUsage', clientAuth: req.use === 'client', serverAuth: req.use === 'server' }]),
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  const certPem = pki.certificateToPem(cert);
  return {
    serial: cert.serialNumber,
    certPem,
    fingerprint: fingerprintOf(certPem),
    subject: req.commonName,
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
  };
}

/**
 * Issues a message-signing certificate for an EC P-256 public key (ECDSA register messages), signed by the
 * CA's RSA key with RSASSA-PKCS1-v1_5 SHA-256, with the same subject, validity and extensions as issueCertificate
 * gives a signing certificate.
 */
export async function issueEcdsaSigningCertificate(
  ca: CertificateAuthority,
  req: { publicKey: KeyObject; commonName: string; organization?: string; validityDays: number },
): Promise<IssuedCertificate> {
  if (req.publicKey.type !== 'public' || req.publicKey.asymmetricKeyType !== 'ec' || req.publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('an ECDSA signing certificate is issued for an EC P-256 public key only');
  }
  const x509 = await loadX509();
  const subtle = webcrypto.subtle;
  const caCert = new x509.X509Certificate(ca.certPem);
  const signing = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const caKey = await subtle.importKey('pkcs8', createPrivateKey(ca.keyPem).export({ type: 'pkcs8', format: 'der' }), signing, false, ['sign']);
  const publicKey = await subtle.importKey('spki', req.publicKey.export({ type: 'spki', format: 'der' }), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + req.validityDays * 86_400_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    // The CA's subject as encoded in its certificate, so issuer and subject names compare byte for byte.
    issuer: caCert.subjectName,
    subject: [{ CN: [req.commonName] }, ...(req.organization ? [{ O: [req.organization] }] : [])],
    notBefore,
    notAfter,
    signingAlgorithm: signing,
    publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  const certPem = cert.toString('pem');
  return { serial: cert.serialNumber, certPem, fingerprint: fingerprintOf(certPem), subject: req.commonName, notBefore, notAfter };
}
