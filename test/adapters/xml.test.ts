// The safe XML reader and the shared XÖV building blocks, without I/O: the message profile, schema
// validation with libxml2-wasm, the tree reader, the header and typed codes.
import { expect } from 'chai';
import { create } from 'xmlbuilder2';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { salaryMessages } from '../../adapters/salary/messages.ts';
import { readSignedMessage, validateDocument } from '../../adapters/xml-schemas.ts';
import { sandboxRegisterIdentity } from '../../adapters/sandbox-trust.ts';
import {
  centsToEuroText,
  checkDocumentProfile,
  codeSchema,
  euroAmount,
  headerSchema,
  parseTree,
  rootElement,
  shapeOf,
  writeCode,
  writeHeader,
  XML_LIMITS,
  XmlMessageError,
  type XmlProblem,
} from '../../adapters/xml.ts';

function problemOf(read: () => unknown): XmlProblem {
  try {
    read();
  } catch (err) {
    if (err instanceof XmlMessageError) return err.problem;
    throw err;
  }
  throw new Error('expected the document to be refused');
}

const profile = (xml: string) => checkDocumentProfile(xml, XML_LIMITS);
const CITIZEN = '86095742719';

/** A valid salary answer, to be bent by the tests below. */
function salaryAnswer(): string {
  const header = { messageId: randomUUID(), inReplyTo: randomUUID(), createdAt: '2026-06-15T10:00:00.000Z', sender: 'rvbea', recipient: 'evidence-broker' };
  return salaryMessages.buildAnswer({ header, status: 'nicht-gefunden', idNr: CITIZEN });
}

