// XSD validation of every XML message against xoev-schemas/ with libxml2-wasm: real XSD 1.0, no native build,
// and closed (no file system or network; our one loader serves our XSDs only while compiling; see
// xoev-schemas/README.md). Schema sets compile once per process; documents are disposed after validation.
import { readdirSync, readFileSync } from 'node:fs';
import {
  ParseOption,
  XmlDocument,
  XmlElement,
  XmlParseError,
  XmlValidateError,
  XsdValidator,
  xmlRegisterInputProvider,
  type ErrorDetail,
} from 'libxml2-wasm';
import type { z } from 'zod';
import { SignatureError, verifyEnvelope, XMLDSIG_NAMESPACE } from './signing.ts';
import { checkDocumentProfile, parseTree, shapeOf, XML_LIMITS, XmlMessageError, type XmlLimits, type XmlTree } from './xml.ts';

/** The folder with every XSD and code list. */
export const SCHEMA_DIR = new URL('../xoev-schemas/', import.meta.url);

/** An element name in its namespace. */
export interface QualifiedName {
  namespace: string;
  name: string;
}

/** What an incoming document must be: valid against a schema set, with this root (and enveloped content). */
export interface MessageSchema {
  /** The schema files, relative to xoev-schemas/, e.g. ['transport/eb-transport-1.0.xsd', 'rvbea/rvbea-1.0.xsd']. */
  readonly files: readonly string[];
  readonly root: QualifiedName;
  /** For a transport envelope: the one element its `inhalt` must carry. */
  readonly content?: QualifiedName;
  /** For a transport envelope: it must carry an XML Signature (./signing.ts), checked before the schema. */
  readonly signed: boolean;
  readonly limits: XmlLimits;
  /** The compiled schema set (shared by every MessageSchema over the same files). */
  readonly validator: XsdValidator;
}

// ---- the schema files, read once ------------------------------------------------------------------------

const schemaBytes = new Map<string, Uint8Array>();
(function readSchemas(dir: URL): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) readSchemas(new URL(`${entry.name}/`, dir));
    else if (entry.name.endsWith('.xsd')) schemaBytes.set(new URL(entry.name, dir).href, readFileSync(new URL(entry.name, dir)));
  }
})(SCHEMA_DIR);

/** Element and attribute names the schemas declare: the only names an error message may repeat. */
const DECLARED_NAMES: ReadonlySet<string> = new Set(
  [...schemaBytes.values()].flatMap((bytes) => [...Buffer.from(bytes).toString('utf8').matchAll(/\bname="([A-Za-z_][\w.-]*)"/g)].map((m) => m[1]!)),
);

// ---- the one loader libxml2 gets ------------------------------------------------------------------------

let compiling = false;
const openFiles = new Map<number, { bytes: Uint8Array; offset: number }>();
let nextHandle = 1; // 0 means "could not open" to libxml2

function schemaUrl(name: string): string | null {
  try {
    return new URL(name).href; // also resolves '..' segments of relative schemaLocations
  } catch {
    return null;
  }
}

xmlRegisterInputProvider({
  // NOTE: outside compilation nothing matches, so no document can make libxml2 read a file, not even ours.
  match: (name) => compiling && schemaBytes.has(schemaUrl(name) ?? ''),
  open(name) {
    const bytes = compiling ? schemaBytes.get(schemaUrl(name) ?? '') : undefined;
    if (bytes === undefined) return undefined;
    const handle = nextHandle++;
    openFiles.set(handle, { bytes, offset: 0 });
    return handle;
  },
  read(handle, buf) {
    const file = openFiles.get(handle);
    if (file === undefined) return -1;
    const n = Math.min(buf.byteLength, file.bytes.byteLength - file.offset);
    buf.set(file.bytes.subarray(file.offset, file.offset + n));
    file.offset += n;
    return n;
  },
  close: (handle) => openFiles.delete(handle),
});

// ---- compiling, once per schema set ---------------------------------------------------------------------

const compiled = new Map<string, { validator: XsdValidator; schemaDocument: XmlDocument }>();

