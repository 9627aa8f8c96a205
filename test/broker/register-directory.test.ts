// The register directory end to end: items routed to the one responsible instance by the request's hints,
// refused before anything is stored when a hint is missing, unavailable (and audited) when no instance is
// responsible or the instance does not serve the purpose, RSA and ECDSA instances in one request, a key
// rollover under load without a failed request, and the directory as the API lists it — SQLite and PostgreSQL.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sandboxRegisterIdentity, sandboxTrust } from '../../adapters/sandbox-trust.ts';
import { startSimulators } from '../../adapters/simulators.ts';
import { registerSigningWith } from '../../broker/config/config.ts';
import { startBroker } from '../../broker/http/server.ts';
import { pinnedCertificateOf } from '../../broker/directory/register-store.ts';
import { sandboxDirectoryEntries, seedSandboxDirectory } from '../../broker/directory/sandbox-directory.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { logLines } from '../helpers/log-lines.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';
import { testConfig } from '../helpers/test-config.ts';

const CITIZEN = '86095742719';
const ALL_TYPES = ['salary', 'maternity-benefit', 'income', 'birth-certificate'];
const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString();

interface Item {
  type: string;
  status: string;
  data: Record<string, any> | null;
  provenance: { register: string | null; registerName: string | null; fetchedAt: string | null };
  reason?: { code: string; message: string };
}

