// XML Signature of the register messages (W3C XMLDSig, with xml-crypto): every transport envelope
// (xoev-schemas/transport/eb-transport-1.1.xsd) is signed by its sender over exactly one element, its
// `inhalt`, and verified by its receiver with the certificate pinned for that sender — never with a key or
// certificate the message carries. node-forge makes the keys and certificates (broker/pki/ca.ts); signing and
// verifying use Node's built-in crypto through xml-crypto.
//
// The profile: one way to sign, everything else is refused.
//   - `ds:Signature` is the last child of `umschlag` and the only Signature anywhere in the document.
//   - SignedInfo: CanonicalizationMethod exclusive C14N (without InclusiveNamespaces), SignatureMethod
//     RSASSA-PSS with SHA-256 (RFC 6931 `sha256-rsa-MGF1`: MGF1-SHA-256, 32-byte salt), exactly one Reference.
//   - The Reference: URI "#" + the Id of the envelope's own `inhalt`, an Id no other element of the document
//     carries; exactly one Transform, exclusive C14N; DigestMethod SHA-256. No Object, no Manifest. A KeyInfo
//     may be there (a peer may send its certificate) and is ignored: the key is the one pinned for the peer.
// Against signature wrapping (CVE-2024-32962, CVE-2025-29774/29775 were about embedded keys and several
// references), the receiver reads the message from the canonical bytes the signature covers — xml-crypto's
// getSignedReferences(), filled only after the signature verified — and readSignedMessage checks that those
// bytes are the very `inhalt` the schema validated (./xml-schemas.ts).
//
// Why RSASSA-PSS with SHA-256: the PKI is RSA (node-forge issues RSA certificates only), BSI TR-02102-1
// recommends PSS over PKCS#1 v1.5 padding for new RSA signatures, xml-crypto implements it with Node's
// crypto, and it costs what PKCS#1 v1.5 costs. ECDSA would need a hand-made xml-crypto algorithm and
// certificates node-forge cannot issue.
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
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

/**
 * Signs the envelope's `inhalt` and appends the signature as the last child of the root. The envelope must
 * not be signed yet and must carry exactly one `inhalt` with an Id (sealEnvelope makes it so).
 */
export function signEnvelope(xml: string, signer: SigningIdentity): string {
  const sig = new SignedXml({
    privateKey: signer.keyPem,
    signatureAlgorithm: SIGNATURE_ALGORITHMS.signature,
    canonicalizationAlgorithm: SIGNATURE_ALGORITHMS.canonicalization,
  });
  sig.addReference({
    xpath: "/*/*[local-name(.)='inhalt']", // the envelope's own inhalt (sealEnvelope writes exactly one)
    transforms: [SIGNATURE_ALGORITHMS.canonicalization],
    digestAlgorithm: SIGNATURE_ALGORITHMS.digest,
  });
  // No KeyInfo: the receiver knows whose key to use from the directory, not from the message.
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: '/*', action: 'append' } });
  if (sig.getReferences().length !== 1) throw new Error('an envelope must carry exactly one inhalt to sign');
  return sig.getSignedXml();
}

// ---- verifying ------------------------------------------------------------------------------------------

/** What a verified envelope yields: the Id of its `inhalt`, and that element as signed (exclusive C14N). */
export interface SignedContent {
  contentId: string;
  /** The canonical `<inhalt Id="…">…</inhalt>` the signature covers: the only bytes a receiver may read. */
  canonical: string;
}

const ID_ATTRIBUTES = new Set(['Id', 'ID', 'id']); // what xml-crypto resolves a same-document URI against

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
  const contentId = contents[0]!.getAttribute('Id') ?? '';
  if (!/^[A-Za-z_][\w.-]{0,127}$/.test(contentId)) throw new SignatureError('the inhalt has no usable Id');
  if (holdersOfId(root, contentId) !== 1) throw new SignatureError('another element carries the Id of the signed inhalt');
  checkProfile(signature, contentId);

  const verifier = new SignedXml({ publicCert: pinnedCertPem, getCertFromKeyInfo: () => null });
  // Only the profile's algorithms exist for this verifier, whatever the message names.
  verifier.SignatureAlgorithms = only(verifier.SignatureAlgorithms, SIGNATURE_ALGORITHMS.signature);
  verifier.HashAlgorithms = only(verifier.HashAlgorithms, SIGNATURE_ALGORITHMS.digest);
  verifier.CanonicalizationAlgorithms = only(verifier.CanonicalizationAlgorithms, SIGNATURE_ALGORITHMS.canonicalization);
  let valid: boolean;
  try {
    verifier.loadSignature(signature);
    valid = verifier.checkSignature(xml);
  } catch {
    // xml-crypto's message quotes the signature value; ours names the failure only.
    throw new SignatureError('the signature does not verify with the certificate pinned for the sender');
  }
  if (!valid) throw new SignatureError('the signed inhalt was changed after signing');
  const signed = verifier.getSignedReferences();
  if (signed.length !== 1) throw new SignatureError('the signature must cover exactly the inhalt');
  return { contentId, canonical: signed[0]! };
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

/** The signature's own structure: the profile above, element by element. */
function checkProfile(signature: Element, contentId: string): void {
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
  if (!ds(transforms, 'Transforms') || !ds(digestValue, 'DigestValue') || rest.length > 0) throw outside();
  if (!algorithmIs(digestMethod, 'DigestMethod', SIGNATURE_ALGORITHMS.digest)) throw outside();
  const steps = elementChildren(transforms);
  if (steps.length !== 1 || !algorithmIs(steps[0], 'Transform', SIGNATURE_ALGORITHMS.canonicalization)) throw outside();
}

function only<T extends Record<string, unknown>>(registry: T, name: string): T {
  return { [name]: registry[name] } as T;
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