function compile(files: readonly string[]): XsdValidator {
  const key = files.join('|');
  const cached = compiled.get(key);
  if (cached) return cached.validator;

  const urls = files.map((file) => new URL(file, SCHEMA_DIR).href);
  for (const url of urls) if (!schemaBytes.has(url)) throw new Error(`no schema ${url} in xoev-schemas/`);
  // Several namespaces validate together through a driver schema that only imports them (e.g. the transport
  // envelope and the register family whose messages its strict wildcard must check).
  const [first] = urls;
  const single = urls.length === 1 && first !== undefined;
  const source = single
    ? schemaBytes.get(first)!
    : Buffer.from(
        `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">${urls
          .map((url) => `<xs:import namespace="${targetNamespaceOf(url)}" schemaLocation="${url}"/>`)
          .join('')}</xs:schema>`,
      );
  compiling = true;
  try {
    // NOTE: the schema document stays alive with its validator: libxml2 may refer to it from the schema.
    const schemaDocument = XmlDocument.fromBuffer(source, { url: single ? first : new URL('driver.xsd', SCHEMA_DIR).href, option: ParseOption.XML_PARSE_NONET });
    const validator = XsdValidator.fromDoc(schemaDocument);
    compiled.set(key, { validator, schemaDocument });
    return validator;
  } catch (err) {
    const details = err instanceof XmlValidateError ? err.details.map((d) => `${d.file ?? ''}:${d.line} ${d.message.trim()}`).join('; ') : String(err);
    throw new Error(`schema set ${key} does not compile: ${details}`);
  } finally {
    compiling = false;
  }
}

function targetNamespaceOf(url: string): string {
  const text = Buffer.from(schemaBytes.get(url)!).toString('utf8');
  const ns = /targetNamespace="([^"]+)"/.exec(text)?.[1];
  if (ns === undefined) throw new Error(`schema ${url} has no target namespace`);
  return ns;
}

/** Defines what an incoming document must be and compiles its schema set (once per set). */
export function defineMessageSchema(opts: {
  files: readonly string[];
  root: QualifiedName;
  content?: QualifiedName;
  signed?: boolean;
  limits?: XmlLimits;
}): MessageSchema {
  return {
    files: opts.files,
    root: opts.root,
    content: opts.content,
    signed: opts.signed ?? false,
    limits: opts.limits ?? XML_LIMITS,
    validator: compile(opts.files),
  };
}

// ---- validating ---------------------------------------------------------------------------------------

/** No network, no external DTD or entity; entities are never substituted (no XML_PARSE_NOENT). */
const PARSE_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;

function expected(q: QualifiedName): string {
  return `${q.name} in namespace ${q.namespace}`;
}

/**
 * Parses the document with libxml2 and validates it against the schema set; checks that its root (and, for
 * an envelope, its content element) is the expected one. Throws XmlMessageError naming the problem without
 * repeating any value from the document. Call checkDocumentProfile first (readMessage does).
 */
export function validateDocument(xml: string, schema: MessageSchema): void {
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromString(xml, { option: PARSE_OPTIONS });
  } catch (err) {
    throw fromParseError(err);
  }
  try {
    if (doc.dtd !== null) throw new XmlMessageError('doctype', 'DOCTYPE and entity declarations are refused');
    const root = doc.root;
    if (root.name !== schema.root.name || root.namespaceUri !== schema.root.namespace) {
      throw new XmlMessageError('wrong-root', `the document's root is not the expected ${expected(schema.root)}`);
    }
    // An unsigned envelope is a signature problem (the schema would only call it a missing element).
    if (schema.signed && root.get('ds:Signature', { ds: XMLDSIG_NAMESPACE }) === null) throw new SignatureError('the envelope is not signed');
    try {
      schema.validator.validate(doc);
    } catch (err) {
      if (err instanceof XmlValidateError) throw fromValidateError(err);
      throw err;
    }
    if (schema.content) {
      const content = doc.get('inhalt/*');
      if (!(content instanceof XmlElement) || content.name !== schema.content.name || content.namespaceUri !== schema.content.namespace) {
        throw new XmlMessageError('wrong-root', `the envelope does not carry the expected ${expected(schema.content)}`);
      }
    }
  } finally {
    doc.dispose();
  }
}

/** The one way to read an incoming message: profile → XSD → tree → the message's zod shape. */
export function readMessage<T>(xml: string, schema: MessageSchema, shape: z.ZodType<T>): T {
  if (schema.signed) throw new Error('a signed envelope is read with readSignedMessage');
  checkDocumentProfile(xml, schema.limits);
  validateDocument(xml, schema);
  return shapeOf(parseTree(xml, schema.limits.maxDepth), shape);
}

/**
 * The one way to read a signed envelope: profile → XSD → signature with the sender's pinned certificate →
 * tree, its `inhalt` taken from the signed bytes → zod shape. Throws SignatureError or XmlMessageError,
 * neither naming a value from the document.
 */