describe('the message profile every incoming document keeps', () => {
  describe('when a document declares a DOCTYPE or entities', () => {
    it('refuses it before parsing, whatever the case or position', () => {
      const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>';
      expect(problemOf(() => profile(laughs))).to.equal('doctype');
      expect(problemOf(() => profile('<a><!-- <!doctype x> --></a>'))).to.equal('doctype');
      expect(problemOf(() => profile('<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>'))).to.equal('doctype');
    });
  });

  describe('when a document is larger than any message', () => {
    it('refuses it', () => {
      expect(problemOf(() => profile(`<a>${'x'.repeat(600 * 1024)}</a>`))).to.equal('too-large');
      expect(problemOf(() => checkDocumentProfile('<a>ä</a>', { maxBytes: 8, maxDepth: 4 }))).to.equal('too-large'); // bytes, not characters
    });
  });

  describe('when the declaration is not XML 1.0 in UTF-8', () => {
    it('refuses another version, another encoding and a malformed declaration', () => {
      expect(problemOf(() => profile('<?xml version="1.1"?><a/>'))).to.equal('declaration');
      expect(problemOf(() => profile('<?xml version="1.0" encoding="UTF-16"?><a/>'))).to.equal('encoding');
      expect(problemOf(() => profile('<?xml version="1.0" encoding="ISO-8859-1"?><a/>'))).to.equal('encoding');
      expect(problemOf(() => profile('<?xml encoding="UTF-8"?><a/>'))).to.equal('declaration');
    });

    it('accepts a declaration in UTF-8 (any case) and none at all', () => {
      for (const ok of ['<?xml version="1.0" encoding="utf-8"?><a/>', "<?xml version='1.0'?><a/>", '<a/>', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><a/>']) {
        expect(() => profile(ok), ok).not.to.throw();
      }
    });

    it('refuses a byte order mark left after decoding (the decoder removes the one a document may have)', () => {
      expect(problemOf(() => profile('\uFEFF<a/>'))).to.equal('not-well-formed');
    });
  });

  describe('when a document declares namespaces by the hundred', () => {
    it('refuses it before parsing', () => {
      const bomb = `<a ${Array.from({ length: 100 }, (_, i) => `xmlns:p${i}="urn:p:${i}"`).join(' ')}/>`;
      expect(problemOf(() => profile(bomb))).to.equal('too-complex');
    });
  });

  describe('when a document carries processing instructions or CDATA', () => {
    it('refuses them', () => {
      expect(problemOf(() => profile('<?xml version="1.0"?><?xml-stylesheet href="http://example.org/x.xsl"?><a/>'))).to.equal('processing-instruction');
      expect(problemOf(() => profile('<?xml-stylesheet href="x"?><a/>'))).to.equal('processing-instruction');
      expect(problemOf(() => profile('<a><?php echo 1; ?></a>'))).to.equal('processing-instruction');
      expect(problemOf(() => profile('<a><![CDATA[A & B]]></a>'))).to.equal('cdata');
    });
  });
});

describe('schema validation (libxml2-wasm)', () => {
  const schema = salaryMessages.answerSchema;

  it('accepts a valid message', () => {
    expect(() => validateDocument(salaryAnswer(), schema)).not.to.throw();
  });

  it('refuses documents that are not well-formed, naming the line but nothing of the content', () => {
    for (const broken of ['<a><b>text</b>', '<a>Müller & Söhne</a>', '<a>&nbsp;</a>', '<a>&#0;</a>', '<x:a/>', '<a x="1" x="2"/>', '<a/><b/>', '', 'hello']) {
      expect(problemOf(() => validateDocument(broken, schema)), broken).to.equal('not-well-formed');
    }
    expect(() => validateDocument(`<a><idnr>${CITIZEN}</idnr><b></a>`, schema))
      .to.throw(XmlMessageError)
      .with.property('message')
      .that.does.not.include(CITIZEN);
  });

  it('refuses nesting deeper than libxml2 allows as too deep', () => {
    expect(problemOf(() => validateDocument('<a>'.repeat(300) + '</a>'.repeat(300), schema))).to.equal('too-deep');
  });

  it('refuses another root or namespace before validating', () => {
    const valid = salaryAnswer();
    expect(problemOf(() => validateDocument('<hallo/>', schema))).to.equal('wrong-root');
    expect(problemOf(() => validateDocument(valid.replaceAll('urn:xoev-de:evidence-broker:transport:1.1', 'urn:xoev-de:evidence-broker:transport:2.0'), schema))).to.equal(
      'wrong-root',
    );
    // a valid query is a valid document of the same schema set, but not the answer expected here
    const query = salaryMessages.buildQuery({
      header: { messageId: randomUUID(), inReplyTo: null, createdAt: '2026-06-15T10:00:00.000Z', sender: 'evidence-broker', recipient: 'rvbea' },
      reference: 'r',
      requester: 'x',
      purpose: 'elterngeld',
      idNr: CITIZEN,
      period: { from: '2025-01', to: '2025-02' },
      ticket: null,
    });
    expect(problemOf(() => validateDocument(query, schema))).to.equal('wrong-root');
  });

  it('refuses invalid content with the path in the schema’s own names, never a value', () => {
    const valid = salaryAnswer();
    const badIdNr = valid.replace(`<identifikationsnummer>${CITIZEN}</identifikationsnummer>`, '<identifikationsnummer>8609574271</identifikationsnummer>');
    const err = (() => {
      try {
        validateDocument(badIdNr, schema);
      } catch (e) {
        return e as XmlMessageError;
      }
      throw new Error('expected a refusal');
    })();
    expect(err.problem).to.equal('schema-invalid');
    expect(err.message).to.include('invalid value at /umschlag/inhalt/entgeltbescheinigungAntwort/person/identifikationsnummer');
    expect(err.message).not.to.include('8609574271');

    const unknown = valid.replace('<status ', '<geheim>4711-0815</geheim><status ');
    expect(() => validateDocument(unknown, schema)).to.throw(XmlMessageError, /unexpected element at \/umschlag\/inhalt\/entgeltbescheinigungAntwort\/\*/);
    expect(() => validateDocument(unknown, schema)).to.throw(XmlMessageError).with.property('message').that.does.not.include('4711');
  });

  it('refuses a repeated element where one is allowed, and an element in a foreign namespace', () => {
    const valid = salaryAnswer();
    const twice = valid.replace(/(<person>.*?<\/person>)/, '$1$1');
    expect(problemOf(() => validateDocument(twice, schema))).to.equal('schema-invalid');
    const foreign = valid.replace('<person>', '<person xmlns="urn:other">');
    expect(problemOf(() => validateDocument(foreign, schema))).to.equal('schema-invalid');
  });
});

describe('reading a validated document', () => {
  it('decodes the predefined entities once, never twice', () => {
    expect(parseTree('<a x="A &amp;amp; B">&lt;b&gt; &amp;lt; &#228;&#xFC; &quot;&apos;</a>')).to.deep.equal({
      a: { '#text': `<b> &lt; äü "'`, '@_x': 'A &amp; B' },
    });
  });

  it('keeps digits as text (leading zeros matter) and drops namespace prefixes', () => {
    expect(parseTree('<p:a xmlns:p="urn:x"><n>01234567</n></p:a>')).to.deep.equal({ a: { n: '01234567' } });
  });

  it('refuses deeper nesting than the limit', () => {
    expect(problemOf(() => parseTree('<a>'.repeat(40) + '</a>'.repeat(40)))).to.equal('too-deep');
  });

  it('maps the tree to the message shape, naming only the path on a mismatch', () => {
    const shape = rootElement('wurzel', { wert: codeSchema({ listURI: 'urn:x', listVersionID: '1.0' }, ['a']) });
    expect(() => shapeOf({ wurzel: {} }, shape)).to.throw(XmlMessageError, 'wurzel/wert');
    expect(() => shapeOf({ wurzel: { wert: { '@_listURI': 'urn:x', '@_listVersionID': '1.0', code: 'a' } }, zweite: {} }, shape)).to.throw(XmlMessageError);
  });

  it('goes profile → schema → signature → tree → shape in readSignedMessage', () => {
    const rvbea = sandboxRegisterIdentity('rvbea').certPem;
    const tree = readSignedMessage(salaryAnswer(), salaryMessages.answerSchema, z.record(z.string(), z.unknown()), rvbea);
    expect(tree).to.have.property('umschlag');
    expect(problemOf(() => readSignedMessage('<!DOCTYPE x><x/>', salaryMessages.answerSchema, z.unknown(), rvbea))).to.equal('doctype');
  });
});

describe('euro amounts', () => {
  it('travel as euros with two decimals and are held as integer cents', () => {
    for (const cents of [0, 5, 100, 123456, -5, -100050, 99_999_999_999_99]) {
      expect(euroAmount.parse(centsToEuroText(cents))).to.equal(cents);
    }
    expect(centsToEuroText(-5)).to.equal('-0.05');
    for (const bad of ['1.5', '1,50', '01.00', '1e3', '', ' 1.00', '1.000']) expect(euroAmount.safeParse(bad).success, bad).to.equal(false);
  });
});

describe('the message header and typed codes', () => {
  it('round-trip through build and read', () => {
    const header = {
      messageId: '0b7f3f4e-8d0c-4d1e-9a57-2f6f0d7c9b11',
      inReplyTo: null,
      createdAt: '2026-06-15T10:00:00.000Z',
      sender: 'evidence-broker',
      recipient: 'rvbea',
    };
    const list = { listURI: 'urn:de:test:codeliste', listVersionID: '2.1' };
    const root = create().ele('urn:test:1.0', 't:wurzel');
    writeHeader(root, header);
    writeCode(root, 'zweck', list, 'wohngeld');
    const shape = rootElement('wurzel', { nachrichtenkopf: headerSchema, zweck: codeSchema(list, ['elterngeld', 'wohngeld']) });
    expect(shapeOf(parseTree(root.end()), shape)).to.deep.include({ nachrichtenkopf: header, zweck: 'wohngeld' });
  });

  it('refuses a code from another list version', () => {
    const schema = codeSchema({ listURI: 'urn:x', listVersionID: '1.0' }, ['a']);
    expect(schema.safeParse({ '@_listURI': 'urn:x', '@_listVersionID': '1.1', code: 'a' }).success).to.equal(false);
    expect(schema.safeParse({ '@_listURI': 'urn:x', '@_listVersionID': '1.0', code: 'b' }).success).to.equal(false);
  });
});
