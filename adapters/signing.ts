// XML Signature of register envelopes over their `inhalt`, one profile, verified only with the certificate
// pinned for the sender (profile and why RSASSA-PSS: README, "Signed register messages").
// NOTE: against signature wrapping, the digest covers the one element checked here, and readers use its bytes.
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import {
  constants,
  createHash,
  createPrivateKey,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { XmlMessageError } from './xml.ts';

export const XMLDSIG_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#';
/** The algorithms of the profile (and the only ones a verifier will run). */
export const SIGNATURE_ALGORITHMS = {
  signature: 'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1',
  canonicalization: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  digest: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;
/** RSA keys shorter than this are refused for signing and pinning (BSI TR-02102-1 asks for 3000 bits). */
export const MIN_RSA_BITS = 2048;

/** A sender's private key (PKCS#8 PEM) and its certificate (PEM), which receivers pin. */
export interface SigningIdentity {
  keyPem: string;
  certPem: string;
}

/** An envelope whose signature is missing, outside the profile or wrong; the message never names a value. */
export class SignatureError extends XmlMessageError {
  override name = 'SignatureError';
  constructor(message: string) {
    super('signature', message);
  }
}

// ---- signing --------------------------------------------------------------------------------------------

// NOTE: the profile has one shape, so it is assembled from xml-crypto's exclusive C14N and Node's crypto,
// not SignedXml's general path (re-parse, XPath), which costs several times more; SignedXml stays the tests'
// oracle both ways (test/adapters/signing-profile.test.ts).
const exclusiveC14n = new ExclusiveCanonicalization();

/** Exclusive C14N of one element (comments dropped, no InclusiveNamespaces): the bytes a digest or signature covers. */
function canonicalize(el: Element): string {
  return String(exclusiveC14n.process(el, {}));
}

function digestOf(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('base64');
}

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } as const;

// Parsed keys, by their PEM: parsing a PEM private key costs about as much as the signature itself.
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

/** The SignedInfo of the profile over one reference, as written into the envelope (prefix ds, declared on Signature). */
function signedInfoXml(contentId: string, digest: string): string {
  const a = SIGNATURE_ALGORITHMS;
  return (
    `<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="${a.canonicalization}"/><ds:SignatureMethod Algorithm="${a.signature}"/>` +
    `<ds:Reference URI="#${contentId}"><ds:Transforms><ds:Transform Algorithm="${a.canonicalization}"/></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${a.digest}"/><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>`
  );
}

/** The private key of an identity, parsed once per process. */
export function signingKeyOf(signer: SigningIdentity): KeyObject {
  return cached(privateKeys, signer.keyPem, (pem) => createPrivateKey(pem));
}

/** The RSASSA-PSS (SHA-256, 32-byte salt) signature value over the canonical SignedInfo bytes. */
export function rsaPssSign(data: Uint8Array, key: KeyObject): Buffer {
  return cryptoSign('sha256', data, { key, ...PSS });
}

/** An envelope ready for its private-key operation: the bytes to sign, and how to write the signed envelope. */
interface PreparedSignature {
  signedInfo: Buffer;
  complete(value: Uint8Array): string;
}

function prepareSignature(xml: string): PreparedSignature {
  const root = parseDom(xml).documentElement;
  if (root === null) throw new Error('an envelope to sign must be a well-formed document');
  const parts = elementChildren(root);
  const contents = parts.filter((el) => el.namespaceURI === null && el.localName === 'inhalt');
  if (contents.length !== 1 || parts.some((el) => el.namespaceURI === XMLDSIG_NAMESPACE)) {
    throw new Error('an envelope to sign must carry exactly one inhalt and no signature');
  }
  const contentId = contents[0]!.getAttribute('Id') ?? '';
  if (!ID_PATTERN.test(contentId)) throw new Error('the inhalt of an envelope to sign must carry a usable Id');
  const closing = `</${root.tagName}>`;
  const end = xml.trimEnd();
  if (!end.endsWith(closing)) throw new Error('an envelope to sign must end with its root element');

  const signedInfo = signedInfoXml(contentId, digestOf(canonicalize(contents[0]!)));
  const open = `<ds:Signature xmlns:ds="${XMLDSIG_NAMESPACE}">`;
  // Canonical SignedInfo as the verifier will compute it: from the element in its Signature context.
  const signedInfoElement = elementChildren(parseDom(`${open}${signedInfo}</ds:Signature>`).documentElement!)[0]!;
  return {
    signedInfo: Buffer.from(canonicalize(signedInfoElement), 'utf8'),
    complete(value) {
      // No KeyInfo: the receiver knows whose key to use from the directory, not from the message.
      const signature = `${open}${signedInfo}<ds:SignatureValue>${Buffer.from(value).toString('base64')}</ds:SignatureValue></ds:Signature>`;
      return `${end.slice(0, end.length - closing.length)}${signature}${closing}`;
    },
  };
}

/**
 * Signs the envelope's `inhalt` and appends the signature as the last child of the root. The envelope must
 * not be signed yet and must carry exactly one `inhalt` with an Id (sealEnvelope makes it so).
 */
export function signEnvelope(xml: string, signer: SigningIdentity): string {
  const prepared = prepareSignature(xml);
  return prepared.complete(rsaPssSign(prepared.signedInfo, signingKeyOf(signer)));
}

/** Where the private-key operation runs: on this thread, or in a pool of worker threads (./signature-pool.ts). */
export interface SignatureOperation {
  sign(data: Buffer, key: KeyObject): Promise<Uint8Array>;
}

/** signEnvelope with the private-key operation (most of the cost) handed to `operation`, e.g. a worker pool. */
export async function signEnvelopeWith(xml: string, signer: SigningIdentity, operation: SignatureOperation): Promise<string> {
  const prepared = prepareSignature(xml);
  return prepared.complete(await operation.sign(prepared.signedInfo, signingKeyOf(signer)));
}

// ---- verifying ------------------------------------------------------------------------------------------

/** What a verified envelope yields: the Id of its `inhalt`, and that element as signed (exclusive C14N). */
export interface SignedContent {
  contentId: string;
  /** The canonical `<inhalt Id="…">…</inhalt>` the signature covers: the only bytes a receiver may read. */
  canonical: string;
}

const ID_ATTRIBUTES = new Set(['Id', 'ID', 'id']); // what XMLDSig tools resolve a same-document URI against
const ID_PATTERN = /^[A-Za-z_][\w.-]{0,127}$/;

/**
 * Verifies the signature of an envelope that passed its schema, with the sender's pinned certificate, and
 * returns the signed `inhalt`. Throws SignatureError when the envelope is unsigned, the signature leaves the
 * profile, does not cover the envelope's own `inhalt`, or does not verify with that certificate.
 */
export function verifyEnvelope(xml: string, pinnedCertPem: string): SignedContent {
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
  const { signedInfo, digestValue, signatureValue } = checkProfile(signature, contentId);

  // Reference: the digest over the very element found above (the only holder of the Id it names).
  const canonical = canonicalize(content);
  if (!sameBase64(digestOf(canonical), digestValue)) throw new SignatureError('the signed inhalt was changed after signing');
  // Signature: over the canonical SignedInfo, with the key pinned for the sender, whatever the message carries.
  let valid: boolean;
  try {
    const key = cached(pinnedKeys, pinnedCertPem, (pem) => new X509Certificate(pem).publicKey);
    valid = cryptoVerify('sha256', Buffer.from(canonicalize(signedInfo), 'utf8'), { key, ...PSS }, Buffer.from(signatureValue, 'base64'));
  } catch {
    valid = false;
  }
  // The message names the failure only, never the signature value.
  if (!valid) throw new SignatureError('the signature does not verify with the certificate pinned for the sender');
  return { contentId, canonical };
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

function parseDom(xml: string): Document {
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

function elementChildren(node: Node): Element[] {
  const out: Element[] = [];
  for (let child = node.firstChild; child !== null; child = child.nextSibling) if (child.nodeType === 1) out.push(child as Element);
  return out;
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

/** The signature's own structure: the profile above, element by element; returns the parts verification reads. */
function checkProfile(signature: Element, contentId: string): { signedInfo: Element; digestValue: string; signatureValue: string } {
  const outside = () => new SignatureError('the signature is outside the profile (algorithms, one reference to the inhalt, no objects)');
  const ds = (el: Element | undefined, name: string): el is Element => el !== undefined && el.namespaceURI === XMLDSIG_NAMESPACE && el.localName === name;
  const algorithmIs = (el: Element | undefined, name: string, algorithm: string) =>
    ds(el, name) && el.getAttribute('Algorithm') === algorithm && elementChildren(el).length === 0;

  const [signedInfo, signatureValue, keyInfo, ...more] = elementChildren(signature);
  if (!ds(signedInfo, 'SignedInfo') || !ds(signatureValue, 'SignatureValue') || (keyInfo !== undefined && !ds(keyInfo, 'KeyInfo')) || more.length > 0) throw outside();
  const [c14n, method, reference, ...moreReferences] = elementChildren(signedInfo);
  if (!algorithmIs(c14n, 'CanonicalizationMethod', SIGNATURE_ALGORITHMS.canonicalization)) throw outside();
  if (!algorithmIs(method, 'SignatureMethod', SIGNATURE_ALGORITHMS.signature)) throw outside();
  if (!ds(reference, 'Reference') || moreReferences.length > 0) throw new SignatureError('the signature must carry exactly one reference');
  if (reference.getAttribute('URI') !== `#${contentId}`) throw new SignatureError('the signature does not refer to the inhalt of this envelope');
  const [transforms, digestMethod, digestValue, ...rest] = elementChildren(reference);
  if (!ds(transforms, 'Transforms') || !ds(digestValue, 'DigestValue') || elementChildren(digestValue).length > 0 || rest.length > 0) throw outside();
  if (!algorithmIs(digestMethod, 'DigestMethod', SIGNATURE_ALGORITHMS.digest)) throw outside();
  const steps = elementChildren(transforms);
  if (steps.length !== 1 || !algorithmIs(steps[0], 'Transform', SIGNATURE_ALGORITHMS.canonicalization)) throw outside();
  if (elementChildren(signatureValue).length > 0) throw outside();
  return { signedInfo, digestValue: base64Text(digestValue), signatureValue: base64Text(signatureValue) };
}

// ---- keys and certificates ------------------------------------------------------------------------------

/** Checks a signing identity at start-up: an RSA key of at least MIN_RSA_BITS that belongs to the certificate. */
export function checkSigningIdentity(identity: SigningIdentity, what: string): void {
  const cert = checkPinnedCertificate(identity.certPem, what);
  let key;
  try {
    key = createPrivateKey(identity.keyPem);
  } catch {
    throw new Error(`${what}: the key is not a PEM private key`);
  }
  if (!cert.checkPrivateKey(key)) throw new Error(`${what}: the key does not belong to the certificate`);
}

/** Checks a certificate to pin: PEM X.509 with an RSA key of at least MIN_RSA_BITS, valid now. */
export function checkPinnedCertificate(certPem: string, what: string, now: Date = new Date()): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new Error(`${what}: not a PEM X.509 certificate`);
  }
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw new Error(`${what}: the certificate must carry an RSA key of at least ${MIN_RSA_BITS} bits (RSASSA-PSS signatures)`);
  }
  if (new Date(cert.validTo) <= now || new Date(cert.validFrom) > now) throw new Error(`${what}: the certificate is not valid now`);
  return cert;
}
