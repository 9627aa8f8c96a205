// The one XML Signature profile of register envelopes and the pieces both sides share, so the signer and
// the verifier cannot disagree on canonical bytes, digests or padding (why RSASSA-PSS: README).
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { constants, createHash } from 'node:crypto';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { XmlMessageError } from './xml.ts';

/** The XML Signature namespace (prefix ds). */
export const XMLDSIG_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#';
/** The algorithms of the profile (and the only ones a verifier will run). */
export const SIGNATURE_ALGORITHMS = {
  signature: 'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1',
  canonicalization: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  digest: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;

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
