// Signed register messages (adapters/signing.ts): every query is signed by the broker and every answer by its
// register; each side verifies with the certificate it pins for the other and reads only what was signed.
// An attacker between broker and register (a tampering proxy here) can strip, change, re-sign or re-wrap an
// answer: the item is refused with <TYPE>_BAD_SIGNATURE (or _MALFORMED_ANSWER where the envelope schema
// already refuses it), and the other registers still deliver.
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { randomUUID, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import { issueEcdsaSigningIdentity, issueSigningIdentity, sandboxBrokerIdentity, sandboxRegisterIdentity, sandboxTrust } from '../../adapters/sandbox-trust.ts';
import { onFirstUse } from '../../adapters/register-exchange.ts';
import { SignatureError, XMLDSIG_NAMESPACE } from '../../adapters/signature-profile.ts';
import { verifyEnvelope } from '../../adapters/signature-verification.ts';
import type { SimulatorHandle } from '../../adapters/simulator-server.ts';
import type { SigningIdentity } from '../../adapters/signing-keys.ts';
import { ConfigError, envToConfig, readEnv, registerSigningWith } from '../../broker/config/config.ts';
import { EVIDENCE_TYPES, evidenceTypeOf, type EvidenceType } from '../../adapters/index.ts';
import { createCa } from '../../broker/directory/ca.ts';
import { sandboxDirectoryEntries } from '../../broker/directory/sandbox-directory.ts';
import { loadBrokerSigning } from '../../broker/config/secrets.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';
import { testDatabase } from '../helpers/databases.ts';
import { clock, failureOf, inTime, registerRequest, REGISTERS, resigned, SENDER, withoutSignature, type RegisterUnderTest } from './fixtures.ts';
import { ATTACKS, signOtherwise, startTamperingProxy, type AttackKeys, type TamperingProxy } from './signature-attacks.ts';
import { sandboxAdapterKeys } from '../helpers/sandbox-adapter-keys.ts';

const CITIZEN = DEMO_CITIZENS[1]!;

/**
 * Keys an attacker might hold, per register (the one `registerOf` names for each type, signing with an RSA
 * sandbox key): its own key, another register's sandbox key, and one of the attacker's own CA.
 */
function attackKeys(registerOf: (type: EvidenceType) => string): Record<EvidenceType, AttackKeys> {
  const rogueCa = createCa('Rogue CA');
  // Each register's "other" is the one before it in the list (the first's is the last).
  return Object.fromEntries(
    EVIDENCE_TYPES.map((type, i) => {
      const other = EVIDENCE_TYPES[(i + EVIDENCE_TYPES.length - 1) % EVIDENCE_TYPES.length]!;
      const register = registerOf(type);
      return [type, { register, own: sandboxRegisterIdentity(register), anotherRegister: sandboxRegisterIdentity(registerOf(other)), foreignCa: issueSigningIdentity(rogueCa, register, 'not the register') }];
    }),
  ) as Record<EvidenceType, AttackKeys>;
}

/** A type's simulator started alone answers as its register family ('rvbea', …), with that family's sandbox key. */
const familyOf = (type: EvidenceType) => evidenceTypeOf(type).register.id;

const signatures = (xml: string) => xml.match(new RegExp(`<ds:Signature xmlns:ds="${XMLDSIG_NAMESPACE}">`, 'g')) ?? [];

describe('signed register messages', function () {
  this.timeout(120_000);
  let keys: Record<EvidenceType, AttackKeys>;
  before(() => {
    keys = attackKeys(familyOf);
  });

  for (const register of REGISTERS) {
    describe(`between the adapter and the ${register.type} register`, () => {
      let sim: SimulatorHandle;
      let proxy: TamperingProxy;
      before(async () => {
        sim = await register.start({ clock });
        proxy = await startTamperingProxy(sim.url);
      });
      beforeEach(() => {
        proxy.tamper = (xml) => xml;
        proxy.echo = (id) => id;
        proxy.exchanges.length = 0;
      });
      after(async () => {
        await proxy.close();
        await sim.close();
      });
      const adapter = () => register.adapter({ baseUrl: proxy.url, sender: SENDER, clock, ...sandboxAdapterKeys(register.type) });

      it('signs the query with the broker key and reads the answer signed by the register: a round trip', async () => {
        const outcome = await adapter().fetchEvidence(registerRequest(CITIZEN), inTime());
        expect(outcome.status).to.equal('delivered');
        expect(proxy.exchanges).to.have.length(1);
        const { request, answer } = proxy.exchanges[0]!;
        for (const xml of [request, answer]) {
          expect(signatures(xml)).to.have.length(1);
          expect(xml).to.match(/<\/inhalt><ds:Signature [^>]*>[\s\S]*<\/ds:Signature><\/transport:umschlag>$/); // last child of the envelope
          expect(xml).to.include('Algorithm="http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"');
          expect(xml).not.to.include('KeyInfo'); // the receiver knows the key; the message does not bring one
        }
        const trust = sandboxTrust();
        expect(verifyEnvelope(request, trust.broker.certPem).canonical).to.match(/^<inhalt Id="inhalt-[0-9a-f-]{36}">/);
        expect(() => verifyEnvelope(request, keys[register.type].own.certPem)).to.throw(SignatureError);
        expect(verifyEnvelope(answer, keys[register.type].own.certPem).canonical).to.include(CITIZEN);
        expect(() => verifyEnvelope(answer, trust.broker.certPem)).to.throw(SignatureError);
      });

      for (const attack of ATTACKS) {
        it(`refuses an answer with ${attack.name} as ${register.codePrefix}_${attack.kind}`, async () => {
          proxy.tamper = (xml) => attack.forge(xml, keys[register.type]);
          const err = await failureOf(adapter().fetchEvidence(registerRequest(CITIZEN), inTime()));
          expect(err.code).to.equal(`${register.codePrefix}_${attack.kind}`);
          expect(err.message).to.match(attack.reason);
          expect(err.message).not.to.include(CITIZEN);
        });
      }

      it('refuses an answer a register signed for another message (a replay) as not a reply to ours', async () => {
        let old = '';
        proxy.tamper = (xml) => (old ||= xml);
        await adapter().fetchEvidence(registerRequest(CITIZEN), inTime());
        const err = await failureOf(adapter().fetchEvidence(registerRequest(CITIZEN), inTime()));
        expect(err.code).to.equal(`${register.codePrefix}_REJECTED_ANSWER`);
        expect(err.message).to.equal('answer is not a reply to our message');
      });
    });
  }

  describe('a register simulator receiving queries', () => {
    const register = REGISTERS[0]!;
    let sim: SimulatorHandle;
    let query: () => string;
    before(async () => {
      sim = await register.start({ clock });
      const proxy = await startTamperingProxy(sim.url);
      await register.adapter({ baseUrl: proxy.url, sender: SENDER, clock, ...sandboxAdapterKeys(register.type) }).fetchEvidence(registerRequest(CITIZEN), inTime());
      const captured = proxy.exchanges[0]!.request;
      await proxy.close();
      // A fresh message each time (a new message id, signed again by the broker).
      query = () => register.messages.buildQuery({ ...register.messages.parseQuery(captured), header: { ...register.messages.parseQuery(captured).header, messageId: randomUUID() } });
    });
    after(() => sim.close());
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(sim.url, { method: 'POST', headers: { 'content-type': 'application/xml', ...headers }, body });

    it('answers a query the broker signed', async () => {
      expect((await post(query())).status).to.equal(200);
    });

    it('refuses with 401, in every fault mode, a query that is unsigned, signed with another key, changed after signing, or re-wrapped', async () => {
      const rogue = keys.salary.foreignCa;
      const forged: Record<string, string> = {
        unsigned: withoutSignature(query()),
        'signed by a register': resigned(query(), 'rvbea'),
        'signed by another CA, certificate in KeyInfo': signOtherwise(withoutSignature(query()), rogue, { keyInfo: true }),
        'changed after signing': query().replace('<code>elterngeld</code>', '<code>wohngeld</code>'),
        'signed inhalt hidden, forged one under its Id': (() => {
          const q = query();
          const inhalt = /<inhalt Id="[^"]+">[\s\S]*<\/inhalt>/.exec(q)![0];
          return q.replace(inhalt, inhalt.replace('<code>elterngeld</code>', '<code>wohngeld</code>')).replace('</ds:SignatureValue>', `</ds:SignatureValue><ds:KeyInfo>${inhalt}</ds:KeyInfo>`);
        })(),
      };
      expect(forged['changed after signing']).to.include('wohngeld');
      for (const fault of ['none', 'pending', 'http-500'] as const) {
        sim.setBehaviour({ fault });
        for (const [what, body] of Object.entries(forged)) {
          const res = await post(body);
          expect(res.status, `${what} (${fault})`).to.equal(401);
          expect(res.headers.get('www-authenticate')).to.equal('XMLDSig');
          expect(await res.text()).to.match(/^request refused: (the envelope|the signature|the signed inhalt|another element)/).and.not.include(CITIZEN);
        }
      }
      sim.reset();
    });

    it('echoes the request id (well-formed ones only) on its answers and its refusals', async () => {
      const ok = await post(query(), { 'x-request-id': 'req-4711.a_b' });
      expect(ok.headers.get('x-request-id')).to.equal('req-4711.a_b');
      const refused = await post(withoutSignature(query()), { 'x-request-id': 'req-4712' });
      expect([refused.status, refused.headers.get('x-request-id')]).to.deep.equal([401, 'req-4712']);
      const odd = await post(query(), { 'x-request-id': 'no spaces or <tags> please' });
      expect(odd.headers.get('x-request-id')).to.equal(null);
    });
  });

  describe('when the register pins another broker', () => {
    it('refuses our queries with 401, reported as SALARY_UPSTREAM_ERROR', async () => {
      const sim = await REGISTERS[0]!.start({ clock, brokerCertificates: [keys.salary.foreignCa.certPem] });
      try {
        const err = await failureOf(REGISTERS[0]!.adapter({ baseUrl: sim.url, sender: SENDER, clock, ...sandboxAdapterKeys('salary') }).fetchEvidence(registerRequest(CITIZEN), inTime()));
        expect(err.code).to.equal('SALARY_UPSTREAM_ERROR');
        expect(err.message).to.equal('register answered HTTP 401');
      } finally {
        await sim.close();
      }
    });
  });

  describe('the request id carried to a register and back', () => {
    const register: RegisterUnderTest = REGISTERS[2]!;
    let sim: SimulatorHandle;
    let proxy: TamperingProxy;
    before(async () => {
      sim = await register.start({ clock });
      proxy = await startTamperingProxy(sim.url);
    });
    after(async () => {
      await proxy.close();
      await sim.close();
    });
    const fetchWith = (correlationId?: string) =>
      register.adapter({ baseUrl: proxy.url, sender: SENDER, clock, ...sandboxAdapterKeys(register.type) }).fetchEvidence(registerRequest(CITIZEN, correlationId === undefined ? {} : { correlationId }), inTime());

    it('is sent as X-Request-Id and accepted when echoed or not echoed at all', async () => {
      expect((await fetchWith('6f1d2c3a-4b5e-4f60-8a71-92b3c4d5e6f7')).status).to.equal('delivered');
      expect(proxy.exchanges.at(-1)!.requestId).to.equal('6f1d2c3a-4b5e-4f60-8a71-92b3c4d5e6f7');
      proxy.echo = () => null;
      expect((await fetchWith('req-1')).status).to.equal('delivered');
      proxy.echo = (id) => id;
    });

    it('is not sent when it is not of the allowed form, and none is sent without one', async () => {
      expect((await fetchWith('two words')).status).to.equal('delivered');
      expect(proxy.exchanges.at(-1)!.requestId).to.equal(null);
      expect((await fetchWith()).status).to.equal('delivered');
      expect(proxy.exchanges.at(-1)!.requestId).to.equal(null);
    });

    it('refuses an answer that echoes another request id as INCOME_REJECTED_ANSWER', async () => {
      proxy.echo = () => 'someone-elses-request';
      try {
        const err = await failureOf(fetchWith('req-2'));
        expect(err.code).to.equal('INCOME_REJECTED_ANSWER');
        expect(err.message).to.equal('answer carries another request id');
      } finally {
        proxy.echo = (id) => id;
      }
    });
  });

  describe('through the broker, an attacker rewriting one register’s answers', () => {
    let h: Harness;
    let proxies: Record<EvidenceType, TamperingProxy>;
    // The instances ROUTING reaches are each type's first sandbox instance (all of them RSA).
    let instanceKeys: Record<EvidenceType, AttackKeys>;
    before(async function () {
      const db = await testDatabase('sqlite');
      if (!db) return this.skip();
      instanceKeys = attackKeys((type) => evidenceTypeOf(type).sandboxInstances[0].id);
      const started = await Promise.all(EVIDENCE_TYPES.map(() => startTamperingProxy()));
      proxies = Object.fromEntries(EVIDENCE_TYPES.map((t, i) => [t, started[i]!])) as Record<EvidenceType, TamperingProxy>;
      h = await startHarness(db);
      // The attacker sits on the way to every instance: the directory's endpoints lead through its proxies.
      for (const type of EVIDENCE_TYPES) proxies[type].target = h.sims.baseUrls[type];
      const throughProxies = sandboxDirectoryEntries(h.sims.instances, new Date()).map((e) => ({
        ...e,
        definition: { ...e.definition, endpointUrl: `${proxies[e.definition.evidenceType].url}/${e.definition.id}` },
      }));
      await h.broker.ctx.registers.import(throughProxies);
      await h.broker.ctx.directory.refresh();
      const consent = await h.call('POST', '/v1/consents', {
        body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: [...EVIDENCE_TYPES], purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
      });
      expect(consent.status).to.equal(201);
    });
    after(async () => {
      await h?.close();
      if (proxies) await Promise.all(Object.values(proxies).map((p) => p.close()));
    });
    const ask = (caseReference: string) =>
      h.call('POST', '/v1/evidence-requests', {
        body: { citizen: { idNr: CITIZEN }, evidenceTypes: [...EVIDENCE_TYPES], purpose: 'elterngeld', caseReference, period: { from: '2025-01', to: '2025-12' }, routing: ROUTING },
      });

    it('delivers every type when nobody interferes (signed both ways, pinned both ways)', async () => {
      const res = await ask('EG-2026-SIG-0');
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.status).to.equal('complete');
      // Every answer passed the attacker's proxy: what the tests below rewrite is what the broker reads.
      for (const type of EVIDENCE_TYPES) expect(proxies[type].exchanges, type).to.have.length(1);
    });

    ATTACKS.forEach((attack, i) => {
      // One register after the other, so no circuit opens: each sees an honest call between two attacks.
      const type = EVIDENCE_TYPES[i % EVIDENCE_TYPES.length]!;
      const prefix = type.replace('-', '_').toUpperCase();
      it(`refuses the ${type} item with ${attack.name} (${prefix}_${attack.kind}) and delivers the others`, async () => {
        proxies[type].tamper = (xml) => attack.forge(xml, instanceKeys[type]);
        try {
          const res = await ask(`EG-2026-SIG-${i + 1}`);
          expect(res.status, JSON.stringify(res.body)).to.equal(201);
          expect(res.body.status).to.equal('partial');
          for (const item of res.body.evidence as { type: EvidenceType; status: string; data: unknown; reason?: { code: string } }[]) {
            if (item.type === type) {
              expect(item).to.deep.include({ status: 'unavailable', data: null });
              expect(item.reason?.code).to.equal(`${prefix}_${attack.kind}`);
            } else {
              expect(item.status, item.type).to.equal('delivered');
            }
          }
          expect(JSON.stringify(res.body)).not.to.include('99999.99').and.not.include('9999999');
        } finally {
          proxies[type].tamper = (xml) => xml;
        }
      });
    });
  });

  describe('configuration of the broker’s signing keys', () => {
    let dir: string;
    let ecdsa: SigningIdentity;
    const files = (overrides: Record<string, string> = {}): Record<string, string> => ({
      BROKER_SIGNING_KEY_FILE: path.join(dir, 'broker.key'),
      BROKER_SIGNING_CERT_FILE: path.join(dir, 'broker.crt'),
      BROKER_ECDSA_SIGNING_KEY_FILE: path.join(dir, 'broker-ecdsa.key'),
      BROKER_ECDSA_SIGNING_CERT_FILE: path.join(dir, 'broker-ecdsa.crt'),
      ...overrides,
    });
    const without = (env: Record<string, string>, ...names: string[]) => Object.fromEntries(Object.entries(env).filter(([k]) => !names.includes(k)));
    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'broker-signing-'));
      const trust = sandboxTrust();
      ecdsa = await sandboxBrokerIdentity('ecdsa-p256-sha256');
      writeFileSync(path.join(dir, 'broker.key'), trust.broker.keyPem, { mode: 0o600 });
      writeFileSync(path.join(dir, 'broker.crt'), trust.broker.certPem);
      writeFileSync(path.join(dir, 'broker-ecdsa.key'), ecdsa.keyPem, { mode: 0o600 });
      writeFileSync(path.join(dir, 'broker-ecdsa.crt'), ecdsa.certPem);
      writeFileSync(path.join(dir, 'other.key'), keys.salary.foreignCa.keyPem, { mode: 0o600 });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('gives the register clients the sandbox key set in development, made on the first query, not with the context (the admin tool queries none)', () => {
      // A fresh process: this one made its sandbox keys long ago. A real directory holds one ECDSA instance (its
      // certificate from a CA of the test's, not the sandbox's) at port 9, which refuses: the query is signed, then fails.
      const script = [
        "import { mkdtempSync, rmSync } from 'node:fs';",
        "import { tmpdir } from 'node:os';",
        "import path from 'node:path';",
        "import pino from 'pino';",
        "import { issueEcdsaSigningIdentity, sandboxTrustMade } from './adapters/sandbox-trust.ts';",
        "import { loadBrokerSigning } from './broker/config/secrets.ts';",
        "import { openDatabase } from './broker/db/database.ts';",
        "import { createCa } from './broker/directory/ca.ts';",
        "import { RegisterClients } from './broker/directory/register-clients.ts';",
        "import { RegisterDirectory } from './broker/directory/register-directory.ts';",
        "import { pinnedCertificateOf, RegisterStore } from './broker/directory/register-store.ts';",
        "const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-first-use-'));",
        "const database = await openDatabase('file:' + path.join(dir, 'b.db'));",
        'const now = new Date();',
        'const clock = () => now;',
        'const store = new RegisterStore(database.prisma, clock);',
        "const own = await issueEcdsaSigningIdentity(createCa('Register CA'), 'gkv-tk', 'Techniker Krankenkasse');",
        "const definition = { id: 'gkv-tk', evidenceType: 'maternity-benefit', name: 'TK', endpointUrl: 'http://127.0.0.1:9/gkv-tk', jurisdiction: { kind: 'insurer', values: ['101575519'] }, purposes: ['elterngeld'], participants: null, enabled: true, mutualTls: false };",
        "await store.add({ definition, certificates: [pinnedCertificateOf(own.certPem, 'gkv-tk', now)] });",
        "const directory = new RegisterDirectory(store, clock, pino({ level: 'silent' }));",
        'await directory.refresh();',
        "const clients = new RegisterClients(directory, { sender: 'test', clock, signing: loadBrokerSigning({ registerSigning: 'sandbox', mode: 'development' }) });",
        "const adapter = clients.adapterFor(directory.instance('gkv-tk'));",
        'process.stdout.write(String(sandboxTrustMade()));',
        "const req = { requestId: 'r', idNr: '1', purpose: 'elterngeld', requester: 'test', period: { from: '2025-01', to: '2025-12' } };",
        'await adapter.fetchEvidence(req, AbortSignal.timeout(60000)).catch(() => {});',
        "process.stdout.write(',' + String(sandboxTrustMade()));",
        'await database.close();',
        'rmSync(dir, { recursive: true, force: true });',
      ].join('\n');
      const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8' });
      expect(child.stderr).to.equal('');
      expect(child.stdout).to.equal('false,true');
    });

    it('reads each identity’s two variables together, the RSA one always beside the ECDSA one, or none (the sandbox key set, development only)', async () => {
      expect(envToConfig(readEnv({})).registerSigning).to.equal('sandbox');
      expect(() => envToConfig(readEnv(without(files(), 'BROKER_SIGNING_CERT_FILE')))).to.throw(
        ConfigError,
        /^invalid BROKER_SIGNING_CERT_FILE: BROKER_SIGNING_KEY_FILE and BROKER_SIGNING_CERT_FILE go together$/,
      );
      expect(() => envToConfig(readEnv(without(files(), 'BROKER_ECDSA_SIGNING_KEY_FILE')))).to.throw(
        ConfigError,
        /^invalid BROKER_ECDSA_SIGNING_KEY_FILE: BROKER_ECDSA_SIGNING_KEY_FILE and BROKER_ECDSA_SIGNING_CERT_FILE go together$/,
      );
      expect(() => envToConfig(readEnv(without(files(), 'BROKER_SIGNING_KEY_FILE', 'BROKER_SIGNING_CERT_FILE')))).to.throw(
        ConfigError,
        /^invalid BROKER_SIGNING_KEY_FILE: the RSA identity is needed beside the ECDSA one$/,
      );
      // The registers' certificates are pinned in the directory now: the variables of the time before are refused.
      expect(() => readEnv({ ...files(), SALARY_REGISTER_CERT_FILE: path.join(dir, 'broker.crt') })).to.throw(ConfigError, /^invalid SALARY_REGISTER_CERT_FILE: registers are entries of the register directory/);

      const signing = envToConfig(readEnv(files())).registerSigning;
      expect(signing).to.deep.equal({
        rsa: { key: { file: files().BROKER_SIGNING_KEY_FILE }, certificate: { file: files().BROKER_SIGNING_CERT_FILE } },
        ecdsa: { key: { file: files().BROKER_ECDSA_SIGNING_KEY_FILE }, certificate: { file: files().BROKER_ECDSA_SIGNING_CERT_FILE } },
      });
      expect(loadBrokerSigning({ registerSigning: signing, mode: 'production' })).to.deep.equal({ rsa: sandboxTrust().broker, ecdsa });
      const rsaOnly = envToConfig(readEnv(without(files(), 'BROKER_ECDSA_SIGNING_KEY_FILE', 'BROKER_ECDSA_SIGNING_CERT_FILE'))).registerSigning;
      expect(loadBrokerSigning({ registerSigning: rsaOnly, mode: 'production' })).to.deep.equal({ rsa: sandboxTrust().broker, ecdsa: null });

      const development = loadBrokerSigning({ registerSigning: 'sandbox', mode: 'development' });
      expect(await onFirstUse(development.rsa)()).to.deep.equal(sandboxTrust().broker);
      expect(development.ecdsa).not.to.equal(null);
      expect(await onFirstUse(development.ecdsa!)()).to.deep.equal(ecdsa);
    });

    it('refuses at start-up: the sandbox in production, a key that is not the certificate’s, an identity of the other profile, an unreadable file, a file without a certificate', async () => {
      expect(() => loadBrokerSigning({ registerSigning: 'sandbox', mode: 'production' })).to.throw(ConfigError, /^invalid BROKER_SIGNING_KEY_FILE: production mode/);
      const load = (env: Record<string, string>) => loadBrokerSigning({ registerSigning: envToConfig(readEnv(files(env))).registerSigning, mode: 'production' });
      expect(() => load({ BROKER_SIGNING_KEY_FILE: path.join(dir, 'other.key') })).to.throw(ConfigError, /^invalid BROKER_SIGNING_KEY_FILE: .*does not belong to the certificate/);
      expect(() => load({ BROKER_ECDSA_SIGNING_KEY_FILE: path.join(dir, 'other.key') })).to.throw(ConfigError, /^invalid BROKER_ECDSA_SIGNING_KEY_FILE: .*does not belong to the certificate/);
      expect(() => load({ BROKER_SIGNING_CERT_FILE: path.join(dir, 'missing.crt') })).to.throw(ConfigError, /^invalid BROKER_SIGNING_CERT_FILE: .*cannot be read/);
      expect(() => load({ BROKER_ECDSA_SIGNING_KEY_FILE: path.join(dir, 'missing.key') })).to.throw(ConfigError, /^invalid BROKER_ECDSA_SIGNING_KEY_FILE: .*cannot be read/);
      expect(() => load({ BROKER_ECDSA_SIGNING_CERT_FILE: path.join(dir, 'broker-ecdsa.key') })).to.throw(ConfigError, /^invalid BROKER_ECDSA_SIGNING_CERT_FILE: .*not a PEM X.509 certificate/);
      // Each variable pair is of its profile: the ECDSA identity in the RSA variables (or the other way round) is refused.
      const swapped = {
        BROKER_SIGNING_KEY_FILE: path.join(dir, 'broker-ecdsa.key'),
        BROKER_SIGNING_CERT_FILE: path.join(dir, 'broker-ecdsa.crt'),
        BROKER_ECDSA_SIGNING_KEY_FILE: path.join(dir, 'broker.key'),
        BROKER_ECDSA_SIGNING_CERT_FILE: path.join(dir, 'broker.crt'),
      };
      expect(() => load(swapped)).to.throw(ConfigError, /^invalid BROKER_SIGNING_CERT_FILE: must carry an RSA key$/);
      expect(() => load({ BROKER_ECDSA_SIGNING_KEY_FILE: swapped.BROKER_ECDSA_SIGNING_KEY_FILE, BROKER_ECDSA_SIGNING_CERT_FILE: swapped.BROKER_ECDSA_SIGNING_CERT_FILE })).to.throw(
        ConfigError,
        /^invalid BROKER_ECDSA_SIGNING_CERT_FILE: must carry an ECDSA P-256 key$/,
      );
      const ed25519 = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const broker = sandboxTrust().broker;
      expect(() => loadBrokerSigning({ registerSigning: registerSigningWith({ keyPem: ed25519, certPem: broker.certPem }), mode: 'development' })).to.throw(
        ConfigError,
        /^invalid BROKER_SIGNING_KEY_FILE: .*does not belong/,
      );
      expect(() => loadBrokerSigning({ registerSigning: registerSigningWith({ keyPem: broker.keyPem, certPem: 'x' }), mode: 'development' })).to.throw(
        ConfigError,
        /^invalid BROKER_SIGNING_CERT_FILE: .*not a PEM X.509 certificate/,
      );
      // An ECDSA identity of another CA is a configuration the broker accepts: the registers decide whom they pin.
      const otherEcdsa = await issueEcdsaSigningIdentity(createCa('Another broker CA'), 'evidence-broker', 'Another broker');
      expect(loadBrokerSigning({ registerSigning: registerSigningWith(broker, otherEcdsa), mode: 'production' }).ecdsa).to.deep.equal(otherEcdsa);
    });
  });
});