for (const kind of DATABASE_KINDS) {
  describe(`register directory and routing (${kind})`, function () {
    this.timeout(120_000);
    let h: Harness;
    let case_ = 0;

    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db);
      for (const purpose of ['elterngeld', 'kinderzuschlag']) {
        const consent = await h.call('POST', '/v1/consents', {
          body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ALL_TYPES, purpose, paper: PAPER_FORM, validUntil: inAYear() },
        });
        expect(consent.status, JSON.stringify(consent.body)).to.equal(201);
      }
    });
    after(async () => h?.close());
    beforeEach(() => {
      for (const sim of Object.values(h.sims.byType)) sim.reset();
    });

    const ask = (routing: Record<string, string> | undefined, evidenceTypes = ALL_TYPES, purpose = 'elterngeld') =>
      h.call('POST', '/v1/evidence-requests', {
        body: { citizen: { idNr: CITIZEN }, evidenceTypes, purpose, caseReference: `EG-DIR-${++case_}`, ...(routing ? { routing } : {}) },
      });
    const itemsOf = (body: { evidence: Item[] }) => Object.fromEntries(body.evidence.map((i) => [i.type, i])) as Record<string, Item>;
    const changed = async (work: () => Promise<unknown>) => {
      await work();
      await h.broker.ctx.directory.refresh();
    };
    const requestRows = () => h.broker.ctx.database.prisma.evidenceRequest.count();
    const calls = () => Object.values(h.sims.byType).reduce((n, s) => n + s.calls, 0);

    describe('routing per jurisdiction kind', () => {
      it('sends each item to the instance responsible for the hints, and names it in the provenance', async () => {
        const res = await ask(ROUTING);
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        const items = itemsOf(res.body);
        expect(Object.values(items).map((i) => [i.type, i.status, i.provenance.register])).to.deep.equal([
          ['salary', 'delivered', 'drv-rvbea'],
          ['maternity-benefit', 'delivered', 'gkv-aok-bayern'],
          ['income', 'delivered', 'stv-bayern'],
          ['birth-certificate', 'delivered', 'standesamt-muenchen'],
        ]);
        expect(items['maternity-benefit']!.provenance.registerName).to.equal('AOK Bayern – Die Gesundheitskasse');
        // The insurer answering is the one the hint named.
        expect(items['maternity-benefit']!.data!.insurer).to.deep.equal({ name: 'AOK Bayern – Die Gesundheitskasse', institutionCode: '108310400' });
      });

      it('finds the Land from the first two digits of the residence AGS, and RSA and ECDSA instances answer in one request', async () => {
        // Köln (05315000): NRW's tax administration and Köln's Standesamt; TK's IK: an ECDSA P-256 instance, as is NRW's.
        const res = await ask({ ags: '05315000', insurerIk: '101575519', birthPlaceAgs: '05315000' });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        const items = itemsOf(res.body);
        expect(Object.values(items).map((i) => [i.provenance.register, i.status])).to.deep.equal([
          ['drv-rvbea', 'delivered'],
          ['gkv-tk', 'delivered'],
          ['stv-nrw', 'delivered'],
          ['standesamt-koeln', 'delivered'],
        ]);
        const profiles = Object.fromEntries(h.sims.instances.map((i) => [i.id, i.profile]));
        expect([profiles['gkv-tk'], profiles['stv-nrw'], profiles['drv-rvbea']]).to.deep.equal(['ecdsa-p256-sha256', 'ecdsa-p256-sha256', 'rsa-pss-sha256']);
      });

      it('asks salary (national) without any hint', async () => {
        const res = await ask(undefined, ['salary']);
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.evidence[0].provenance.register).to.equal('drv-rvbea');
      });
    });

    describe('hints that are missing or malformed', () => {
      it('refuses with 400 naming each field, before anything is stored or fetched', async () => {
        const [rowsBefore, callsBefore] = [await requestRows(), calls()];
        const missing = await ask({ ags: '09162000' });
        expect(missing.status).to.equal(400);
        expect(missing.body.invalidParams.map((p: { name: string }) => p.name).sort()).to.deep.equal(['body.routing.birthPlaceAgs', 'body.routing.insurerIk']);
        for (const [routing, field] of [
          [{ ...ROUTING, insurerIk: '10831040' }, 'body.routing.insurerIk'],
          [{ ...ROUTING, ags: '99162000' }, 'body.routing.ags'],
          [{ ...ROUTING, birthPlaceAgs: '0916200A' }, 'body.routing.birthPlaceAgs'],
        ] as const) {
          const res = await ask(routing);
          expect(res.status, field).to.equal(400);
          expect(res.body.invalidParams.map((p: { name: string }) => p.name), field).to.deep.equal([field]);
        }
        const unknownHint = await ask({ ...ROUTING, postcode: '80331' });
        expect(unknownHint.status).to.equal(400);
        expect([await requestRows(), calls()]).to.deep.equal([rowsBefore, callsBefore]);
      });

      it('keeps only the hints the requested types need', async () => {
        const res = await ask(ROUTING, ['maternity-benefit']);
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        const row = await h.broker.ctx.database.prisma.evidenceRequest.findUniqueOrThrow({ where: { id: res.body.id } });
        expect(JSON.parse(row.routing!)).to.deep.equal({ insurerIk: '108310400' });
      });
    });

    describe('when no instance is responsible', () => {
      it('marks the item unavailable with NO_RESPONSIBLE_REGISTER, asks no register for it, and audits it', async () => {
        const callsBefore = h.sims.byType['maternity-benefit'].calls;
        const res = await ask({ ...ROUTING, insurerIk: '999999999' }, ['salary', 'maternity-benefit']);
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.status).to.equal('partial');
        const item = itemsOf(res.body)['maternity-benefit']!;
        expect(item).to.deep.include({ status: 'unavailable', data: null });
        expect(item.provenance).to.deep.equal({ register: null, registerName: null, fetchedAt: null });
        expect(item.reason!.code).to.equal('NO_RESPONSIBLE_REGISTER');
        expect(h.sims.byType['maternity-benefit'].calls).to.equal(callsBefore);
        const transfers = await h.call('GET', `/v1/citizens/${CITIZEN}/transfers`, { token: await h.citizenToken(CITIZEN) });
        const entry = transfers.body.transfers.find((t: { auditEntryId: number }) => t.auditEntryId === res.body.auditEntryId);
        expect(entry.items).to.deep.include({ type: 'maternity-benefit', register: null, registerName: null, status: 'unavailable', reason: 'NO_RESPONSIBLE_REGISTER' });
        expect(entry.items).to.deep.include({ type: 'salary', register: 'drv-rvbea', registerName: 'Deutsche Rentenversicherung Bund – rvBEA', status: 'delivered', dataHash: entry.items[0].dataHash });
      });

      it('treats a disabled instance as not there, and routes to it again once enabled', async () => {
        await changed(() => h.broker.ctx.registers.setEnabled('stv-bayern', false));
        try {
          const res = await ask(ROUTING, ['income']);
          expect(res.body.evidence[0].reason.code).to.equal('NO_RESPONSIBLE_REGISTER');
        } finally {
          await changed(() => h.broker.ctx.registers.setEnabled('stv-bayern', true));
        }
        expect((await ask(ROUTING, ['income'])).body.evidence[0].status).to.equal('delivered');
      });
    });

    describe("the register's access rights", () => {
      const restrict = (id: string, change: { purposes?: string[]; participants?: string[] | null }) =>
        changed(async () => {
          const entry = sandboxDirectoryEntries(h.sims.instances, new Date()).find((e) => e.definition.id === id)!;
          await h.broker.ctx.registers.import([{ ...entry, definition: { ...entry.definition, ...change } as typeof entry.definition }]);
        });

      it('refuses an item whose purpose the instance does not serve with REFUSED_BY_REGISTER_POLICY, without calling it', async () => {
        await restrict('standesamt-muenchen', { purposes: ['elterngeld'] });
        try {
          const callsBefore = h.sims.byType['birth-certificate'].calls;
          const res = await ask(ROUTING, ['salary', 'birth-certificate'], 'kinderzuschlag');
          expect(res.status, JSON.stringify(res.body)).to.equal(201);
          const item = itemsOf(res.body)['birth-certificate']!;
          expect([item.status, item.reason!.code, item.provenance.register]).to.deep.equal(['unavailable', 'REFUSED_BY_REGISTER_POLICY', 'standesamt-muenchen']);
          expect(h.sims.byType['birth-certificate'].calls).to.equal(callsBefore);
          expect(itemsOf(res.body).salary!.status).to.equal('delivered');
          // The same instance still answers the purpose it serves.
          expect((await ask(ROUTING, ['birth-certificate'], 'elterngeld')).body.evidence[0].status).to.equal('delivered');
        } finally {
          await restrict('standesamt-muenchen', {});
        }
      });

      it('refuses a participant the instance does not answer', async () => {
        await restrict('gkv-aok-bayern', { participants: ['another-authority'] });
        try {
          const res = await ask(ROUTING, ['maternity-benefit']);
          expect(res.body.evidence[0].reason.code).to.equal('REFUSED_BY_REGISTER_POLICY');
        } finally {
          await restrict('gkv-aok-bayern', { participants: null });
        }
        expect((await ask(ROUTING, ['maternity-benefit'])).body.evidence[0].status).to.equal('delivered');
      });
    });

    describe('a key rollover', () => {
      it('loses no request while the register changes its key, and refuses the old key once its certificate is retired', async () => {
        const id = 'gkv-aok-bayern';
        const old = h.sims.instances.find((i) => i.id === id)!;
        const next = sandboxRegisterIdentity(`${id}-rollover-${kind}`);
        const statuses: string[] = [];
        let running = true;
        const load = async () => {
          while (running) {
            const res = await ask(ROUTING, ['maternity-benefit']);
            statuses.push(res.status === 201 ? res.body.evidence[0].status : `HTTP ${res.status}`);
          }
        };
        const workers = Array.from({ length: 4 }, () => load());
        try {
          const sent = () => statuses.length;
          const waitFor = async (n: number) => {
            while (sent() < n) await new Promise((r) => setTimeout(r, 10));
          };
          await waitFor(8);
          // The new certificate is pinned first, then the register signs with the new key.
          await changed(() => h.broker.ctx.registers.addCertificate(id, pinnedCertificateOf(next.certPem, 'new', new Date())));
          await waitFor(sent() + 8);
          h.sims.byType['maternity-benefit'].setSigning(id, next);
          await waitFor(sent() + 8);
          const fingerprint = pinnedCertificateOf(old.certificate, 'old', new Date()).fingerprint;
          await changed(() => h.broker.ctx.registers.retireCertificate(id, fingerprint));
          await waitFor(sent() + 8);
        } finally {
          running = false;
          await Promise.all(workers);
        }
        expect(statuses.length).to.be.greaterThan(30);
        expect(statuses.filter((s) => s !== 'delivered')).to.deep.equal([]);

        // Answers under the retired key are refused from now on.
        h.sims.byType['maternity-benefit'].setSigning(id, { keyPem: sandboxRegisterIdentity(id).keyPem, certPem: old.certificate });
        const refused = await ask(ROUTING, ['maternity-benefit']);
        expect(refused.body.evidence[0].reason.code).to.equal('MATERNITY_BENEFIT_BAD_SIGNATURE');
        h.sims.byType['maternity-benefit'].setSigning(id, next);
        const shown = await h.call('GET', '/v1/directory/registers');
        const certificates = shown.body.registers.find((r: { id: string }) => r.id === id).certificates;
        expect(certificates.map((c: { status: string }) => c.status).sort()).to.deep.equal(['retired', 'valid']);
      });
    });

    describe('GET /v1/directory/registers', () => {
      it('lists every instance with its jurisdiction, purposes, state and certificates, for participants and operators', async () => {
        const res = await h.call('GET', '/v1/directory/registers');
        expect(res.status).to.equal(200);
        const byId = Object.fromEntries(res.body.registers.map((r: { id: string }) => [r.id, r]));
        expect(Object.keys(byId).sort()).to.deep.equal(h.sims.instances.map((i) => i.id).sort());
        expect(byId['drv-rvbea'].jurisdiction).to.deep.equal({ kind: 'national', values: [] });
        expect(byId['stv-nrw']).to.deep.include({ evidenceType: 'income', name: 'Finanzverwaltung Nordrhein-Westfalen', enabled: true, jurisdiction: { kind: 'land', values: ['05'] } });
        expect(byId['gkv-tk'].certificates[0]).to.include({ status: 'valid', profile: 'ecdsa-p256-sha256' });
        expect(byId['gkv-tk'].certificates[0].fingerprint).to.match(/^[0-9a-f]{64}$/);
        expect(JSON.stringify(res.body)).not.to.include('PRIVATE KEY');
        expect((await h.call('GET', '/v1/directory/registers', { token: await h.operatorToken() })).status).to.equal(200);
      });

      it('is refused to citizens and to anonymous callers', async () => {
        expect((await h.call('GET', '/v1/directory/registers', { token: await h.citizenToken(CITIZEN) })).status).to.equal(403);
        expect((await h.call('GET', '/v1/directory/registers', { token: null })).status).to.equal(401);
      });
    });

    describe('configuring the directory', () => {
      it('refuses a second instance for a jurisdiction another instance holds, naming it', async () => {
        const entry = sandboxDirectoryEntries(h.sims.instances, new Date()).find((e) => e.definition.id === 'stv-bayern')!;
        const twin = { ...entry, definition: { ...entry.definition, id: 'stv-bayern-twin' } };
        let message = '';
        await h.broker.ctx.registers.add(twin).catch((err: Error) => (message = err.message));
        expect(message).to.equal('register stv-bayern-twin: another income register is responsible for 09 (held by stv-bayern)');
        const national = sandboxDirectoryEntries(h.sims.instances, new Date()).find((e) => e.definition.id === 'drv-rvbea')!;
        await h.broker.ctx.registers.add({ ...national, definition: { ...national.definition, id: 'drv-two' } }).catch((err: Error) => (message = err.message));
        expect(message).to.match(/national jurisdiction \(held by drv-rvbea\)/);
        expect((await h.call('GET', '/v1/directory/registers')).body.registers.map((r: { id: string }) => r.id)).not.to.include.members(['stv-bayern-twin', 'drv-two']);
      });
    });

    describe('metrics', () => {
      it('label register calls and circuits with the instance id', async () => {
        await ask({ ags: '05315000', insurerIk: '101575519', birthPlaceAgs: '05315000' });
        const text = await (await fetch(`${h.url}/metrics`)).text();
        expect(text).to.match(/broker_register_request_duration_seconds_count\{register="gkv-tk",outcome="delivered"\} \d+/);
        expect(text).to.match(/broker_register_circuit_state\{register="stv-nrw"\} 0/);
      });
    });
  });
}

