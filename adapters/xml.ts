// Safe XML reading and the XÖV conventions every message shares: profile, message header, typed codes, euros.
// NOTE: every document is hostile until read: no DOCTYPE or entity declaration reaches a parser, none expands
// entities or loads anything, size and depth are capped, errors never quote content (it holds personal data).
import { XMLParser } from 'fast-xml-parser';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { z } from 'zod';
import type { CodeList } from './register-code-lists.ts';

export type { CodeList } from './register-code-lists.ts';

/** Limits for one document; our messages are a few KiB and a dozen levels deep. */
export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
}

/** Limits for register messages (the broker's own XML API has a smaller body limit). */
export const XML_LIMITS: XmlLimits = { maxBytes: 512 * 1024, maxDepth: 32 };

/** Why a document was refused. */
export type XmlProblem =
  | 'too-large'
  | 'encoding'
  | 'declaration'
  | 'doctype'
  | 'processing-instruction'
  | 'cdata'
  | 'too-complex'
  | 'not-well-formed'
  | 'too-deep'
  | 'wrong-root'
  | 'schema-invalid'
  | 'unexpected-shape'
  /** An envelope's XML Signature is missing, outside the profile or wrong (./signature-profile.ts SignatureError). */
  | 'signature';

/** A document that was refused unread, is not valid against its schema, or does not fit the message. */
export class XmlMessageError extends Error {
  override name = 'XmlMessageError';
  constructor(
    readonly problem: XmlProblem,
    message: string,
  ) {
    super(message);
  }
}

/** A parsed document: element names map to text, nested objects (attributes as '@_name') or arrays. */
export type XmlTree = Record<string, unknown>;

// ---- the message profile ------------------------------------------------------------------------------

// version 1.0 only; encoding, if declared, UTF-8; nothing else may precede the root but comments and space.
const DECLARATION = /^<\?xml\s+version\s*=\s*(["'])1\.0\1(?:\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\4)?\s*\?>/;

/** Namespace declarations a message may carry; ours carry one to three. */
const MAX_NAMESPACE_DECLARATIONS = 32;

/**
 * Checks what every message must be before any parser reads it: size, XML 1.0 in UTF-8, no DOCTYPE, entity
 * declaration, processing instruction or CDATA, bounded namespace declarations. A U+FEFF left after decoding
 * is a second byte order mark, i.e. content before the root, and refused.
 */
export function checkDocumentProfile(xml: string, limits: XmlLimits): void {
  if (Buffer.byteLength(xml, 'utf8') > limits.maxBytes) {
    throw new XmlMessageError('too-large', `document exceeds ${limits.maxBytes} bytes`);
  }
  // Refused wherever it appears (even inside a comment): a legitimate message never needs it.
  if (/<!(DOCTYPE|ENTITY)/i.test(xml)) {
    throw new XmlMessageError('doctype', 'DOCTYPE and entity declarations are refused');
  }
  if (xml.startsWith('\uFEFF')) throw new XmlMessageError('not-well-formed', 'document has content before its root element');
  let body = xml;
  if (/^<\?xml[\s?]/.test(xml)) {
    const declaration = DECLARATION.exec(xml);
    if (declaration === null) throw new XmlMessageError('declaration', 'the XML declaration must declare version 1.0 and at most encoding UTF-8');
    const encoding = declaration[3];
    if (encoding !== undefined && !/^utf-8$/i.test(encoding)) {
      throw new XmlMessageError('encoding', 'documents must be encoded in UTF-8');
    }
    body = xml.slice(declaration[0].length);
  }
  // Processing instructions (xml-stylesheet, a misplaced second declaration, catalog PIs) have no place in
  // a message and are refused rather than silently skipped.
  if (body.includes('<?')) throw new XmlMessageError('processing-instruction', 'processing instructions are refused');
  // Our message families never use CDATA; text that needs '<' or '&' escapes it.
  if (body.includes('<![CDATA[')) throw new XmlMessageError('cdata', 'CDATA sections are not part of these messages');
  let declarations = 0;
  for (const _ of body.matchAll(/\sxmlns(?::[^\s=]*)?\s*=/g)) {
    if (++declarations > MAX_NAMESPACE_DECLARATIONS) throw new XmlMessageError('too-complex', `document declares more than ${MAX_NAMESPACE_DECLARATIONS} namespaces`);
  }
}

// ---- reading a validated document into a tree ------------------------------------------------------------

// Only the five predefined entities and character references exist without a DTD; decoding them in a
// single pass means '&amp;lt;' becomes '&lt;' and never '<' (no double decoding).
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE = /&([a-zA-Z]+|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});|&/g;

function decodeReferences(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(REFERENCE, (whole: string, name: string | undefined) => {
    if (name === undefined) throw new XmlMessageError('not-well-formed', 'bare "&" in text');
    if (name.startsWith('#')) {
      const codePoint = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (!isXmlChar(codePoint)) throw new XmlMessageError('not-well-formed', 'character reference to a forbidden character');
      return String.fromCodePoint(codePoint);
    }
    const replacement = PREDEFINED[name];
    if (replacement === undefined) throw new XmlMessageError('not-well-formed', `undeclared entity reference ${whole}`);
    return replacement;
  });
}

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function newParser(maxDepth: number): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    // Namespaces were checked by the schema validator (root, content and that every other element is
    // unqualified); the tree only needs local names.
    removeNSPrefix: true,
    processEntities: false,
    htmlEntities: false,
    // Values stay strings: a Betriebsnummer '01234567' or an IdNr must not turn into a number.
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: maxDepth,
    tagValueProcessor: (_name, value) => decodeReferences(value),
    attributeValueProcessor: (_name, value) => decodeReferences(value),
  });
}

