// The hostile-XML corpus (test/xml/corpus/): reading its index (README.md) and rendering a case for a target.
// A case file is a template: tokens stand for the parts of a valid message of the target (so "duplicate
// elements" duplicates the real children of a broker request, a register answer or a register query),
// for generated bulk, and for the URL of a canary server that must never be called.
//   {{OPEN}} {{CHILDREN}} {{CLOSE}}  the valid message's root start tag, content and end tag
//   {{ROOT}} {{PREFIX}} {{NS}}        its root's local name, prefix and namespace
//   {{NS_NEXT_VERSION}}               the namespace with its version raised (1.0 → 1.1)
//   {{OVERSIZE}}                      filler past the target's size limit
//   {{REPEAT n text}}                 text n times, '{i}' numbered
//   {{CANARY}}                        the canary server's URL
// Rendering works on bytes, so cases with invalid UTF-8 or in UTF-16 stay exactly as written.
import { readdirSync, readFileSync } from 'node:fs';

export const CORPUS_DIR = new URL('./corpus/', import.meta.url);

/** One row of the corpus index. */
export interface CorpusCase {
  file: string;
  tests: string;
  /** The XmlProblem (or 'invalid-utf-8') the readers report, e.g. 'doctype'. */
  refusedAs: string;
  /** Expected answer of POST /v1/evidence-requests, e.g. '400 invalid-request'. */
  broker: string;
  /** Expected outcome of an adapter reading it as a register answer, e.g. 'MALFORMED_ANSWER'. */
  registerAnswer: string;
  /** Expected status of a register simulator reading it as a query, e.g. '400'. */
  registerRequest: string;
}

/** The index table of corpus/README.md, one case per row. */
export function corpusCases(): CorpusCase[] {
  const readme = readFileSync(new URL('README.md', CORPUS_DIR), 'utf8');
  return readme
    .split('\n')
    .filter((line) => /^\| `[^`]+\.xml` \|/.test(line))
    .map((line) => {
      const cells = line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/^`|`$/g, ''));
      const [file, tests, refusedAs, broker, registerAnswer, registerRequest] = cells as [string, string, string, string, string, string];
      return { file, tests, refusedAs, broker, registerAnswer, registerRequest };
    });
}

export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.xml')).sort();
}

/** A valid message of one target, split into what the tokens stand for. */
export interface CorpusTarget {
  open: string;
  children: string;
  close: string;
  root: string;
  prefix: string;
  namespace: string;
  /** The target's size limit in bytes; {{OVERSIZE}} goes past it. */
  maxBytes: number;
  canary: string;
}

/** Splits a valid message (compact or pretty-printed) into root start tag, content and end tag. */
export function targetOf(validXml: string, opts: { maxBytes: number; canary: string }): CorpusTarget {
  const body = validXml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const openEnd = body.indexOf('>') + 1;
  const closeStart = body.lastIndexOf('</');
  const open = body.slice(0, openEnd);
  const [, prefix, root] = /^<([A-Za-z][\w.-]*):([A-Za-z][\w.-]*)\s/.exec(open) ?? [];
  const namespace = /xmlns:[\w.-]+="([^"]+)"/.exec(open)?.[1];
  if (!prefix || !root || !namespace) throw new Error('a corpus target must have a prefixed root with its namespace declared');
  return { open, children: body.slice(openEnd, closeStart), close: body.slice(closeStart).trim(), root, prefix, namespace, ...opts };
}

/** The bytes of a case for a target. */
export function renderCase(file: string, target: CorpusTarget): Buffer {
  const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
  const template = readFileSync(new URL(file, CORPUS_DIR)).toString('latin1');
  const nextVersion = target.namespace.replace(/:(\d+)\.(\d+)$/, (_, major: string, minor: string) => `:${major}.${Number(minor) + 1}`);
  const rendered = template
    .replace(/\{\{REPEAT (\d+) (.*?)\}\}/g, (_, n: string, text: string) => Array.from({ length: Number(n) }, (_x, i) => text.replaceAll('{i}', String(i))).join(''))
    .replaceAll('{{OPEN}}', latin1(target.open))
    .replaceAll('{{CHILDREN}}', latin1(target.children))
    .replaceAll('{{CLOSE}}', latin1(target.close))
    .replaceAll('{{ROOT}}', target.root)
    .replaceAll('{{PREFIX}}', target.prefix)
    .replaceAll('{{NS_NEXT_VERSION}}', nextVersion)
    .replaceAll('{{NS}}', target.namespace)
    .replaceAll('{{CANARY}}', target.canary)
    .replaceAll('{{OVERSIZE}}', 'x'.repeat(target.maxBytes + 1024));
  return Buffer.from(rendered, 'latin1');
}

/** What a reader does first with bytes from the wire: strict UTF-8 (a byte order mark is dropped). */
export function decodeStrictly(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
