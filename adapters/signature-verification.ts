// Verifies a register envelope's signature with the certificates pinned for its sender (several while a
// sender rolls its key over), never a key the message carries. NOTE: against signature wrapping, the digest
// covers the one element checked here, and readers use only its canonical bytes; against algorithm
// confusion, a certificate is tried only for the signature method of its own key type.
import { timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import {
  canonicalize,
  digestOf,
  elementChildren,
  ID_PATTERN,
  parseDom,
  profileOfKey,
  profileOfMethod,
  SIGNATURE_ALGORITHMS,
  SignatureError,
  verifyInProfile,
  XMLDSIG_NAMESPACE,
  type SignatureProfile,
} from './signature-profile.ts';
import { pinnedKeyOf } from './signing-keys.ts';

/** What a verified envelope yields: the Id of its `inhalt`, and that element as signed (exclusive C14N). */
export interface SignedContent {
  contentId: string;
  /** The canonical `<inhalt Id="…">…</inhalt>` the signature covers: the only bytes a receiver may read. */
  canonical: string;
}

const ID_ATTRIBUTES = new Set(['Id', 'ID', 'id']); // what XMLDSig tools resolve a same-document URI against

/**
 * Verifies the signature of an envelope that passed its schema, with the sender's pinned certificate(s), and
 * returns the signed `inhalt`. Accepted when it verifies with any one of them whose key type fits the
 * signature method. Throws SignatureError when none is pinned, the envelope is unsigned, the signature leaves
 * the profile, does not cover the envelope's own `inhalt`, or verifies with none of the certificates.
 */
export function verifyEnvelope(xml: string, pinned: string | readonly string[]): SignedContent {
  const pinnedCerts: readonly string[] = typeof pinned === 'string' ? [pinned] : pinned;
  if (pinnedCerts.length === 0) throw new SignatureError('no certificate is pinned for the sender');
  const doc = parseDom(xml);
  const root = doc.documentElement;
  if (root === null) throw new SignatureError('the envelope could not be read for its signature');
  const signatures = doc.getElementsByTagNameNS(XMLDSIG_NAMESPACE, 'Signature');
  if (signatures.length === 0) throw new SignatureError('the envelope is not signed');
  if (signatures.length > 1) throw new SignatureError('the envelope carries more than one signature');
  const signature = signatures.item(0)!;
  const parts = elementChildren(root);
  if (signature.parentNode !== root || parts[parts.length - 1] !== signature) {
    throw new SignatureError('the signature is not the last element of the envelope');
  }
  const contents = parts.filter((el) => el.namespaceURI === null && el.localName === 'inhalt');
  if (contents.length !== 1) throw new SignatureError('the envelope does not carry exactly one inhalt');
  const content = contents[0]!;
  const contentId = content.getAttribute('Id') ?? '';
  if (!ID_PATTERN.test(contentId)) throw new SignatureError('the inhalt has no usable Id');
  if (holdersOfId(root, contentId) !== 1) throw new SignatureError('another element carries the Id of the signed inhalt');
  const { profile, signedInfo, digestValue, signatureValue } = checkProfile(signature, contentId);

  // Reference: the digest over the very element found above (the only holder of the Id it names).
  const canonical = canonicalize(content);
  if (!sameBase64(digestOf(canonical), digestValue)) throw new SignatureError('the signed inhalt was changed after signing');
  // Signature: over the canonical SignedInfo (computed once), with the keys pinned for the sender whose type
  // fits the method, whatever the message carries.
  const candidates = pinnedKeysFor(pinnedCerts, profile);
  if (candidates.length === 0) throw new SignatureError('no certificate pinned for the sender fits the signature method');
  const data = Buffer.from(canonicalize(signedInfo), 'utf8');
  const value = Buffer.from(signatureValue, 'base64');
  // The message names the failure only, never the signature value or which certificate was tried.
  if (!candidates.some((key) => verifiesWith(profile, data, key, value))) {
    throw new SignatureError('the signature does not verify with the certificate pinned for the sender');
  }
  return { contentId, canonical };
}

/** The pinned certificates' keys of the signature's profile; a certificate that cannot be read is skipped (start-up checks them). */
function pinnedKeysFor(pinnedCerts: readonly string[], profile: SignatureProfile): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const pem of pinnedCerts) {
    let key: KeyObject;
    try {
      key = pinnedKeyOf(pem);
    } catch {
      continue;
    }
    if (profileOfKey(key) === profile) keys.push(key);
  }
  return keys;
}

