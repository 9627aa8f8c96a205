// The signature profile (adapters/signature-profile.ts) against an independent implementation: xml-crypto's general
// SignedXml path, configured to the profile, is the oracle. What we sign, it verifies and reads the same
// canonical inhalt from; what it signs, we verify. Edge cases of the value encoding and the key caches too.
import { DOMParser } from '@xmldom/xmldom';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { issueSigningIdentity, sandboxTrust } from '../../adapters/sandbox-trust.ts';
import { SIGNATURE_ALGORITHMS, SignatureError } from '../../adapters/signature-profile.ts';
import { verifyEnvelope } from '../../adapters/signature-verification.ts';
import type { SigningIdentity } from '../../adapters/signing-keys.ts';
import { signEnvelope } from '../../adapters/signing.ts';
import { createCa } from '../../broker/directory/ca.ts';

/** An unsigned envelope in the transport's shape, with a namespaced message, text that needs escaping and a comment. */
function envelope(): string {
  const id = randomUUID();
  return (
    `<?xml version="1.0" encoding="UTF-8"?><transport:umschlag xmlns:transport="urn:xoev-de:evidence-broker:transport:1.1" version="1.1">` +
    `<transportkopf><umschlagId>${id}</umschlagId></transportkopf>` +
    `<inhalt Id="inhalt-${id}"><lohn:anfrage xmlns:lohn="urn:example:lohn" xmlns:unused="urn:example:unused" b="2" a="1">` +
    `<lohn:name>Müller &amp; Söhne &lt;GmbH&gt;</lohn:name><!-- a comment is not signed --><leer/></lohn:anfrage></inhalt>` +
    `</transport:umschlag>`
  );
}

/** xml-crypto's SignedXml, restricted to the profile, as a second opinion. */
function oracleVerify(xml: string, certPem: string): string {
  const verifier = new SignedXml({ publicCert: certPem, getCertFromKeyInfo: () => null });
  const signature = new DOMParser().parseFromString(xml, 'application/xml').getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature').item(0);
  if (signature === null) throw new Error('oracle: no signature');
  verifier.loadSignature(signature);
  if (!verifier.checkSignature(xml)) throw new Error('oracle: the signature does not verify');
  const refs = verifier.getSignedReferences();
  if (refs.length !== 1) throw new Error('oracle: not exactly one reference');
  return refs[0]!;
}

function oracleSign(xml: string, signer: SigningIdentity): string {
  const sig = new SignedXml({
    privateKey: signer.keyPem,
    signatureAlgorithm: SIGNATURE_ALGORITHMS.signature,
    canonicalizationAlgorithm: SIGNATURE_ALGORITHMS.canonicalization,
  });
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

describe('the signature profile against xml-crypto as the oracle', function () {
  this.timeout(60_000);
  let signer: SigningIdentity;
  before(() => {
    signer = sandboxTrust().broker;
  });

  it('signs so that xml-crypto verifies it and reads the same canonical inhalt', () => {
    for (let i = 0; i < 5; i++) {
      const signed = signEnvelope(envelope(), signer);
      const ours = verifyEnvelope(signed, signer.certPem);
      expect(oracleVerify(signed, signer.certPem)).to.equal(ours.canonical);
      expect(ours.canonical).to.match(/^<inhalt Id="inhalt-[0-9a-f-]{36}"><lohn:anfrage xmlns:lohn="urn:example:lohn" a="1" b="2">/);
      expect(ours.canonical).not.to.include('comment');
      expect(ours.canonical).not.to.include('urn:example:unused'); // exclusive C14N: only namespaces in use
    }
  });

  it('verifies what xml-crypto signs in the profile, reading the same canonical inhalt', () => {
    const signed = oracleSign(envelope(), signer);
    expect(verifyEnvelope(signed, signer.certPem).canonical).to.equal(oracleVerify(signed, signer.certPem));
  });

  it('keeps the envelope as it was written and appends the signature as the root’s last child', () => {
    const unsigned = envelope();
    const signed = signEnvelope(unsigned, signer);
    expect(signed.startsWith(unsigned.slice(0, unsigned.lastIndexOf('</transport:umschlag>')))).to.equal(true);
    expect(signed).to.match(/<\/inhalt><ds:Signature xmlns:ds="http:\/\/www.w3.org\/2000\/09\/xmldsig#"><ds:SignedInfo>[\s\S]*<\/ds:Signature><\/transport:umschlag>$/);
  });

  it('refuses to sign an envelope that is already signed, has no inhalt Id or is not one document', () => {
    const signed = signEnvelope(envelope(), signer);
    expect(() => signEnvelope(signed, signer)).to.throw(/no signature/);
    expect(() => signEnvelope(envelope().replace(/ Id="[^"]+"/, ''), signer)).to.throw(/usable Id/);
    expect(() => signEnvelope(`${envelope()}<!-- trailing -->`, signer)).to.throw(/end with its root/);
  });

  it('reads digest and signature values with line breaks (as other tools write base64) and a comment inside', () => {
    const signed = signEnvelope(envelope(), signer);
    const wrapped = signed.replace(/<ds:SignatureValue>([^<]+)<\/ds:SignatureValue>/, (_m, v: string) => `<ds:SignatureValue>${v.replace(/(.{64})/g, '$1\n')}</ds:SignatureValue>`);
    const commented = wrapped.replace(/<ds:DigestValue>(.{10})/, '<ds:DigestValue>$1<!-- split -->');
    expect(verifyEnvelope(commented, signer.certPem).canonical).to.equal(verifyEnvelope(signed, signer.certPem).canonical);
  });

  it('refuses a changed signature value, a value that is not base64 and an element inside a value', () => {
    const signed = signEnvelope(envelope(), signer);
    const flipped = signed.replace(/<ds:SignatureValue>(.)/, (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`);
    expect(refused(() => verifyEnvelope(flipped, signer.certPem)).message).to.match(/does not verify/);
    expect(refused(() => verifyEnvelope(signed.replace(/<ds:SignatureValue>[^<]+/, '<ds:SignatureValue>not*base64'), signer.certPem)).message).to.match(/base64/);
    expect(refused(() => verifyEnvelope(signed.replace(/<\/ds:DigestValue>/, '<x/></ds:DigestValue>'), signer.certPem)).message).to.match(/outside the profile/);
    const digestChanged = signed.replace(/<ds:DigestValue>(.)/, (_m, c: string) => `<ds:DigestValue>${c === 'A' ? 'B' : 'A'}`);
    expect(refused(() => verifyEnvelope(digestChanged, signer.certPem)).message).to.match(/changed after signing/);
  });

  it('keeps keys apart: signatures of two identities, interleaved, verify only with their own certificate', () => {
    const other = issueSigningIdentity(createCa('Other CA'), 'urn:test:other', 'another sender');
    for (let i = 0; i < 3; i++) {
      const a = signEnvelope(envelope(), signer);
      const b = signEnvelope(envelope(), other);
      expect(verifyEnvelope(a, signer.certPem).contentId).to.match(/^inhalt-/);
      expect(verifyEnvelope(b, other.certPem).contentId).to.match(/^inhalt-/);
      expect(refused(() => verifyEnvelope(a, other.certPem)).message).to.match(/does not verify/);
      expect(refused(() => verifyEnvelope(b, signer.certPem)).message).to.match(/does not verify/);
      expect(oracleVerify(b, other.certPem)).to.equal(verifyEnvelope(b, other.certPem).canonical);
    }
  });
});
