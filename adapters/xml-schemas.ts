// Validates and reads every incoming XML message: profile → XSD → signature → zod shape, with errors that
// never quote the document. libxml2-wasm (why: xoev-schemas/README.md) compiles in ./xsd-compiler.ts; each
// parsed document is disposed, so the WebAssembly heap does not grow with traffic.
import { ParseOption, XmlDocument, XmlElement, XmlParseError, XmlValidateError, type ErrorDetail, type XsdValidator } from 'libxml2-wasm';
import type { z } from 'zod';
import { SignatureError, XMLDSIG_NAMESPACE } from './signature-profile.ts';
import { verifyEnvelope } from './signature-verification.ts';
import { checkDocumentProfile, parseTree, shapeOf, XML_LIMITS, XmlMessageError, type XmlLimits, type XmlTree } from './xml.ts';
import { compileSchemaSet, DECLARED_NAMES } from './xsd-compiler.ts';

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
  /** For a transport envelope: it must carry an XML Signature (./signature-profile.ts), checked before the schema. */
  readonly signed: boolean;
  readonly limits: XmlLimits;
  /** The compiled schema set (shared by every MessageSchema over the same files). */
  readonly validator: XsdValidator;
}

/** Every schema defined in this process, for compileDefinedSchemas. */
const defined: MessageSchema[] = [];

/**
 * Defines what an incoming document must be; its schema set is compiled (once per set) at its first use, or by
 * compileDefinedSchemas. NOTE: compiling every set costs about a second, which a command-line tool that
 * validates nothing should not pay.
 */
export function defineMessageSchema(opts: {
  files: readonly string[];
  root: QualifiedName;
  content?: QualifiedName;
  signed?: boolean;
  limits?: XmlLimits;
}): MessageSchema {
  let validator: XsdValidator | undefined;
  const schema: MessageSchema = {
    files: opts.files,
    root: opts.root,
    content: opts.content,
    signed: opts.signed ?? false,
    limits: opts.limits ?? XML_LIMITS,
    get validator() {
      return (validator ??= compileSchemaSet(opts.files));
    },
  };
  defined.push(schema);
  return schema;
}

/** Compiles the schema set of every schema defined so far: a server does it at start, not in its first request. */
export function compileDefinedSchemas(): void {
  for (const schema of defined) void schema.validator;
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
 * The one way to read a signed envelope: profile → XSD → signature with the sender's pinned certificate(s),
 * any one of them (verifyEnvelope) → tree, its `inhalt` taken from the signed bytes → zod shape. Throws
 * SignatureError or XmlMessageError, neither naming a value from the document.
 */
export function readSignedMessage<T>(xml: string, schema: MessageSchema, shape: z.ZodType<T>, senderCertPem: string | readonly string[]): T {
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