export function readSignedMessage<T>(xml: string, schema: MessageSchema, shape: z.ZodType<T>, senderCertPem: string): T {
  if (!schema.signed) throw new Error('readSignedMessage reads signed envelopes only');
  checkDocumentProfile(xml, schema.limits);
  validateDocument(xml, schema);
  const signed = verifyEnvelope(xml, senderCertPem);
  const tree = parseTree(xml, schema.limits.maxDepth);
  const envelope = tree[schema.root.name] as XmlTree | undefined;
  const signedInhalt = (parseTree(signed.canonical, schema.limits.maxDepth) as { inhalt?: unknown }).inhalt;
  // NOTE: two parsers saw this document (libxml2 validated it, xmldom fed the signature check); the content
  // used is the signed one, and only if it is the very inhalt the schema validated — no wrapping, no
  // parser differential slips another content past the signature.
  if (envelope === undefined || signedInhalt === undefined || !sameTree(envelope.inhalt, signedInhalt)) {
    throw new SignatureError('the inhalt read is not the inhalt signed');
  }
  return shapeOf({ ...tree, [schema.root.name]: { ...envelope, inhalt: signedInhalt } }, shape);
}

/** Deep equality of two parsed trees (text, attributes, order of repeated elements). */
function sameTree(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => Object.hasOwn(b, k) && sameTree((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * libxml2's own messages for a document, for tests of our outgoing messages only: they quote values from the
 * document (personal data in production), so they never go into an error message or a log.
 */
export function schemaErrors(xml: string, schema: MessageSchema): string[] {
  try {
    checkDocumentProfile(xml, schema.limits);
    validateDocument(xml, schema);
    return [];
  } catch (err) {
    if (!(err instanceof XmlMessageError)) throw err;
    if (err.problem !== 'schema-invalid') return [err.message];
    const doc = XmlDocument.fromString(xml, { option: PARSE_OPTIONS });
    try {
      schema.validator.validate(doc);
      return [err.message];
    } catch (raw) {
      return raw instanceof XmlValidateError ? raw.details.map((d) => `line ${d.line}: ${d.message.trim()}`) : [err.message];
    } finally {
      doc.dispose();
    }
  }
}

// ---- error messages without document content ----------------------------------------------------------

function fromParseError(err: unknown): XmlMessageError {
  if (!(err instanceof XmlParseError)) return new XmlMessageError('not-well-formed', 'document could not be parsed');
  const first = err.details[0];
  if (first && /Excessive depth/i.test(first.message)) return new XmlMessageError('too-deep', 'document nests too deeply');
  const where = first ? ` (line ${first.line})` : '';
  return new XmlMessageError('not-well-formed', `document is not well-formed XML${where}`);
}

const VALIDATION_KINDS: [RegExp, string][] = [
  [/No matching global declaration/i, 'unknown element'],
  [/This element is not expected/i, 'unexpected element'],
  [/Missing child element/i, 'missing element'],
  [/Duplicate key-sequence|not unique/i, 'repeated value'],
  [/attribute '.*' is not allowed/i, 'attribute not allowed'],
  [/attribute '.*' is required/i, 'missing attribute'],
  [/fixed value constraint|value must be|does not match the fixed value/i, 'value differs from the fixed value'],
  [/Character content other than whitespace/i, 'text not allowed here'],
  [/is not a valid value|is not accepted by the pattern|not an element of the set|has a length of|is not facet-valid|value '.*' is/i, 'invalid value'],
];

/** Names the element path by the schemas' own names; anything the schemas do not declare becomes '*'. */
function safePath(xpath: string | undefined): string | null {
  if (!xpath) return null;
  const steps = xpath
    .split('/')
    .filter((step) => step !== '')
    .map((step) => {
      const local = step.replace(/\[\d+\]$/, '').replace(/^[^:]*:/, '');
      const attribute = local.startsWith('@');
      const name = attribute ? local.slice(1) : local;
      return DECLARED_NAMES.has(name) ? `${attribute ? '@' : ''}${name}` : '*';
    });
  return steps.length > 0 ? `/${steps.join('/')}` : null;
}

function fromValidateError(err: XmlValidateError): XmlMessageError {
  const first: ErrorDetail | undefined = err.details[0];
  if (!first) return new XmlMessageError('schema-invalid', 'document is not valid against its schema');
  const kind = VALIDATION_KINDS.find(([pattern]) => pattern.test(first.message))?.[1] ?? 'not valid';
  const path = safePath(first.xpath);
  const more = err.details.length > 1 ? ` (and ${err.details.length - 1} more)` : '';
  return new XmlMessageError('schema-invalid', `document is not valid against its schema: ${kind} at ${path ?? `line ${first.line}`}${more}`);
}
