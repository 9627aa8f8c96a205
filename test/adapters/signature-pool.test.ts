// The signature pool (adapters/signature-pool.ts): the private-key operation in worker threads gives the
// same signatures as on the event loop — every one verifies with the signer's certificate and with
// xml-crypto — concurrently, with several keys of both profiles (RSASSA-PSS, ECDSA P-256), and the pool shuts down.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { DOMParser } from '@xmldom/xmldom';
import { issueEcdsaSigningIdentity, issueSigningIdentity, sandboxTrust } from '../../adapters/sandbox-trust.ts';
import { createSignaturePool } from '../../adapters/signature-pool.ts';
import { SIGNATURE_METHODS, XMLDSIG_NAMESPACE } from '../../adapters/signature-profile.ts';
import { signingKeyOf } from '../../adapters/signing-keys.ts';
import { verifyEnvelope } from '../../adapters/signature-verification.ts';
import { signEnvelopeWith } from '../../adapters/signing.ts';
import { ConfigError, envToConfig, readEnv } from '../../broker/config/config.ts';
import { createCa } from '../../broker/directory/ca.ts';

function envelope(): string {
  const id = randomUUID();
  return `<?xml version="1.0" encoding="UTF-8"?><t:umschlag xmlns:t="urn:example:t"><kopf>${id}</kopf><inhalt Id="inhalt-${id}"><x:a xmlns:x="urn:example:x">${id}</x:a></inhalt></t:umschlag>`;
}

function xmlCryptoAccepts(xml: string, certPem: string): boolean {
  const verifier = new SignedXml({ publicCert: certPem, getCertFromKeyInfo: () => null });
  verifier.loadSignature(new DOMParser().parseFromString(xml, 'application/xml').getElementsByTagNameNS(XMLDSIG_NAMESPACE, 'Signature').item(0)!);
  return verifier.checkSignature(xml);
}

describe('the signature pool', function () {
  this.timeout(60_000);

  for (const threads of [0, 1, 2]) {
    it(`signs 24 envelopes of two identities at once with ${threads} worker thread(s), each verifiable with its own certificate only`, async () => {
      const a = sandboxTrust().broker;
      const b = issueSigningIdentity(createCa('Second CA'), 'urn:test:second', 'second sender');
      const pool = createSignaturePool(threads);
      try {
        const jobs = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? a : b)).map(async (signer) => ({ signer, xml: await signEnvelopeWith(envelope(), signer, pool) }));
        for (const { signer, xml } of await Promise.all(jobs)) {
          expect(verifyEnvelope(xml, signer.certPem).canonical).to.match(/^<inhalt Id="inhalt-/);
          expect(xmlCryptoAccepts(xml, signer.certPem)).to.equal(true);
          expect(() => verifyEnvelope(xml, (signer === a ? b : a).certPem)).to.throw(/does not verify/);
        }
      } finally {
        await pool.close();
      }
    });
  }

  for (const threads of [0, 2]) {
    it(`signs RSA-PSS and ECDSA P-256 envelopes side by side with ${threads} worker thread(s), each in its own profile`, async () => {
      const ca = createCa('Mixed CA');
      const rsa = sandboxTrust().broker;
      const ec = await issueEcdsaSigningIdentity(ca, 'urn:test:ec', 'ECDSA sender');
      const pool = createSignaturePool(threads);
      try {
        const jobs = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? rsa : ec)).map(async (signer) => ({ signer, xml: await signEnvelopeWith(envelope(), signer, pool) }));
        for (const { signer, xml } of await Promise.all(jobs)) {
          const profile = signer === ec ? 'ecdsa-p256-sha256' : 'rsa-pss-sha256';
          expect(xml).to.include(`<ds:SignatureMethod Algorithm="${SIGNATURE_METHODS[profile]}"/>`);
          expect(verifyEnvelope(xml, [rsa.certPem, ec.certPem]).canonical).to.match(/^<inhalt Id="inhalt-/);
          expect(() => verifyEnvelope(xml, (signer === ec ? rsa : ec).certPem)).to.throw(/fits the signature method/);
          if (signer === ec) expect(/<ds:SignatureValue>([^<]+)</.exec(xml)![1]).to.have.length(88); // 64 bytes, r‖s
        }
        // The operation signs only in the profile it is told, which the SignedInfo names.
        let refusal: unknown;
        await pool.sign(Buffer.from('x'), signingKeyOf(rsa), 'ecdsa-p256-sha256').catch((err: unknown) => (refusal = err));
        expect(String(refusal)).to.match(/the signing key does not fit the signature profile asked for/);
      } finally {
        await pool.close();
      }
    });
  }

  it('is configured by SIGNING_THREADS: auto (one per further core, at least one), a number, 0 for the event loop', () => {
    expect(envToConfig(readEnv({})).signingThreads).to.be.within(1, 4);
    expect(envToConfig(readEnv({ SIGNING_THREADS: 'auto' })).signingThreads).to.be.within(1, 4);
    expect(envToConfig(readEnv({ SIGNING_THREADS: '0' })).signingThreads).to.equal(0);
    expect(envToConfig(readEnv({ SIGNING_THREADS: '3' })).signingThreads).to.equal(3);
    expect(() => readEnv({ SIGNING_THREADS: 'many' })).to.throw(ConfigError, /^invalid SIGNING_THREADS:/);
    expect(() => readEnv({ SIGNING_THREADS: '-1' })).to.throw(ConfigError, /^invalid SIGNING_THREADS:/);
  });
});
