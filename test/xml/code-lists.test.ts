// The code lists exist three times — as constants the code uses (adapters/code-lists.ts), as genericode
// documents (xoev-schemas/codelisten/) and as enumerations or patterns in the base schema — and must agree.
import { expect } from 'chai';
import { BrokenCircuitError, BulkheadRejectedError } from 'cockatiel';
import { readdirSync, readFileSync } from 'node:fs';
import { ALL_CODE_LISTS, CODES } from '../../adapters/code-lists.ts';
import { RegisterError, type RegisterErrorKind } from '../../adapters/contract.ts';
import { SCHEMA_DIR } from '../../adapters/xsd-compiler.ts';
import { parseTree } from '../../adapters/xml.ts';
import { EVIDENCE_TYPE_LIST, EVIDENCE_TYPES } from '../../adapters/index.ts';
import { ROUTE_REFUSAL_MESSAGES } from '../../broker/directory/routing.ts';
import { reasonOf } from '../../broker/evidence/outcome.ts';
import { policyRefusal } from '../../broker/evidence/register-policy.ts';
import { NACHWEIS_SCHEMA_FILE } from '../../broker/http/xml-api/namespace.ts';
import { LEGAL_BASES } from '../../consent/legal-bases.ts';

const CODE_LIST_DIR = new URL('codelisten/', SCHEMA_DIR);
const basis = readFileSync(new URL('basis/eb-basis-1.0.xsd', SCHEMA_DIR), 'utf8');

type Row = { Value: { '@_ColumnRef': string; SimpleValue: string }[] };

function genericode(file: string) {
  const tree = parseTree(readFileSync(new URL(file, CODE_LIST_DIR), 'utf8'), 16) as { CodeList: Record<string, any> };
  const list = tree.CodeList;
  const rows: Row[] = [list.SimpleCodeList.Row].flat();
  return {
    shortName: list.Identification.ShortName as string,
    version: list.Identification.Version as string,
    canonicalUri: list.Identification.CanonicalUri as string,
    canonicalVersionUri: list.Identification.CanonicalVersionUri as string,
    codes: rows.map((row) => [row.Value].flat().find((v) => v['@_ColumnRef'] === 'code')!.SimpleValue),
    described: rows.every((row) => [row.Value].flat().some((v) => v['@_ColumnRef'] === 'beschreibung' && v.SimpleValue.length > 0)),
  };
}

/** The body of a named type in the base schema. */
function typeInBasis(kind: 'simpleType' | 'complexType', name: string): string {
  const start = basis.indexOf(`<xs:${kind} name="${name}">`);
  expect(start, `${kind} ${name} in eb-basis-1.0.xsd`).to.be.at.least(0);
  return basis.slice(start, basis.indexOf(`</xs:${kind}>`, start));
}

describe('the code lists', () => {
  it('are published as one genericode file each, and nothing else is in codelisten/', () => {
    const files = readdirSync(CODE_LIST_DIR).sort();
    expect(files).to.deep.equal(ALL_CODE_LISTS.map((l) => `${l.name}_${l.listVersionID}.xml`).sort());
  });

  for (const list of ALL_CODE_LISTS) {
    const typeName = list.name.charAt(0).toUpperCase() + list.name.slice(1);

    it(`${list.name}: the genericode file cites the same list, version and codes, each described`, () => {
      const published = genericode(`${list.name}_${list.listVersionID}.xml`);
      expect(published).to.deep.equal({
        shortName: list.name,
        version: list.listVersionID,
        canonicalUri: list.listURI,
        canonicalVersionUri: `${list.listURI}_${list.listVersionID}`,
        codes: [...list.codes],
        described: true,
      });
    });

    it(`${list.name}: the schema's Code.${typeName} fixes the list${list.enumeratedInSchema ? ', its version and its codes' : ' and checks the codes’ form'}`, () => {
      const code = typeInBasis('complexType', `Code.${typeName}`);
      expect(code).to.include(`name="listURI" type="xs:anyURI" use="required" fixed="${list.listURI}"`);
      const simple = typeInBasis('simpleType', typeName);
      if (list.enumeratedInSchema) {
        expect(code).to.include(`name="listVersionID" type="xs:normalizedString" use="required" fixed="${list.listVersionID}"`);
        const enumerated = [...simple.matchAll(/<xs:enumeration value="([^"]+)"\/>/g)].map((m) => m[1]);
        expect(enumerated).to.deep.equal([...list.codes]);
      } else {
        const pattern = /<xs:pattern value="([^"]+)"\/>/.exec(simple)?.[1];
        expect(pattern).to.be.a('string');
        for (const c of list.codes) expect(new RegExp(`^(?:${pattern})$`).test(c), c).to.equal(true);
      }
    });
  }

  it('rechtsgrundlage lists exactly the legal bases of the policy', () => {
    expect([...CODES.legalBasis.codes]).to.deep.equal(LEGAL_BASES.map((b) => b.code));
  });

  it('registerfehler names every reason an item can fail with', () => {
    const kinds: RegisterErrorKind[] = ['TIMEOUT', 'UNREACHABLE', 'UPSTREAM_ERROR', 'MALFORMED_ANSWER', 'REJECTED_ANSWER', 'BAD_SIGNATURE'];
    for (const type of EVIDENCE_TYPES) {
      const produced = [
        ...kinds.map((kind) => new RegisterError(type, kind, 'x').code),
        reasonOf(type, new Error('boom')).code,
        policyRefusal(type, new BrokenCircuitError())?.code,
        policyRefusal(type, new BulkheadRejectedError(1, 1))?.code,
      ];
      for (const code of produced) expect(CODES.registerFailure.codes, `${type}: ${code}`).to.include(code);
    }
  });

  it('registerfehler names the routing refusals, which belong to no one type', () => {
    for (const refusal of Object.keys(ROUTE_REFUSAL_MESSAGES)) expect(CODES.registerFailure.codes).to.include(refusal);
  });
});

describe('the nachweis schema and the evidence types', () => {
  const nachweis = readFileSync(new URL(NACHWEIS_SCHEMA_FILE, SCHEMA_DIR), 'utf8');
  const daten = nachweis.slice(nachweis.indexOf('<xs:complexType name="Daten">'), nachweis.indexOf('</xs:complexType>', nachweis.indexOf('<xs:complexType name="Daten">')));

  it('declares exactly one element in Daten per evidence type, named by its descriptor', () => {
    const declared = [...daten.matchAll(/<xs:element name="([^"]+)"/g)].map((m) => m[1]);
    expect(declared).to.deep.equal(EVIDENCE_TYPE_LIST.map((t) => t.answerFragment.element));
  });

  it("publishes each type's register message family under xoev-schemas/, in the namespace its descriptor names", () => {
    for (const t of EVIDENCE_TYPE_LIST) {
      const file = t.messages.querySchema.files.find((f) => !f.startsWith('transport/'))!;
      expect(readFileSync(new URL(file, SCHEMA_DIR), 'utf8'), file).to.include(`targetNamespace="${t.messages.namespace}"`);
    }
  });

  it('lets a request and an answer carry every evidence type once', () => {
    expect(nachweis).to.include(`name="nachweisart" type="eb:Code.Nachweisart" maxOccurs="${EVIDENCE_TYPES.length}"`);
    expect(nachweis).to.include(`name="nachweis" type="nachweis:Nachweis" minOccurs="0" maxOccurs="${EVIDENCE_TYPES.length}"`);
  });
});
