// What the broker shows about a pinned or signing certificate: which one it is, when it is valid and which
// signature profile it signs in. Pure: the certificate in, facts out; no clock, no I/O.
import { createHash, X509Certificate } from 'node:crypto';
import type { SignatureProfile } from './signature-profile.ts';
import { signatureProfileOf } from './signing-keys.ts';

/** The facts of one certificate, as an instance's page or the directory shows them. */
export interface CertificateFacts {
  /** SHA-256 of the DER, lower-case hex without colons (as fingerprintOf in broker/directory/ca.ts). */
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
  profile: SignatureProfile;
}

/** The facts of a PEM certificate; throws for one that is not PEM X.509 or whose key is outside the profiles. */
export function certificateFacts(certPem: string): CertificateFacts {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new Error('not a PEM X.509 certificate');
  }
  return {
    fingerprint: createHash('sha256').update(cert.raw).digest('hex'),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    profile: signatureProfileOf(cert.publicKey),
  };
}