describe('a production broker and a directory entry with a plain-HTTP endpoint', function () {
  this.timeout(60_000);
  it('never calls it: the item ends NO_RESPONSIBLE_REGISTER and the entry is logged as an error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'broker-prod-http-'));
    const sims = await startSimulators();
    const { log, lines } = logLines('info');
    // Written by a development broker (the sandbox's http:// endpoints), then served by a production one.
    const broker = await startBroker(testConfig({ port: 0, databaseUrl: `file:${path.join(dir, 'b.db')}`, mode: 'production', registerSigning: registerSigningWith(sandboxTrust().broker) }), { log });
    try {
      await seedSandboxDirectory(broker.ctx.registers, sims.instances, new Date());
      await broker.ctx.directory.refresh();
      await broker.ctx.participants.upsert(
        { id: 'wohngeld-prod', name: 'Wohngeldstelle', kind: 'authority', region: 'DE-BY', evidenceTypes: ['income'], purposes: ['wohngeld'], legalBases: ['wogg-23'] },
        new Date(),
      );
      const token = await broker.ctx.tokens.issue({ participantId: 'wohngeld-prod' }, 'fachverfahren');
      const res = await fetch(`${broker.url}/v1/evidence-requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ citizen: { idNr: CITIZEN }, evidenceTypes: ['income'], purpose: 'wohngeld', legalBasis: 'wogg-23', caseReference: 'WG-1', routing: ROUTING }),
      });
      const body = (await res.json()) as { evidence: Item[] };
      expect(res.status, JSON.stringify(body)).to.equal(201);
      expect(body.evidence[0]!.reason!.code).to.equal('NO_RESPONSIBLE_REGISTER');
      expect(sims.byType.income.calls).to.equal(0);
      expect(lines.some((l) => l.includes('"register":"stv-bayern"') && l.includes('plain-HTTP endpoint'))).to.equal(true);
    } finally {
      await broker.close();
      await sims.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
