// The XML Signature profile of register envelopes and the pieces both sides share, so the signer and
// the verifier cannot disagree on canonical bytes, digests, padding or value encoding. Two signature methods,
// both permitted by BSI TR-02102-1, chosen by the sender's key: RSASSA-PSS (why: docs/trust-and-security.md, "Signed register messages") and ECDSA P-256.
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { constants, createHash, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { XmlMessageError } from './xml.ts';

/** The XML Signature namespace (prefix ds). */
export const XMLDSIG_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#';
/** A signature method of the profile, by the key that makes it: RSASSA-PSS SHA-256, or ECDSA P-256 SHA-256. */
export type SignatureProfile = 'rsa-pss-sha256' | 'ecdsa-p256-sha256';

/** The SignatureMethod URI of each profile (RFC 6931); a verifier runs no other. */
export const SIGNATURE_METHODS: Readonly<Record<SignatureProfile, string>> = {
  'rsa-pss-sha256': 'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1',
  'ecdsa-p256-sha256': 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
};

/** The algorithms every signature of the profile shares; `signature` is the RSASSA-PSS method (SIGNATURE_METHODS has both). */
export const SIGNATURE_ALGORITHMS = {
  signature: SIGNATURE_METHODS['rsa-pss-sha256'],
  canonicalization: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  digest: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;

/** The profile whose SignatureMethod URI this is, or undefined outside the profile. */
export function profileOfMethod(uri: string | null): SignatureProfile | undefined {
  return (Object.keys(SIGNATURE_METHODS) as SignatureProfile[]).find((profile) => SIGNATURE_METHODS[profile] === uri);
}

/** The profile a key (private or public) signs or verifies in, or undefined for any other key. */
export function profileOfKey(key: KeyObject): SignatureProfile | undefined {
  if (key.asymmetricKeyType === 'rsa') return 'rsa-pss-sha256';
  // NOTE: Node names P-256 by its OpenSSL name; P-384 and others are outside the profile.
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256-sha256';
  return undefined;
}

/** An envelope whose signature is missing, outside the profile or wrong; the message never names a value. */
export class SignatureError extends XmlMessageError {
  override name = 'SignatureError';
  constructor(message: string) {
    super('signature', message);
  }
}

// NOTE: the profile has one shape, so it is assembled from xml-crypto's exclusive C14N and Node's crypto,
// not SignedXml's general path (re-parse, XPath), which costs several times more; SignedXml stays the tests'
// oracle both ways (test/adapters/signing-profile.test.ts).
const exclusiveC14n = new ExclusiveCanonicalization();

/** Exclusive C14N of one element (comments dropped, no InclusiveNamespaces): the bytes a digest or signature covers. */
export function canonicalize(el: Element): string {
  return String(exclusiveC14n.process(el, {}));
}

/** The base64 SHA-256 digest of canonical bytes, as a DigestValue carries it. */
export function digestOf(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('base64');
}

/** RSASSA-PSS with MGF1-SHA-256 and a 32-byte salt (RFC 6931 `sha256-rsa-MGF1`). */
export const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } as const;

/** ECDSA values as XMLDSig carries them: r‖s, each 32 bytes for P-256 (IEEE P1363), not DER. */
export const ECDSA_P1363 = { dsaEncoding: 'ieee-p1363' } as const;
/** The length of a P-256 signature value in r‖s form. */
export const ECDSA_P256_VALUE_BYTES = 64;

/** The signature value over canonical SignedInfo bytes in the given profile; the key must be of that profile. */
export function signInProfile(profile: SignatureProfile, data: Uint8Array, key: KeyObject): Buffer {
  if (profileOfKey(key) !== profile) throw new Error('the signing key does not fit the signature profile asked for');
  return cryptoSign('sha256', data, profile === 'rsa-pss-sha256' ? { key, ...PSS } : { key, ...ECDSA_P1363 });
}

/** Whether `value` is a signature of the given profile over `data` with `key`; false for a key of another profile. */
export function verifyInProfile(profile: SignatureProfile, data: Uint8Array, key: KeyObject, value: Uint8Array): boolean {
  if (profileOfKey(key) !== profile) return false;
  switch (profile) {
    case 'rsa-pss-sha256':
      return cryptoVerify('sha256', data, { key, ...PSS }, value);
    case 'ecdsa-p256-sha256':
      // A DER value (what OpenSSL writes by default) is refused, not converted: XMLDSig says r‖s.
      return value.length === ECDSA_P256_VALUE_BYTES && cryptoVerify('sha256', data, { key, ...ECDSA_P1363 }, value);
  }
}

/** An Id the profile accepts on `inhalt`. */
export const ID_PATTERN = /^[A-Za-z_][\w.-]{0,127}$/;

/** Parses an envelope for its signature; anything not well-formed is a SignatureError naming no content. */
export function parseDom(xml: string): Document {
  try {
    return new DOMParser({
      onError: (level) => {
        if (level !== 'warning') throw new Error('not well-formed');
      },
    }).parseFromString(xml, 'application/xml');
  } catch {
    throw new SignatureError('the envelope could not be read for its signature');
  }
}

/** The element children of a node, in order (text and comments skipped). */
export function elementChildren(node: Node): Element[] {
  const out: Element[] = [];
  for (let child = node.firstChild; child !== null; child = child.nextSibling) if (child.nodeType === 1) out.push(child as Element);
  return out;
}
