// The broker's own certificate authority (node-forge): like DVDV, a certificate says who a participant is;
// the directory says what it may do. node-forge does the PKI — keys (through Node's native generator),
// CSRs, the CA and certificates; the hot path (TLS, signatures) uses Node's built-in crypto.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

const { pki } = forge;

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
  const der = forge.asn1.toDer(pki.certificateToAsn1(pki.certificateFromPem(certPem))).getBytes();
  return createHash('sha256').update(Buffer.from(der, 'binary')).digest('hex');
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
