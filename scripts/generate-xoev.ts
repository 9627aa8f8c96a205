// Writes the parts of xoev-schemas/ that follow from the evidence types' descriptors and the code lists
// (genericode rows, the base schema's enumerations and Registerfehler pattern, the item counts of every
// published nachweis version); rows written by hand are kept. `--check` writes nothing and exits 1 when a
// committed file differs or is broken.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ALL_CODE_LISTS, CODES, type PublishedCodeList } from '../adapters/code-lists.ts';
import { reasonPrefix } from '../adapters/contract.ts';
import { EVIDENCE_TYPE_LIST, EVIDENCE_TYPES } from '../adapters/index.ts';

const SCHEMAS = fileURLToPath(new URL('../xoev-schemas/', import.meta.url));
/** The nachweis schema files still published: 1.0 (read from callers that have not moved) and the current one. */
const NACHWEIS_VERSIONS = ['nachweis/nachweis-1.0.xsd', 'nachweis/nachweis-1.1.xsd'] as const;

/**
 * Replaces the one match of a pattern. NOTE: a file that no longer matches would come back unchanged and
 * pass --check as up to date; zero or several matches mean it was edited by hand, so refuse.
 */
function replaceOnce(text: string, pattern: RegExp, replacement: (match: string, ...groups: string[]) => string, file: string, what: string): string {
  const count = [...text.matchAll(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))].length;
  if (count !== 1) throw new Error(`${file}: expected exactly one ${what}, found ${count}; repair the file by hand`);
  return text.replace(pattern, replacement);
}

const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const unescapeXml = (text: string) => text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

function row(values: readonly [column: string, value: string][]): string {
  const cells = values.map(([column, value]) => `      <Value ColumnRef="${column}">\n        <SimpleValue>${escapeXml(value)}</SimpleValue>\n      </Value>\n`);
  return `    <Row>\n${cells.join('')}    </Row>\n`;
}

/** The rows of a genericode file, by code, as [column, value] pairs. */
function rowsOf(text: string): Map<string, [string, string][]> {
  const rows = new Map<string, [string, string][]>();
  for (const [, body] of text.matchAll(/<Row>([\s\S]*?)<\/Row>/g)) {
    const values = [...body!.matchAll(/<Value ColumnRef="([^"]+)">\s*<SimpleValue>([\s\S]*?)<\/SimpleValue>\s*<\/Value>/g)].map(
      (m): [string, string] => [m[1]!, unescapeXml(m[2]!)],
    );
    rows.set(values.find(([c]) => c === 'code')![1], values);
  }
  return rows;
}

const firstPrefix = reasonPrefix(EVIDENCE_TYPES[0]);

/** Rows derived from the descriptors; undefined: the list's existing row is kept. */
function derivedRow(list: PublishedCodeList, code: string, existing: Map<string, [string, string][]>): [string, string][] | undefined {
  if (list === CODES.evidenceType) {
    return [['code', code], ['beschreibung', EVIDENCE_TYPE_LIST.find((t) => t.code === code)!.codeListDescription]];
  }
  if (list === CODES.messageType) {
    const [register, direction] = code.split('.') as [string, 'anfrage' | 'antwort'];
    const messages = EVIDENCE_TYPE_LIST.find((t) => t.register.id === register)!.messages;
    const content = (direction === 'anfrage' ? messages.querySchema : messages.answerSchema).content!;
    const text = direction === 'anfrage' ? `Anfrage an ${register}` : `Antwort von ${register}`;
    return [['code', code], ['beschreibung', text], ['element', `{${content.namespace}}${content.name}`]];
  }
  if (list === CODES.registerFailure) {
    const type = EVIDENCE_TYPE_LIST.find((t) => code.startsWith(`${reasonPrefix(t.code)}_`));
    if (type === undefined) return undefined;
    // Every type's reasons read like the first type's; only the code and the type differ.
    const kind = code.slice(reasonPrefix(type.code).length + 1);
    const template = existing.get(`${firstPrefix}_${kind}`);
    if (template === undefined) throw new Error(`registerfehler: no row ${firstPrefix}_${kind} to describe ${code} by`);
    return template.map(([column, value]) => [column, column === 'code' ? code : column === 'nachweisart' ? type.code : value]);
  }
  return undefined;
}

