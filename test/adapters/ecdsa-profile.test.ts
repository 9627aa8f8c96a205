// The second signature profile, ECDSA P-256 SHA-256 (adapters/signature-profile.ts), against xml-crypto as the
// oracle both ways; no algorithm confusion between the two profiles; several certificates pinned per sender;
// which certificates may be pinned; and the EC certificates the sandbox issues.
import { DOMParser } from '@xmldom/xmldom';
import { expect } from 'chai';
import { createPrivateKey, generateKeyPairSync, randomUUID, sign as cryptoSign, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { SignedXml, type SignatureAlgorithm } from 'xml-crypto';
import { certificateFacts } from '../../adapters/certificate-facts.ts';
import { salaryMessages } from '../../adapters/salary/messages.ts';
import {
  issueEcdsaSigningIdentity,
  sandboxBrokerIdentity,
  sandboxSigningIdentity,
  sandboxRegisterIdentity,
  sandboxTrust,
} from '../../adapters/sandbox-trust.ts';
import { SIGNATURE_ALGORITHMS, SIGNATURE_METHODS, SignatureError, XMLDSIG_NAMESPACE } from '../../adapters/signature-profile.ts';
import { verifyEnvelope } from '../../adapters/signature-verification.ts';
import { checkPinnedCertificate, checkSigningIdentity, MIN_RSA_BITS, signatureProfileOf, type SigningIdentity } from '../../adapters/signing-keys.ts';
import { signEnvelope } from '../../adapters/signing.ts';
import { createCa, createCsr, fingerprintOf, issueCertificate, type CertificateAuthority } from '../../broker/directory/ca.ts';

const ECDSA = SIGNATURE_METHODS['ecdsa-p256-sha256'];
const CITIZEN = '86095742719';

function envelope(): string {
  const id = randomUUID();
  return (
    `<?xml version="1.0" encoding="UTF-8"?><transport:umschlag xmlns:transport="urn:xoev-de:evidence-broker:transport:1.1" version="1.1">` +
    `<transportkopf><umschlagId>${id}</umschlagId></transportkopf>` +
    `<inhalt Id="inhalt-${id}"><lohn:anfrage xmlns:lohn="urn:example:lohn" b="2" a="1"><lohn:name>Müller &amp; Söhne</lohn:name><leer/></lohn:anfrage></inhalt>` +
    `</transport:umschlag>`
  );
}

/**
 * ECDSA-SHA256 for xml-crypto, which has none built in: values in the given encoding (XMLDSig's is r‖s,
 * 'ieee-p1363'; 'der' is what a sloppy peer writes).
 */
function ecdsaAlgorithm(dsaEncoding: 'ieee-p1363' | 'der'): new () => SignatureAlgorithm {
  class EcdsaSha256 {
    getSignature(signedInfo: string | Buffer, privateKey: string | Buffer): string {
      return cryptoSign('sha256', Buffer.from(signedInfo), { key: privateKey, dsaEncoding }).toString('base64');
    }
    verifySignature(material: string, key: string | Buffer, signatureValue: string): boolean {
      return cryptoVerify('sha256', Buffer.from(material), { key, dsaEncoding }, Buffer.from(signatureValue, 'base64'));
    }
    getAlgorithmName(): string {
      return ECDSA;
    }
  }
  // The interface's overloads describe an optional callback form that SignedXml's synchronous path never uses.
  return EcdsaSha256 as unknown as new () => SignatureAlgorithm;
}

function oracleVerify(xml: string, certPem: string, dsaEncoding: 'ieee-p1363' | 'der' = 'ieee-p1363'): string {
  const verifier = new SignedXml({ publicCert: certPem, getCertFromKeyInfo: () => null });
  verifier.SignatureAlgorithms[ECDSA] = ecdsaAlgorithm(dsaEncoding);
  verifier.loadSignature(new DOMParser().parseFromString(xml, 'application/xml').getElementsByTagNameNS(XMLDSIG_NAMESPACE, 'Signature').item(0)!);
  if (!verifier.checkSignature(xml)) throw new Error('oracle: the signature does not verify');
  const refs = verifier.getSignedReferences();
  if (refs.length !== 1) throw new Error('oracle: not exactly one reference');
  return refs[0]!;
}

function oracleSign(xml: string, signer: SigningIdentity, dsaEncoding: 'ieee-p1363' | 'der' = 'ieee-p1363'): string {
  const sig = new SignedXml({ privateKey: signer.keyPem, signatureAlgorithm: ECDSA, canonicalizationAlgorithm: SIGNATURE_ALGORITHMS.canonicalization });
  sig.SignatureAlgorithms[ECDSA] = ecdsaAlgorithm(dsaEncoding);
  sig.addReference({ xpath: "/*/*[local-name(.)='inhalt']", transforms: [SIGNATURE_ALGORITHMS.canonicalization], digestAlgorithm: SIGNATURE_ALGORITHMS.digest });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: '/*', action: 'append' } });
  return sig.getSignedXml();
}

