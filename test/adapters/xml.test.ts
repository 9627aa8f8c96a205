// The safe XML reader and the shared XÖV building blocks, without I/O.
import { expect } from 'chai';
import { z } from 'zod';
import { create } from 'xmlbuilder2';
import {
  centsToEuroText,
  codeSchema,
  euroAmount,
  headerSchema,
  parseMessage,
  parseXmlSafely,
  rootElement,
  writeCode,
  writeHeader,
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

describe('reading untrusted XML', () => {
  describe('when a document declares a DOCTYPE or entities', () => {
    it('refuses it before parsing, whatever the case or position', () => {
      const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>';
      expect(problemOf(() => parseXmlSafely(laughs))).to.equal('doctype');
      expect(problemOf(() => parseXmlSafely('<a><!-- <!doctype x> --></a>'))).to.equal('doctype');
      expect(problemOf(() => parseXmlSafely('<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>'))).to.equal('doctype');
    });
  });

  describe('when a document is larger or deeper than any message', () => {
    it('refuses it', () => {
      expect(problemOf(() => parseXmlSafely(`<a>${'x'.repeat(600 * 1024)}</a>`))).to.equal('too-large');
      const deep = '<a>'.repeat(40) + '</a>'.repeat(40);
      expect(problemOf(() => parseXmlSafely(deep))).to.equal('too-deep');
      expect(parseXmlSafely('<a>'.repeat(10) + '</a>'.repeat(10))).to.be.an('object');
    });
  });

  describe('when a document is not well-formed', () => {
    it('refuses truncation, bare ampersands, undeclared entities and forbidden characters', () => {
      expect(problemOf(() => parseXmlSafely('<a><b>text</b>'))).to.equal('not-well-formed');
      expect(problemOf(() => parseXmlSafely('<a>Müller & Söhne</a>'))).to.equal('not-well-formed');
      expect(problemOf(() => parseXmlSafely('<a>&nbsp;</a>'))).to.equal('not-well-formed');
      expect(problemOf(() => parseXmlSafely('<a>&#0;</a>'))).to.equal('not-well-formed');
      expect(problemOf(() => parseXmlSafely('<a><__proto__>x</__proto__></a>'))).to.equal('not-well-formed');
    });

    it('does not quote the document in its message', () => {
      expect(() => parseXmlSafely('<a><idnr>86095742719</idnr><b></a>'))
        .to.throw(XmlMessageError)
        .with.property('message')
        .that.does.not.include('86095742719');
    });

    it('refuses CDATA sections, which these messages never use', () => {
      expect(problemOf(() => parseXmlSafely('<a><![CDATA[A & B]]></a>'))).to.equal('cdata');
    });
  });

  describe('when a document uses the predefined entities', () => {
    it('decodes them once, never twice', () => {
      expect(parseXmlSafely('<a x="A &amp;amp; B">&lt;b&gt; &amp;lt; &#228;&#xFC; &quot;&apos;</a>')).to.deep.equal({
        a: { '#text': `<b> &lt; äü "'`, '@_x': 'A &amp; B' },
      });
    });

    it('keeps digits as text (leading zeros matter)', () => {
      expect(parseXmlSafely('<a><n>01234567</n></a>')).to.deep.equal({ a: { n: '01234567' } });
    });
  });

  describe('when a document has the wrong shape', () => {
    const schema = rootElement('wurzel', 'urn:test:1.0', { wert: z.string() });
    it('refuses another namespace, a second root and missing elements, naming only the path', () => {
      expect(parseMessage('<wurzel xmlns="urn:test:1.0"><wert>x</wert></wurzel>', schema)).to.deep.include({ wert: 'x' });
      expect(problemOf(() => parseMessage('<wurzel xmlns="urn:test:2.0"><wert>x</wert></wurzel>', schema))).to.equal('unexpected-shape');
      expect(problemOf(() => parseMessage('<wurzel xmlns="urn:test:1.0"><wert>x</wert></wurzel><b/>', schema))).to.equal('unexpected-shape');
      expect(() => parseMessage('<wurzel xmlns="urn:test:1.0"/>', schema)).to.throw(XmlMessageError, 'wurzel/wert');
    });
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
    const root = create().ele('urn:test:1.0', 'wurzel');
    writeHeader(root, header);
    writeCode(root, 'zweck', list, 'wohngeld');
    const schema = rootElement('wurzel', 'urn:test:1.0', { nachrichtenkopf: headerSchema, zweck: codeSchema(list, ['elterngeld', 'wohngeld']) });
    expect(parseMessage(root.end(), schema)).to.deep.include({ nachrichtenkopf: header, zweck: 'wohngeld' });
  });

  it('refuses a code from another list version', () => {
    const schema = codeSchema({ listURI: 'urn:x', listVersionID: '1.0' }, ['a']);
    expect(schema.safeParse({ '@_listURI': 'urn:x', '@_listVersionID': '1.1', code: 'a' }).success).to.equal(false);
    expect(schema.safeParse({ '@_listURI': 'urn:x', '@_listVersionID': '1.0', code: 'b' }).success).to.equal(false);
  });
});