/** Brings the generated parts of the schemas in `dir` up to date (or, checking, only compares): the files that differ. */
export function generateXoev(dir: string, check: boolean): string[] {
  const changed: string[] = [];
  const update = (file: string, make: (text: string, file: string) => string): void => {
    const path = `${dir}/${file}`;
    const before = readFileSync(path, 'utf8');
    const after = make(before, file);
    if (after === before) return;
    changed.push(file);
    if (!check) writeFileSync(path, after);
  };

  for (const list of ALL_CODE_LISTS) {
    update(`codelisten/${list.name}_${list.listVersionID}.xml`, (text, file) => {
      const existing = rowsOf(text);
      const rows = list.codes.map((code) => {
        const values = derivedRow(list, code, existing) ?? existing.get(code);
        if (values === undefined) throw new Error(`${list.name}: code ${code} has no row; describe it in the genericode file`);
        return row(values);
      });
      return replaceOnce(text, /<SimpleCodeList>\n[\s\S]*<\/SimpleCodeList>/, () => `<SimpleCodeList>\n${rows.join('')}  </SimpleCodeList>`, file, 'SimpleCodeList');
    });
  }

  update('basis/eb-basis-1.0.xsd', (text, file) => {
    let out = text;
    for (const list of ALL_CODE_LISTS.filter((l) => l.enumeratedInSchema)) {
      const typeName = list.name.charAt(0).toUpperCase() + list.name.slice(1);
      const enumeration = list.codes.map((c) => `      <xs:enumeration value="${c}"/>\n`).join('');
      out = replaceOnce(
        out,
        new RegExp(`(<xs:simpleType name="${typeName}">\\n    <xs:restriction base="xs:token">\\n)(?:      <xs:enumeration value="[^"]*"/>\\n)+`),
        (_, head) => `${head}${enumeration}`,
        file,
        `enumeration of ${typeName}`,
      );
    }
    // The form NACHWEISART_GRUND for every type's reasons, and each reason that belongs to no type (a withdrawn
    // basis, a routing refusal) by name: the list may grow without a schema release, but not by a typo.
    const prefixes = EVIDENCE_TYPES.map(reasonPrefix);
    const untyped = CODES.registerFailure.codes.filter((code) => !prefixes.some((prefix) => code.startsWith(`${prefix}_`)));
    const form = [`(${prefixes.join('|')})_[A-Z][A-Z_]{1,40}`, ...untyped].join('|');
    const pattern = /(<xs:simpleType name="Registerfehler">[\s\S]*?<xs:pattern value=")\([A-Z_|]+\)_[^"]*"/;
    return replaceOnce(out, pattern, (_, head) => `${head}${form}"`, file, 'Registerfehler pattern');
  });

  // Every published version of the broker's interface lets a request and an answer carry each type once.
  for (const file of NACHWEIS_VERSIONS) {
    update(file, (text) => {
      const count = (_: string, head: string) => `${head}${EVIDENCE_TYPES.length}"`;
      const types = replaceOnce(text, /(name="nachweisart" type="eb:Code.Nachweisart" maxOccurs=")\d+"/, count, file, 'maxOccurs of nachweisart');
      return replaceOnce(types, /(name="nachweis" type="nachweis:Nachweis" minOccurs="0" maxOccurs=")\d+"/, count, file, 'maxOccurs of nachweis');
    });
  }
  return changed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const check = process.argv.includes('--check');
  let changed: string[];
  try {
    changed = generateXoev(SCHEMAS, check);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  if (changed.length === 0) console.log('xoev-schemas/ is up to date with the evidence types');
  else if (check) {
    console.error(`xoev-schemas/ is out of date (run npm run generate:xoev): ${changed.join(', ')}`);
    process.exit(1);
  } else console.log(`wrote ${changed.join(', ')}`);
}
