// The info pages over HTTP with an operator's own texts file, on SQLite and PostgreSQL: what the file says is
// shown, as text (an HTML-looking value never becomes markup), and a production broker without a file does not start.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sandboxTrust } from '../../adapters/sandbox-trust.ts';
import { ConfigError, envToConfig, readEnv, registerSigningWith } from '../../broker/config/config.ts';
import { createContext } from '../../broker/context.ts';
import { createApp, startBroker, type RunningBroker } from '../../broker/http/server.ts';
import { DEMO_OPERATOR_TEXTS, type OperatorTexts } from '../../broker/pages/info/operator-texts.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { testConfig } from '../helpers/test-config.ts';
import { PageClient } from './page-client.ts';

const MARKUP = '<script>alert("x")</script> & <b>fett</b>';
const CUSTOM: OperatorTexts = {
  impressum: {
    operator: 'Stadt Beispielhausen, Bürgeramt',
    address: ['Rathausplatz 7', '99999 Beispielhausen'],
    representative: `Oberbürgermeisterin Dr. Ada Beispiel ${MARKUP}`,
    contact: { email: 'buergeramt@beispielhausen.example', phone: '+49 9999 123-0' },
    registerEntry: 'Gebietskörperschaft, kein Registereintrag',
    vatId: 'DE999999999',
  },
  privacy: {
    controller: { name: 'Stadt Beispielhausen', address: ['Rathausplatz 7', '99999 Beispielhausen'], contact: { email: 'stadt@beispielhausen.example' } },
    dataProtectionOfficer: { name: 'Herr Daten Schützer', contact: { email: 'dsb@beispielhausen.example', phone: '+49 9999 123-77' } },
    purposes: ['Zweck Nachweisabruf für Wohngeld'],
    legalBases: ['Art. 6 Abs. 1 Buchst. e DSGVO i. V. m. § 23 WoGG'],
    recipients: ['Wohngeldstelle Beispielhausen'],
    retention: ['Protokoll: zwei Jahre'],
    rights: [`Recht auf Auskunft ${MARKUP}`],
    supervisoryAuthority: { name: 'Landesbeauftragte für Datenschutz Beispielland', website: 'https://datenschutz.beispielland.example/' },
  },
  accessibility: {
    date: '2026-11-15',
    status: 'full',
    method: 'BITV-Test durch eine Prüfstelle im Oktober 2026.',
    knownLimitations: [],
    feedback: { email: 'barrierefrei@beispielhausen.example', responseTime: 'Antwort binnen zehn Tagen.' },
    enforcement: { name: 'Durchsetzungsstelle Beispielland', website: 'https://durchsetzung.beispielland.example/' },
  },
};

for (const kind of DATABASE_KINDS) {
  describe(`info pages with the operator's texts (${kind})`, function () {
    this.timeout(60_000);
    let dir: string;
    let drop: (() => Promise<void>) | undefined;
    let broker: RunningBroker;
    let c: PageClient;

    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      dir = mkdtempSync(path.join(tmpdir(), 'operator-texts-http-'));
      const file = path.join(dir, 'texts.json');
      writeFileSync(file, JSON.stringify(CUSTOM, null, 2));
      const database = db.create();
      drop = database.drop;
      // The texts come through the variable, as an operator gives them.
      const { operatorTexts } = envToConfig(readEnv({ OPERATOR_TEXTS_FILE: file }));
      broker = await startBroker(testConfig({ port: 0, databaseUrl: database.url, operatorTexts }));
      c = new PageClient(broker.url);
    });
    after(async () => {
      await broker?.close();
      await drop?.();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('shows the Impressum from the file, markup in a value escaped as text', async () => {
      const res = await c.get('/info/impressum');
      expect(res.status).to.equal(200);
      for (const t of ['Stadt Beispielhausen, Bürgeramt', 'Rathausplatz 7', '99999 Beispielhausen', 'Gebietskörperschaft, kein Registereintrag', 'DE999999999', '+49 9999 123-0']) expect(res.html).to.include(t);
      expect(res.html).to.include('<a href="mailto:buergeramt@beispielhausen.example">');
      expect(res.html).to.include('Dr. Ada Beispiel &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;fett&lt;/b&gt;');
      expect(res.html).not.to.include('<script>alert');
      expect(res.html).not.to.include('<b>fett');
      expect(res.html).not.to.include(DEMO_OPERATOR_TEXTS.impressum.operator);
    });

    it('shows the privacy notice with each part of DSGVO Art. 13 from the file', async () => {
      const res = await c.get('/info/datenschutz');
      expect(res.status).to.equal(200);
      const p = CUSTOM.privacy;
      for (const t of [p.controller.name, 'Herr Daten Schützer', 'dsb@beispielhausen.example', '+49 9999 123-77', p.purposes[0]!, p.legalBases[0]!, p.recipients[0]!, p.retention[0]!, p.supervisoryAuthority.name]) {
        expect(res.html).to.include(t);
      }
      expect(res.html).to.include('<a href="https://datenschutz.beispielland.example/">');
      expect(res.html).to.include('Recht auf Auskunft &lt;script&gt;');
      expect(res.html).not.to.include('<script>alert');
      expect(res.html).not.to.include(DEMO_OPERATOR_TEXTS.privacy.dataProtectionOfficer.contact.email);
    });

    it('shows the accessibility statement: date, status, feedback address and enforcement body from the file', async () => {
      const res = await c.get('/info/barrierefreiheit');
      expect(res.status).to.equal(200);
      for (const t of ['15. November 2026', 'vollständig barrierefrei', 'BITV-Test durch eine Prüfstelle', 'Uns sind keine Barrieren bekannt.', 'Antwort binnen zehn Tagen.', 'Durchsetzungsstelle Beispielland']) {
        expect(res.html).to.include(t);
      }
      expect(res.html).to.include('<a href="mailto:barrierefrei@beispielhausen.example">');
      expect(res.html).to.include('<a href="https://durchsetzung.beispielland.example/">');
      expect(res.html).not.to.include(DEMO_OPERATOR_TEXTS.accessibility.feedback.email);
    });
  });
}

describe('a production broker without OPERATOR_TEXTS_FILE', () => {
  it('refuses to build its pages, naming the variable', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'operator-texts-prod-'));
    const ctx = await createContext(testConfig({ databaseUrl: `file:${path.join(dir, 'b.db')}`, mode: 'production', operatorTexts: null, registerSigning: registerSigningWith(sandboxTrust().broker) }));
    try {
      expect(() => createApp(ctx)).to.throw(ConfigError, /^invalid OPERATOR_TEXTS_FILE: production mode needs the operator's Impressum, privacy notice and accessibility statement/);
      // The same broker with the texts given builds its pages.
      expect(() => createApp({ ...ctx, cfg: { ...ctx.cfg, operatorTexts: DEMO_OPERATOR_TEXTS } })).not.to.throw();
    } finally {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