/**
 * Reads a document into a tree. Call it only on a document that passed checkDocumentProfile and schema
 * validation (xml-schemas.ts): fast-xml-parser is lenient about well-formedness and blind to namespaces.
 */
export function parseTree(xml: string, maxDepth: number = XML_LIMITS.maxDepth): XmlTree {
  try {
    return newParser(maxDepth).parse(xml) as XmlTree;
  } catch (err) {
    if (err instanceof XmlMessageError) throw err;
    const tooDeep = err instanceof Error && /nested tags/i.test(err.message);
    // The parser's own message may quote names from the document; keep it out of ours.
    throw tooDeep
      ? new XmlMessageError('too-deep', `document nests deeper than ${maxDepth} elements`)
      : new XmlMessageError('not-well-formed', 'document could not be parsed');
  }
}

/** Maps a tree to a message with its zod shape; a mismatch names only the path, never a value. */
export function shapeOf<T>(tree: XmlTree, shape: z.ZodType<T>): T {
  const result = shape.safeParse(tree);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('/') : 'document root';
    throw new XmlMessageError('unexpected-shape', `message does not match its schema at ${where}`);
  }
  return result.data;
}

/** The root element of a message (by local name: its namespace was checked by the validator). */
export function rootElement<S extends z.ZodRawShape>(name: string, shape: S) {
  const content = z.object(shape);
  // strict: anything next to the root is refused.
  return z.strictObject({ [name]: content } as Record<string, typeof content>).transform((doc) => doc[name]!);
}

/** An element that may repeat: the parser yields one object for one occurrence and an array for more. */
export function repeated<T extends z.ZodType>(item: T, opts: { min?: number; max?: number } = {}) {
  return z.preprocess(
    (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
    z.array(item).min(opts.min ?? 0).max(opts.max ?? 1000),
  );
}

// ---- simple types -------------------------------------------------------------------------------------

export const monthText = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);
export const dayText = z.iso.date();
export const yearText = z
  .string()
  .regex(/^\d{4}$/)
  .transform(Number);

/** Amounts travel as euros with exactly two decimals ('1234.50', '-3.00'); we hold integer cents. */
export const euroAmount = z
  .string()
  .regex(/^-?(0|[1-9]\d{0,11})\.\d{2}$/)
  .transform((text) => {
    const negative = text.startsWith('-');
    const [euros, cents] = (negative ? text.slice(1) : text).split('.');
    const value = Number(euros) * 100 + Number(cents);
    return negative ? -value : value;
  });

export function centsToEuroText(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError('amount must be an integer number of cents');
  const abs = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

// ---- message header (nachrichtenkopf) -----------------------------------------------------------------

/** The XÖV-style message header: who sends what to whom, when, and in reply to which message. */
export interface MessageHeader {
  messageId: string;
  /** The message this one answers; null on queries. */
  inReplyTo: string | null;
  createdAt: string;
  /** Behördenkennung of the sending and receiving participant. */
  sender: string;
  recipient: string;
}

export const authorityId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,99}$/);

export function writeHeader(parent: XMLBuilder, header: MessageHeader): void {
  const kopf = parent.ele('nachrichtenkopf');
  kopf.ele('nachrichtenId').txt(header.messageId);
  if (header.inReplyTo !== null) kopf.ele('referenzNachrichtenId').txt(header.inReplyTo);
  kopf.ele('erstellungszeitpunkt').txt(header.createdAt);
  kopf.ele('absender').ele('behoerdenkennung').txt(header.sender);
  kopf.ele('empfaenger').ele('behoerdenkennung').txt(header.recipient);
}

export const headerSchema = z
  .object({
    nachrichtenId: z.uuid(),
    referenzNachrichtenId: z.uuid().optional(),
    erstellungszeitpunkt: z.iso.datetime({ offset: true }),
    absender: z.object({ behoerdenkennung: authorityId }),
    empfaenger: z.object({ behoerdenkennung: authorityId }),
  })
  .transform(
    (k): MessageHeader => ({
      messageId: k.nachrichtenId,
      inReplyTo: k.referenzNachrichtenId ?? null,
      createdAt: k.erstellungszeitpunkt,
      sender: k.absender.behoerdenkennung,
      recipient: k.empfaenger.behoerdenkennung,
    }),
  );

// ---- typed codes ----------------------------------------------------------------------------------------

/** Writes `<name listURI=".." listVersionID=".."><code>value</code></name>`. */
export function writeCode(parent: XMLBuilder, name: string, list: CodeList, code: string): void {
  parent.ele(name, { listURI: list.listURI, listVersionID: list.listVersionID }).ele('code').txt(code);
}

/** Reads a typed code; a code from another list or list version is refused, not reinterpreted. */
export function codeSchema<const C extends readonly [string, ...string[]]>(list: CodeList, codes: C) {
  return z
    .object({ '@_listURI': z.literal(list.listURI), '@_listVersionID': z.literal(list.listVersionID), code: z.enum(codes) })
    .transform((typed) => typed.code);
}

/** Reads a typed code of a list whose values the schema does not fix (checked later against the policy). */
export function openCodeSchema(list: Pick<CodeList, 'listURI'>) {
  return z.object({ '@_listURI': z.literal(list.listURI), '@_listVersionID': z.string().min(1), code: z.string().min(1) }).transform((typed) => typed.code);
}
