// What the signed-message tests share: a man in the middle between broker and register that rewrites the
// register's answer (or the echoed request id), and the rewrites an attacker would try on a signed envelope —
// strip, tamper, re-sign with the wrong key, and the signature-wrapping family (XSW: the signed element moved
// or copied, a forged one read in its place).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignedXml } from 'xml-crypto';
import type { RegisterErrorKind, RegisterId } from '../../adapters/contract.ts';
import { SIGNATURE_ALGORITHMS } from '../../adapters/signature-profile.ts';
import type { SigningIdentity } from '../../adapters/signing-keys.ts';
import { withoutSignature } from './fixtures.ts';

/** An HTTP hop that forwards to `target` (with the request's path, so `/<instance>` reaches that instance) and lets the test rewrite what comes back. */
export interface TamperingProxy {
  readonly url: string;
  target: string;
  /** Rewrites a 200 answer's body (default: unchanged). */
  tamper: (xml: string) => string;
  /** Rewrites the echoed X-Request-Id (default: unchanged). */
  echo: (id: string | null) => string | null;
  /** What passed, oldest first: the request body and X-Request-Id, the answer as the register sent it. */
  readonly exchanges: { request: string; requestId: string | null; answer: string }[];
  close(): Promise<void>;
}

export async function startTamperingProxy(target = ''): Promise<TamperingProxy> {
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
      const headers: Record<string, string> = { 'content-type': req.headers['content-type'] ?? 'application/xml' };
      const id = req.headers['x-request-id'];
      if (typeof id === 'string') headers['x-request-id'] = id;
      const request = Buffer.concat(chunks);
      const forwardPath = req.url === undefined || req.url === '/' ? '' : req.url;
      const upstream = await fetch(proxy.target + forwardPath, { method: 'POST', headers, body: request });
      const text = await upstream.text();
      proxy.exchanges.push({ request: request.toString('utf8'), requestId: typeof id === 'string' ? id : null, answer: text });
      const out: Record<string, string> = { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' };
      const echoed = proxy.echo(upstream.headers.get('x-request-id'));
      if (echoed !== null) out['x-request-id'] = echoed;
      res.writeHead(upstream.status, out).end(upstream.ok ? proxy.tamper(text) : text);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: TamperingProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    target,
    tamper: (xml) => xml,
    echo: (id) => id,
    exchanges: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

// ---- signing the way an attacker (or a sloppy peer) would ---------------------------------------------------

const INHALT_XPATH = "/*/*[local-name(.)='inhalt']";

/** Signs an unsigned envelope with xml-crypto directly: other algorithms, several references, a KeyInfo. */
export function signOtherwise(
  xml: string,
  identity: SigningIdentity,
  opts: { algorithm?: string; references?: number; keyInfo?: boolean } = {},
): string {
  const sig = new SignedXml({
    privateKey: identity.keyPem,
    ...(opts.keyInfo ? { publicCert: identity.certPem } : {}),
    signatureAlgorithm: opts.algorithm ?? SIGNATURE_ALGORITHMS.signature,
    canonicalizationAlgorithm: SIGNATURE_ALGORITHMS.canonicalization,
  });
  for (let i = 0; i < (opts.references ?? 1); i++) {
    sig.addReference({ xpath: INHALT_XPATH, transforms: [SIGNATURE_ALGORITHMS.canonicalization], digestAlgorithm: SIGNATURE_ALGORITHMS.digest });
  }
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: '/*', action: 'append' } });
  return sig.getSignedXml();
}

// ---- the attacks --------------------------------------------------------------------------------------------

const INHALT = /<inhalt Id="([^"]+)">[\s\S]*<\/inhalt>/;
const AMOUNT = /(<(?:bruttoarbeitsentgelt|kalendertaeglicherBetrag|zuVersteuerndesEinkommen)>)[^<]+/;

/** The answer's signed inhalt element, as sent. */
function inhaltOf(xml: string): { element: string; id: string } {
  const m = INHALT.exec(xml);
  if (!m) throw new Error('no inhalt in the answer');
  return { element: m[0], id: m[1]! };
}

/** A name in an answer without amounts (a birth entry): the value an attacker changes there instead. */
const NAME = /(<vornamen>)[^<]+/;

/** The same content with the first amount raised (or, without amounts, a name replaced): what an attacker wants the broker to read. */
export function withAmountChanged(xml: string): string {
  if (AMOUNT.test(xml)) return xml.replace(AMOUNT, '$199999.99');
  if (NAME.test(xml)) return xml.replace(NAME, '$1Mallory');
  throw new Error('the answer carries no amount or name to change (ask for a citizen the register knows)');
}

