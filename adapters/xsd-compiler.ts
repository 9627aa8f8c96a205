// Reads the XSDs of xoev-schemas/ once and compiles each schema set once per process, through the only
// loader libxml2 gets, so no document can make it read a file or the network.
import { readdirSync, readFileSync } from 'node:fs';
import { ParseOption, XmlDocument, XmlValidateError, XsdValidator, xmlRegisterInputProvider } from 'libxml2-wasm';

/** The folder with every XSD and code list. */
export const SCHEMA_DIR = new URL('../xoev-schemas/', import.meta.url);

// ---- the schema files, read once ------------------------------------------------------------------------

const schemaBytes = new Map<string, Uint8Array>();
(function readSchemas(dir: URL): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) readSchemas(new URL(`${entry.name}/`, dir));
    else if (entry.name.endsWith('.xsd')) schemaBytes.set(new URL(entry.name, dir).href, readFileSync(new URL(entry.name, dir)));
  }
})(SCHEMA_DIR);

/** Element and attribute names the schemas declare: the only names an error message may repeat. */
export const DECLARED_NAMES: ReadonlySet<string> = new Set(
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

/** Compiles a schema set (files relative to xoev-schemas/) on first use and keeps its validator. */
export function compileSchemaSet(files: readonly string[]): XsdValidator {
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
