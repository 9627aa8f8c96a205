// The operator's texts file (OPERATOR_TEXTS_FILE): its schema, the example that documents it, and how start-up
// reads it — a bad file names the field, production refuses to run on the demo's texts.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, envToConfig, readEnv } from '../../broker/config/config.ts';
import { DEMO_OPERATOR_TEXTS, parseOperatorTexts, type OperatorTexts } from '../../broker/pages/info/operator-texts.ts';
import { operatorTextsOf } from '../../broker/pages/info/routes.ts';

const EXAMPLE = path.join(import.meta.dirname, '../../docs/operator-texts.example.json');
/** The demo's texts with one change made by `edit` on a deep copy. */
const changed = (edit: (t: Record<string, any>) => void): string => {
  const copy = structuredClone(DEMO_OPERATOR_TEXTS) as Record<string, any>;
  edit(copy);
  return JSON.stringify(copy);
};
const errorOf = (json: string) => {
  const parsed = parseOperatorTexts(json);
  return parsed.ok ? null : parsed.error;
};

describe('operator texts', () => {
  describe('the schema', () => {
    it('accepts the committed example, which holds exactly the built-in demo texts', () => {
      const parsed = parseOperatorTexts(readFileSync(EXAMPLE, 'utf8'));
      expect(parsed.ok).to.equal(true);
      expect(parsed.ok && parsed.texts).to.deep.equal(DEMO_OPERATOR_TEXTS);
    });

    it('names the field of a missing, empty or malformed value', () => {
      expect(errorOf(changed((t) => delete t.privacy.dataProtectionOfficer))).to.equal('privacy.dataProtectionOfficer: is missing');
      expect(errorOf(changed((t) => (t.privacy.dataProtectionOfficer.contact.email = 'nobody')))).to.equal('privacy.dataProtectionOfficer.contact.email: must be an e-mail address');
      expect(errorOf(changed((t) => (t.impressum.operator = '   ')))).to.equal('impressum.operator: must not be empty');
      expect(errorOf(changed((t) => (t.privacy.purposes = [])))).to.equal('privacy.purposes: must list at least one entry');
      expect(errorOf(changed((t) => (t.accessibility.date = '1.12.2026')))).to.equal('accessibility.date: must be a date YYYY-MM-DD');
      expect(errorOf(changed((t) => (t.accessibility.status = 'mostly')))).to.match(/^accessibility\.status: must be "full", "partial" or "none"/);
    });

    it('refuses a misspelt field rather than dropping it, and a link that is not http(s)', () => {
      expect(errorOf(changed((t) => (t.impressum.vatID = 'DE123456789')))).to.equal('impressum.vatID: is not a known field');
      expect(errorOf(changed((t) => (t.accessibility.enforcement.website = 'javascript:alert(1)')))).to.equal('accessibility.enforcement.website: must be an http(s) URL');
    });

    it('says when the file is not JSON at all', () => {
      expect(errorOf('{"impressum": ')).to.match(/^not JSON \(/);
      expect(errorOf('[]')).to.match(/^\(the document\): /);
    });

    it('keeps an optional VAT id and an empty list of known limitations', () => {
      const parsed = parseOperatorTexts(changed((t) => { t.impressum.vatId = 'DE123456789'; t.accessibility.knownLimitations = []; }));
      expect(parsed.ok && parsed.texts.impressum.vatId).to.equal('DE123456789');
      expect(parsed.ok && parsed.texts.accessibility.knownLimitations).to.deep.equal([]);
    });
  });

  describe('at start-up', () => {
    let dir: string;
    before(() => (dir = mkdtempSync(path.join(tmpdir(), 'operator-texts-'))));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, content: string) => {
      const p = path.join(dir, name);
      writeFileSync(p, content);
      return p;
    };

    it('reads OPERATOR_TEXTS_FILE into the configuration', () => {
      const custom: OperatorTexts = { ...DEMO_OPERATOR_TEXTS, impressum: { ...DEMO_OPERATOR_TEXTS.impressum, operator: 'Stadt Beispielhausen' } };
      const cfg = envToConfig(readEnv({ OPERATOR_TEXTS_FILE: file('ok.json', JSON.stringify(custom)) }));
      expect(cfg.operatorTexts?.impressum.operator).to.equal('Stadt Beispielhausen');
      expect(envToConfig(readEnv({})).operatorTexts).to.equal(null);
    });

    it('stops with one line naming the variable, the file and the field', () => {
      const bad = file('bad.json', changed((t) => (t.privacy.supervisoryAuthority.name = '')));
      expect(() => envToConfig(readEnv({ OPERATOR_TEXTS_FILE: bad }))).to.throw(ConfigError, `invalid OPERATOR_TEXTS_FILE: ${bad}: privacy.supervisoryAuthority.name: must not be empty`);
      const missing = path.join(dir, 'absent.json');
      expect(() => envToConfig(readEnv({ OPERATOR_TEXTS_FILE: missing }))).to.throw(ConfigError, `invalid OPERATOR_TEXTS_FILE: ${missing} cannot be read`);
    });

    it('shows the demo texts without a file in development, and refuses production without one', () => {
      expect(operatorTextsOf({ mode: 'development', operatorTexts: null })).to.equal(DEMO_OPERATOR_TEXTS);
      expect(() => operatorTextsOf({ mode: 'production', operatorTexts: null })).to.throw(ConfigError, /^invalid OPERATOR_TEXTS_FILE: production mode needs/);
      const own = structuredClone(DEMO_OPERATOR_TEXTS);
      expect(operatorTextsOf({ mode: 'production', operatorTexts: own })).to.equal(own);
    });
  });
});
