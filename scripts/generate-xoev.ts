// Writes the parts of xoev-schemas/ that follow from the evidence types' descriptors (adapters/index.ts) and
// the code lists (adapters/code-lists.ts): the genericode rows, the base schema's enumerations and the
// Registerfehler pattern, and how many items a nachweis document may carry. Rows of lists that the operator
// writes by hand are kept as they are. `--check` writes nothing and exits 1 when a committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ALL_CODE_LISTS, CODES, type PublishedCodeList } from '../adapters/code-lists.ts';
import { reasonPrefix } from '../adapters/contract.ts';
import { EVIDENCE_TYPE_LIST, EVIDENCE_TYPES } from '../adapters/index.ts';

const SCHEMAS = fileURLToPath(new URL('../xoev-schemas/', import.meta.url));
const check = process.argv.includes('--check');
const changed: string[] = [];

function update(file: string, make: (text: string) => string): void {
  const path = `${SCHEMAS}${file}`;
  const before = readFileSync(path, 'utf8');
  const after = make(before);
  if (after === before) return;
  changed.push(file);
  if (!check) writeFileSync(path, after);
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

for (const list of ALL_CODE_LISTS) {
  update(`codelisten/${list.name}_${list.listVersionID}.xml`, (text) => {
    const existing = rowsOf(text);
    const rows = list.codes.map((code) => {
      const values = derivedRow(list, code, existing) ?? existing.get(code);
      if (values === undefined) throw new Error(`${list.name}: code ${code} has no row; describe it in the genericode file`);
      return row(values);
    });
    return text.replace(/<SimpleCodeList>\n[\s\S]*<\/SimpleCodeList>/, `<SimpleCodeList>\n${rows.join('')}  </SimpleCodeList>`);
  });
}

update('basis/eb-basis-1.0.xsd', (text) => {
  let out = text;
  for (const list of ALL_CODE_LISTS.filter((l) => l.enumeratedInSchema)) {
    const typeName = list.name.charAt(0).toUpperCase() + list.name.slice(1);
    const enumeration = list.codes.map((c) => `      <xs:enumeration value="${c}"/>\n`).join('');
    out = out.replace(
      new RegExp(`(<xs:simpleType name="${typeName}">\\n    <xs:restriction base="xs:token">\\n)(?:      <xs:enumeration value="[^"]*"/>\\n)+`),
      (_, head: string) => `${head}${enumeration}`,
    );
  }
  const prefixes = EVIDENCE_TYPES.map(reasonPrefix).join('|');
  return out.replace(/(<xs:simpleType name="Registerfehler">[\s\S]*?<xs:pattern value=")\([A-Z_|]+\)/, (_, head: string) => `${head}(${prefixes})`);
});

update('nachweis/nachweis-1.0.xsd', (text) =>
  text
    .replace(/(name="nachweisart" type="eb:Code.Nachweisart" maxOccurs=")\d+"/, `$1${EVIDENCE_TYPES.length}"`)
    .replace(/(name="nachweis" type="nachweis:Nachweis" minOccurs="0" maxOccurs=")\d+"/, `$1${EVIDENCE_TYPES.length}"`),
);

if (changed.length === 0) console.log('xoev-schemas/ is up to date with the evidence types');
else if (check) {
  console.error(`xoev-schemas/ is out of date (run npm run generate:xoev): ${changed.join(', ')}`);
  process.exit(1);
} else console.log(`wrote ${changed.join(', ')}`);
