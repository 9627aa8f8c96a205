// `generate-xoev --check` as CI runs it: on a copy of xoev-schemas/ whose generated parts were edited by hand
// or broken, it must fail rather than report the files up to date.
import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateXoev } from '../../scripts/generate-xoev.ts';

const SCHEMAS = fileURLToPath(new URL('../../xoev-schemas/', import.meta.url));
const BASIS = 'basis/eb-basis-1.0.xsd';
const NACHWEIS = 'nachweis/nachweis-1.0.xsd';
const NACHWEIS_1_1 = 'nachweis/nachweis-1.1.xsd';

describe('checking the generated parts of the XÖV schemas', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'xoev-check-'));
    cpSync(SCHEMAS, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const edit = (file: string, from: string | RegExp, to: string) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const after = text.replace(from, to);
    expect(after, `${file} contains ${String(from)}`).not.to.equal(text);
    writeFileSync(path.join(dir, file), after);
  };

  it('passes the committed tree and writes nothing', () => {
    expect(generateXoev(dir, true)).to.deep.equal([]);
  });

  it('reports the base schema when the birth certificate\'s enumeration line was deleted', () => {
    edit(BASIS, '      <xs:enumeration value="birth-certificate"/>\n', '');
    expect(generateXoev(dir, true)).to.deep.equal([BASIS]);
  });

  it('fails naming the file when a maxOccurs it generates was changed to unbounded', () => {
    edit(NACHWEIS, /(name="nachweis" type="nachweis:Nachweis" minOccurs="0" maxOccurs=")\d+"/, '$1unbounded"');
    expect(() => generateXoev(dir, true)).to.throw(`${NACHWEIS}: expected exactly one maxOccurs of nachweis, found 0`);
  });

  it('reports the current nachweis version too when its item count was changed', () => {
    edit(NACHWEIS_1_1, /(name="nachweisart" type="eb:Code.Nachweisart" maxOccurs=")\d+"/, '$19"');
    expect(generateXoev(dir, true)).to.deep.equal([NACHWEIS_1_1]);
  });

  it('reports the base schema when a reason of no one type fell out of the Registerfehler pattern', () => {
    edit(BASIS, '|NO_RESPONSIBLE_REGISTER', '');
    expect(generateXoev(dir, true)).to.deep.equal([BASIS]);
  });

  it('fails when an enumeration it generates was reindented by hand', () => {
    edit(BASIS, /\n {6}<xs:enumeration value="(salary|maternity-benefit|income|birth-certificate)"\/>/g, '\n        <xs:enumeration value="$1"/>');
    expect(() => generateXoev(dir, true)).to.throw(`${BASIS}: expected exactly one enumeration of Nachweisart, found 0`);
  });

  it('fails when a code list lost its SimpleCodeList', () => {
    edit('codelisten/nachweisart_1.0.xml', '<SimpleCodeList>', '<SimpleCodeListe>');
    expect(() => generateXoev(dir, true)).to.throw('codelisten/nachweisart_1.0.xml: expected exactly one SimpleCodeList, found 0');
  });
});