/** Hides `hidden` inside the signature, where a lax schema lets it pass. */
function hideInSignature(xml: string, hidden: string): string {
  return xml.replace('</ds:SignatureValue>', `</ds:SignatureValue><ds:KeyInfo>${hidden}</ds:KeyInfo>`);
}

/** What a register may be made to send, and the code the adapter must report for it. */
export interface Attack {
  name: string;
  kind: Extract<RegisterErrorKind, 'BAD_SIGNATURE' | 'MALFORMED_ANSWER'>;
  /** Part of the refusal's message. */
  reason: RegExp;
  /** Turns an honest, signed answer of `register` (one that carries an amount) into the attack. */
  forge(honest: string, keys: AttackKeys): string;
}

/** Keys an attacker might hold: another register's, or one from a CA of its own. */
export interface AttackKeys {
  register: RegisterId;
  /** The register's own sandbox key: for signatures that are the register's but leave the profile. */
  own: SigningIdentity;
  anotherRegister: SigningIdentity;
  foreignCa: SigningIdentity;
}

export const ATTACKS: readonly Attack[] = [
  { name: 'the signature removed', kind: 'BAD_SIGNATURE', reason: /not signed/, forge: (x) => withoutSignature(x) },
  { name: 'an amount changed after signing', kind: 'BAD_SIGNATURE', reason: /changed after signing/, forge: (x) => withAmountChanged(x) },
  {
    name: "the content changed and signed with another register's key",
    kind: 'BAD_SIGNATURE',
    reason: /does not verify with the certificate pinned/,
    forge: (x, k) => signOtherwise(withAmountChanged(withoutSignature(x)), k.anotherRegister),
  },
  {
    name: 'the content changed and signed with a key of another CA, its certificate (same name) in KeyInfo',
    kind: 'BAD_SIGNATURE',
    reason: /does not verify with the certificate pinned/,
    forge: (x, k) => signOtherwise(withAmountChanged(withoutSignature(x)), k.foreignCa, { keyInfo: true }),
  },
  {
    name: "the register's key with another algorithm (RSA-SHA256, PKCS#1 v1.5)",
    kind: 'BAD_SIGNATURE',
    reason: /outside the profile/,
    forge: (x, k) => signOtherwise(withoutSignature(x), k.own, { algorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256' }),
  },
  {
    name: "the register's key over two references",
    kind: 'BAD_SIGNATURE',
    reason: /exactly one reference/,
    forge: (x, k) => signOtherwise(withoutSignature(x), k.own, { references: 2 }),
  },
  {
    name: 'a second, unsigned inhalt after the signed one',
    kind: 'MALFORMED_ANSWER',
    reason: /not valid against its schema/,
    forge: (x) => {
      const { element, id } = inhaltOf(x);
      return x.replace(element, `${element}${withAmountChanged(element).replace(id, 'inhalt-zweitinhalt')}`);
    },
  },
  {
    name: 'the signed inhalt hidden in the signature, a forged one in its place under the same Id',
    kind: 'BAD_SIGNATURE',
    reason: /another element carries the Id/,
    forge: (x) => {
      const { element } = inhaltOf(x);
      return hideInSignature(x.replace(element, withAmountChanged(element)), element);
    },
  },
  {
    name: 'the signed inhalt hidden in the signature, a forged one in its place under a new Id (envelope id to match)',
    kind: 'BAD_SIGNATURE',
    reason: /does not refer to the inhalt of this envelope/,
    forge: (x) => {
      const { element, id } = inhaltOf(x);
      const envelopeId = randomUUID();
      const forged = withAmountChanged(element).replace(`Id="${id}"`, `Id="inhalt-${envelopeId}"`);
      const rewrapped = x.replace(element, forged).replace(/<umschlagId>[^<]+<\/umschlagId>/, `<umschlagId>${envelopeId}</umschlagId>`);
      return hideInSignature(rewrapped, element);
    },
  },
  {
    name: 'a copy of the signed inhalt with its Id spelled "ID" next to a forged one',
    kind: 'BAD_SIGNATURE',
    reason: /another element carries the Id/,
    forge: (x) => {
      const { element, id } = inhaltOf(x);
      return hideInSignature(x.replace(element, withAmountChanged(element)), element.replace(`Id="${id}"`, `ID="${id}"`));
    },
  },
];