function refused(fn: () => unknown): SignatureError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SignatureError) return err;
    throw err;
  }
  throw new Error('expected a SignatureError');
}

function signatureValueOf(xml: string): Buffer {
  return Buffer.from(/<ds:SignatureValue>([^<]+)<\/ds:SignatureValue>/.exec(xml)![1]!, 'base64');
}

/** A certificate of the given CA for a key made here (RSA of any size), through the broker's own CSR path. */
function rsaIdentityOf(ca: CertificateAuthority, modulusLength: number): SigningIdentity {
  const keyPem = generateKeyPairSync('rsa', { modulusLength }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const { certPem } = issueCertificate(ca, { csrPem: createCsr(keyPem, 'urn:test:rsa'), commonName: 'urn:test:rsa', use: 'signing', validityDays: 30 });
  return { keyPem, certPem };
}

describe('the ECDSA P-256 signature profile', function () {
  this.timeout(60_000);
  let ca: CertificateAuthority;
  let ec: SigningIdentity;
  let otherEc: SigningIdentity;
  let rsa: SigningIdentity;
  before(async () => {
    ca = createCa('ECDSA test CA');
    ec = await issueEcdsaSigningIdentity(ca, 'urn:test:ec', 'an ECDSA sender');
    otherEc = await issueEcdsaSigningIdentity(ca, 'urn:test:ec-other', 'another ECDSA sender');
    rsa = sandboxTrust().broker;
  });

  describe('when a sender signs with an EC P-256 key', () => {
    it('names the ECDSA method and writes a 64-byte r‖s value that verifies with its certificate', () => {
      const signed = signEnvelope(envelope(), ec);
      expect(signed).to.include(`<ds:SignatureMethod Algorithm="${ECDSA}"/>`);
      expect(signatureValueOf(signed)).to.have.length(64);
      expect(verifyEnvelope(signed, ec.certPem).canonical).to.match(/^<inhalt Id="inhalt-[0-9a-f-]{36}"><lohn:anfrage xmlns:lohn="urn:example:lohn" a="1" b="2">/);
    });

    it('signs so that xml-crypto verifies it and reads the same canonical inhalt', () => {
      for (let i = 0; i < 5; i++) {
        const signed = signEnvelope(envelope(), ec);
        expect(oracleVerify(signed, ec.certPem)).to.equal(verifyEnvelope(signed, ec.certPem).canonical);
      }
    });

    it('verifies what xml-crypto signs with ECDSA-SHA256, reading the same canonical inhalt', () => {
      const signed = oracleSign(envelope(), ec);
      expect(verifyEnvelope(signed, ec.certPem).canonical).to.equal(oracleVerify(signed, ec.certPem));
    });

    it('refuses a DER-encoded ECDSA value (XMLDSig wants r‖s), though it is a valid signature in DER', () => {
      const der = oracleSign(envelope(), ec, 'der');
      expect(oracleVerify(der, ec.certPem, 'der')).to.match(/^<inhalt /);
      expect(signatureValueOf(der).length).to.be.within(68, 72);
      expect(refused(() => verifyEnvelope(der, ec.certPem)).message).to.match(/does not verify/);
    });

    it('refuses a changed value and a signature of another EC key', () => {
      const signed = signEnvelope(envelope(), ec);
      const flipped = signed.replace(/<ds:SignatureValue>(.)/, (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`);
      expect(refused(() => verifyEnvelope(flipped, ec.certPem)).message).to.match(/does not verify/);
      expect(refused(() => verifyEnvelope(signed, otherEc.certPem)).message).to.match(/does not verify/);
    });
  });

  describe('when the key type and the signature method disagree (algorithm confusion)', () => {
    it('refuses an ECDSA-signed envelope against a pinned RSA certificate, and an RSA-PSS one against a pinned EC certificate', () => {
      expect(refused(() => verifyEnvelope(signEnvelope(envelope(), ec), rsa.certPem)).message).to.match(/no certificate pinned for the sender fits/);
      expect(refused(() => verifyEnvelope(signEnvelope(envelope(), rsa), ec.certPem)).message).to.match(/no certificate pinned for the sender fits/);
    });

    it('refuses an envelope whose SignatureMethod was rewritten to the other profile, even with both certificates pinned', () => {
      const both = [rsa.certPem, ec.certPem];
      const pssAsEcdsa = signEnvelope(envelope(), rsa).replace(SIGNATURE_METHODS['rsa-pss-sha256'], ECDSA);
      const ecdsaAsPss = signEnvelope(envelope(), ec).replace(ECDSA, SIGNATURE_METHODS['rsa-pss-sha256']);
      expect(refused(() => verifyEnvelope(pssAsEcdsa, both)).message).to.match(/does not verify/);
      expect(refused(() => verifyEnvelope(ecdsaAsPss, both)).message).to.match(/does not verify/);
    });

    it('refuses a SignatureMethod outside the two, naming no value', () => {
      for (const uri of ['http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384', 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'http://www.w3.org/2000/09/xmldsig#hmac-sha1']) {
        const err = refused(() => verifyEnvelope(signEnvelope(envelope(), ec).replace(ECDSA, uri), [rsa.certPem, ec.certPem]));
        expect(err.message).to.match(/outside the profile/);
        expect(err.message).not.to.include(uri);
      }
    });

    it('does not sign with a key outside the profiles (Ed25519, P-384)', () => {
      for (const key of [generateKeyPairSync('ed25519').privateKey, generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey]) {
        const keyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
        expect(() => signEnvelope(envelope(), { keyPem, certPem: ec.certPem })).to.throw(/neither RSA nor ECDSA P-256/);
      }
    });
  });

  describe('when several certificates are pinned for a sender (a key rollover)', () => {
    it('accepts an envelope that verifies with any one of them, in any position, of either profile', () => {
      const fromEc = signEnvelope(envelope(), ec);
      const fromRsa = signEnvelope(envelope(), rsa);
      expect(verifyEnvelope(fromEc, [otherEc.certPem, ec.certPem]).contentId).to.match(/^inhalt-/);
      expect(verifyEnvelope(fromEc, [rsa.certPem, otherEc.certPem, ec.certPem]).contentId).to.match(/^inhalt-/);
      expect(verifyEnvelope(fromRsa, [ec.certPem, rsa.certPem]).contentId).to.match(/^inhalt-/);
    });

    it('refuses it once its certificate is retired from the list, and with an empty list', () => {
      const fromEc = signEnvelope(envelope(), ec);
      expect(refused(() => verifyEnvelope(fromEc, [otherEc.certPem])).message).to.match(/does not verify/);
      expect(refused(() => verifyEnvelope(fromEc, [])).message).to.equal('no certificate is pinned for the sender');
      expect(refused(() => verifyEnvelope(fromEc, ['not a certificate'])).message).to.match(/no certificate pinned for the sender fits/);
    });

    it('reads register messages with a list through parseAnswer and parseQuery, and still with one certificate', () => {
      const header = { messageId: randomUUID(), inReplyTo: randomUUID(), createdAt: '2026-06-15T10:00:00.000Z', sender: 'rvbea', recipient: 'evidence-broker' };
      const answer = salaryMessages.buildAnswer({ header, status: 'nicht-gefunden', idNr: CITIZEN }, ec);
      expect(salaryMessages.parseAnswer(answer, [otherEc.certPem, ec.certPem]).idNr).to.equal(CITIZEN);
      expect(salaryMessages.parseAnswer(answer, ec.certPem).idNr).to.equal(CITIZEN);
      expect(() => salaryMessages.parseAnswer(answer, [])).to.throw(SignatureError, /no certificate is pinned/);
      expect(() => salaryMessages.parseAnswer(answer, [sandboxRegisterIdentity('salary').certPem])).to.throw(SignatureError);
      const query = salaryMessages.buildQuery(
        { header: { ...header, inReplyTo: null, sender: 'evidence-broker', recipient: 'rvbea' }, reference: 'r-1', requester: 'stelle', purpose: 'elterngeld', idNr: CITIZEN, period: { from: '2025-01', to: '2025-12' }, ticket: null },
        ec,
      );
      expect(salaryMessages.parseQuery(query, [rsa.certPem, ec.certPem]).idNr).to.equal(CITIZEN);
    });
  });
});

describe('which certificates may be pinned and used for signing', function () {
  this.timeout(60_000);
  let ca: CertificateAuthority;
  let ec: SigningIdentity;
  before(async () => {
    ca = createCa('Pinning test CA');
    ec = await issueEcdsaSigningIdentity(ca, 'urn:test:ec', 'an ECDSA sender');
  });

  it(`accepts RSA of at least ${MIN_RSA_BITS} bits and EC P-256`, () => {
    expect(() => checkPinnedCertificate(ec.certPem, 'the EC certificate')).not.to.throw();
    expect(() => checkPinnedCertificate(rsaIdentityOf(ca, MIN_RSA_BITS).certPem, 'the RSA certificate')).not.to.throw();
    expect(() => checkSigningIdentity(ec, 'the EC identity')).not.to.throw();
  });

  it('refuses RSA-1024 and an EC key on another curve (P-384)', async () => {
    expect(() => checkPinnedCertificate(rsaIdentityOf(ca, 1024).certPem, 'the short RSA certificate')).to.throw(/the short RSA certificate: the certificate must carry an RSA key of at least/);
    // NOTE: the broker issues EC certificates for P-256 only, so this one is made with the same library directly
    // (already loaded, with its Reflect needs met, by the issuance in before()).
    const x509 = await import('@peculiar/x509');
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
    const p384 = await x509.X509CertificateGenerator.createSelfSigned({ name: 'CN=urn:test:p384', keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' } });
    expect(new X509Certificate(p384.toString('pem')).publicKey.asymmetricKeyDetails?.namedCurve).to.equal('secp384r1');
    expect(() => checkPinnedCertificate(p384.toString('pem'), 'the P-384 certificate')).to.throw(/the P-384 certificate: .*EC P-256/);
    expect(() => signatureProfileOf(p384.toString('pem'))).to.throw(/outside the signature profiles/);
  });

  it('refuses a signing identity whose key is of another type or another EC key', async () => {
    const rsaKey = sandboxTrust().broker.keyPem;
    expect(() => checkSigningIdentity({ keyPem: rsaKey, certPem: ec.certPem }, 'mixed')).to.throw(/mixed: the key does not belong to the certificate/);
    const other = await issueEcdsaSigningIdentity(ca, 'urn:test:ec-2', 'another');
    expect(() => checkSigningIdentity({ keyPem: other.keyPem, certPem: ec.certPem }, 'swapped')).to.throw(/swapped: the key does not belong to the certificate/);
  });

  it('tells the profile and the facts of a certificate the way the broker shows them', () => {
    const rsaCert = sandboxTrust().broker.certPem;
    expect(signatureProfileOf(ec.certPem)).to.equal('ecdsa-p256-sha256');
    expect(signatureProfileOf(createPrivateKey(ec.keyPem))).to.equal('ecdsa-p256-sha256');
    expect(signatureProfileOf(rsaCert)).to.equal('rsa-pss-sha256');
    expect(() => signatureProfileOf(generateKeyPairSync('ed25519').publicKey)).to.throw(/outside the signature profiles/);
    expect(() => signatureProfileOf('not a certificate')).to.throw(/not a PEM X.509 certificate/);
    for (const [pem, profile] of [[ec.certPem, 'ecdsa-p256-sha256'], [rsaCert, 'rsa-pss-sha256']] as const) {
      const facts = certificateFacts(pem);
      const node = new X509Certificate(pem);
      expect(facts.fingerprint).to.equal(fingerprintOf(pem)).and.to.equal(node.fingerprint256.replaceAll(':', '').toLowerCase());
      expect(facts.fingerprint).to.match(/^[0-9a-f]{64}$/);
      expect(facts.notBefore.getTime()).to.equal(new Date(node.validFrom).getTime());
      expect(facts.notAfter.getTime() - facts.notBefore.getTime()).to.be.greaterThan(3000 * 86_400_000);
      expect(facts.profile).to.equal(profile);
    }
  });
});

describe('the sandbox ECDSA identities', function () {
  this.timeout(60_000);

  it('issues EC P-256 certificates from the RSA CA: issuer = the CA subject, signed by the CA, for signing only', async () => {
    const ca = createCa('Issuing test CA');
    const identity = await issueEcdsaSigningIdentity(ca, 'urn:test:issued', 'Issued (test)');
    const cert = new X509Certificate(identity.certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).to.equal('prime256v1');
    expect(cert.issuer).to.equal(caCert.subject);
    expect(cert.subject).to.equal('CN=urn:test:issued\nO=Issued (test)');
    expect(cert.checkIssued(caCert)).to.equal(true);
    expect(cert.verify(caCert.publicKey)).to.equal(true);
    expect(cert.ca).to.equal(false);
    expect(cert.serialNumber).to.match(/^[0-9A-F]{34}$/);
    expect(cert.checkPrivateKey(createPrivateKey(identity.keyPem))).to.equal(true);
  });

  it('makes each (id, profile) identity once per process, the broker’s too', async () => {
    const [a, b] = await Promise.all([sandboxSigningIdentity('salary', 'ecdsa-p256-sha256'), sandboxSigningIdentity('salary', 'ecdsa-p256-sha256')]);
    expect(a).to.equal(b);
    expect(signatureProfileOf(a.certPem)).to.equal('ecdsa-p256-sha256');
    expect(await sandboxSigningIdentity('salary', 'rsa-pss-sha256')).to.equal(sandboxRegisterIdentity('salary'));
    expect(await sandboxSigningIdentity('income', 'ecdsa-p256-sha256')).not.to.equal(a);
    const broker = await sandboxBrokerIdentity('ecdsa-p256-sha256');
    expect(await sandboxBrokerIdentity('ecdsa-p256-sha256')).to.equal(broker);
    expect(await sandboxBrokerIdentity('rsa-pss-sha256')).to.equal(sandboxTrust().broker);
    expect(new X509Certificate(broker.certPem).checkIssued(new X509Certificate(sandboxTrust().caCertPem))).to.equal(true);
    expect(verifyEnvelope(signEnvelope(envelope(), broker), broker.certPem).contentId).to.match(/^inhalt-/);
  });
});