function verifiesWith(profile: SignatureProfile, data: Buffer, key: KeyObject, value: Buffer): boolean {
  try {
    return verifyInProfile(profile, data, key, value);
  } catch {
    return false;
  }
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The text of a DigestValue or SignatureValue: all its text (a comment cannot hide a part), base64 without line breaks. */
function base64Text(el: Element): string {
  const text = (el.textContent ?? '').replace(/[\t\n\r ]+/g, '');
  if (!BASE64.test(text) || text.length % 4 !== 0) throw new SignatureError('the signature is outside the profile (values must be base64)');
  return text;
}

function sameBase64(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b, 'base64');
  return x.length === y.length && timingSafeEqual(x, y);
}

function holdersOfId(root: Element, id: string): number {
  let count = 0;
  const visit = (el: Element) => {
    for (let i = 0; i < el.attributes.length; i++) {
      const attr = el.attributes.item(i)!;
      if (ID_ATTRIBUTES.has(attr.localName ?? attr.name) && attr.value === id) count += 1;
    }
    for (const child of elementChildren(el)) visit(child);
  };
  visit(root);
  return count;
}

/** The signature's own structure: the profile (./signature-profile.ts), element by element; returns the parts verification reads. */
function checkProfile(signature: Element, contentId: string): { profile: SignatureProfile; signedInfo: Element; digestValue: string; signatureValue: string } {
  const outside = () => new SignatureError('the signature is outside the profile (algorithms, one reference to the inhalt, no objects)');
  const ds = (el: Element | undefined, name: string): el is Element => el !== undefined && el.namespaceURI === XMLDSIG_NAMESPACE && el.localName === name;
  const algorithmIs = (el: Element | undefined, name: string, algorithm: string) =>
    ds(el, name) && el.getAttribute('Algorithm') === algorithm && elementChildren(el).length === 0;

  const [signedInfo, signatureValue, keyInfo, ...more] = elementChildren(signature);
  if (!ds(signedInfo, 'SignedInfo') || !ds(signatureValue, 'SignatureValue') || (keyInfo !== undefined && !ds(keyInfo, 'KeyInfo')) || more.length > 0) throw outside();
  const [c14n, method, reference, ...moreReferences] = elementChildren(signedInfo);
  if (!algorithmIs(c14n, 'CanonicalizationMethod', SIGNATURE_ALGORITHMS.canonicalization)) throw outside();
  const profile = ds(method, 'SignatureMethod') && elementChildren(method).length === 0 ? profileOfMethod(method.getAttribute('Algorithm')) : undefined;
  if (profile === undefined) throw outside();
  if (!ds(reference, 'Reference') || moreReferences.length > 0) throw new SignatureError('the signature must carry exactly one reference');
  if (reference.getAttribute('URI') !== `#${contentId}`) throw new SignatureError('the signature does not refer to the inhalt of this envelope');
  const [transforms, digestMethod, digestValue, ...rest] = elementChildren(reference);
  if (!ds(transforms, 'Transforms') || !ds(digestValue, 'DigestValue') || elementChildren(digestValue).length > 0 || rest.length > 0) throw outside();
  if (!algorithmIs(digestMethod, 'DigestMethod', SIGNATURE_ALGORITHMS.digest)) throw outside();
  const steps = elementChildren(transforms);
  if (steps.length !== 1 || !algorithmIs(steps[0], 'Transform', SIGNATURE_ALGORITHMS.canonicalization)) throw outside();
  if (elementChildren(signatureValue).length > 0) throw outside();
  return { profile, signedInfo, digestValue: base64Text(digestValue), signatureValue: base64Text(signatureValue) };
}
