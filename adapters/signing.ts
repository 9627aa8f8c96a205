// Signs register envelopes over their `inhalt` with the sender's key (profile: ./signature-profile.ts, the
// signature method chosen by the key); the private-key operation can be handed to a worker pool.
import type { KeyObject } from 'node:crypto';
import {
  canonicalize,
  digestOf,
  elementChildren,
  ID_PATTERN,
  parseDom,
  profileOfKey,
  SIGNATURE_ALGORITHMS,
  SIGNATURE_METHODS,
  signInProfile,
  XMLDSIG_NAMESPACE,
  type SignatureProfile,
} from './signature-profile.ts';
import { signingKeyOf, type SigningIdentity } from './signing-keys.ts';

/** The SignedInfo of the profile over one reference, as written into the envelope (prefix ds, declared on Signature). */
function signedInfoXml(profile: SignatureProfile, contentId: string, digest: string): string {
  const a = SIGNATURE_ALGORITHMS;
  return (
    `<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="${a.canonicalization}"/><ds:SignatureMethod Algorithm="${SIGNATURE_METHODS[profile]}"/>` +
    `<ds:Reference URI="#${contentId}"><ds:Transforms><ds:Transform Algorithm="${a.canonicalization}"/></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${a.digest}"/><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>`
  );
}

/** The profile a signer's key signs in; any key outside the two profiles is refused before anything is signed. */
export function signingProfileOf(key: KeyObject): SignatureProfile {
  const profile = profileOfKey(key);
  if (profile === undefined) throw new Error('the signing key is neither RSA nor ECDSA P-256: no signature profile fits it');
  return profile;
}

/** An envelope ready for its private-key operation: the bytes to sign, and how to write the signed envelope. */
interface PreparedSignature {
  signedInfo: Buffer;
  complete(value: Uint8Array): string;
}

function prepareSignature(xml: string, profile: SignatureProfile): PreparedSignature {
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

  const signedInfo = signedInfoXml(profile, contentId, digestOf(canonicalize(contents[0]!)));
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
  const key = signingKeyOf(signer);
  const profile = signingProfileOf(key);
  const prepared = prepareSignature(xml, profile);
  return prepared.complete(signInProfile(profile, prepared.signedInfo, key));
}

/**
 * Where the private-key operation runs: on this thread, or in a pool of worker threads (./signature-pool.ts).
 * `profile` is the one the SignedInfo names, so the operation cannot sign in another.
 */
export interface SignatureOperation {
  sign(data: Buffer, key: KeyObject, profile: SignatureProfile): Promise<Uint8Array>;
}

/** signEnvelope with the private-key operation (most of the cost) handed to `operation`, e.g. a worker pool. */
export async function signEnvelopeWith(xml: string, signer: SigningIdentity, operation: SignatureOperation): Promise<string> {
  const key = signingKeyOf(signer);
  const profile = signingProfileOf(key);
  const prepared = prepareSignature(xml, profile);
  return prepared.complete(await operation.sign(prepared.signedInfo, key, profile));
}
