// The shared simulator server, spoken to over raw HTTP the way a sandbox user would.
import { expect } from 'chai';
import { EVIDENCE_TYPES } from '../../adapters/index.ts';
import { startSalarySimulator } from '../../adapters/salary/simulator.ts';
import { startSimulators } from '../../adapters/simulators.ts';
import type { SimulatorHandle } from '../../adapters/simulator-server.ts';
import { createSalaryAdapter } from '../../adapters/salary/adapter.ts';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import { clock, failureOf, registerRequest, SENDER } from './fixtures.ts';
import { sandboxAdapterKeys } from '../helpers/sandbox-adapter-keys.ts';

const postXml = (url: string, body: string, contentType = 'application/xml; charset=utf-8') =>
  fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });

describe('a register simulator', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSalarySimulator({ clock });
  });
  afterEach(() => sim.reset());
  after(() => sim.close());

  it('listens on a free port on 127.0.0.1 when asked for port 0', () => {
    expect(sim.port).to.be.greaterThan(0);
    expect(sim.url).to.equal(`http://127.0.0.1:${sim.port}`);
  });

  describe('when a request carries a DOCTYPE', () => {
    it('answers 400 and never parses it, in any fault mode', async () => {
      const hostile = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>';
      for (const fault of ['none', 'http-500', 'pending'] as const) {
        sim.setBehaviour({ fault });
        const res = await postXml(sim.url, hostile);
        expect(res.status, fault).to.equal(400);
        expect(await res.text()).to.include('DOCTYPE').and.not.include('passwd');
      }
    });
  });

  describe('when a request is not a register message', () => {
    it('answers 400 for XML of another shape, 415 for another media type, 405 for GET and 404 elsewhere', async () => {
      expect((await postXml(sim.url, '<hallo/>')).status).to.equal(400);
      expect((await postXml(sim.url, '{}', 'application/json')).status).to.equal(415);
      expect((await fetch(sim.url)).status).to.equal(405);
      expect((await postXml(`${sim.url}/elsewhere`, '<hallo/>')).status).to.equal(404);
    });

    it('answers 413 for a body larger than any message', async () => {
      const res = await postXml(sim.url, `<a>${'x'.repeat(600 * 1024)}</a>`);
      expect(res.status).to.equal(413);
    });
  });

  describe('when a sandbox user switches its behaviour over HTTP', () => {
    it('shows and changes latency and fault at /_control', async () => {
      const shown = await (await fetch(`${sim.url}/_control`)).json();
      expect(shown).to.deep.equal({ register: 'rvbea', latencyMs: 0, fault: 'none', calls: 0 });

      const changed = await fetch(`${sim.url}/_control`, { method: 'POST', body: JSON.stringify({ latencyMs: 250, fault: 'pending' }) });
      expect(changed.status).to.equal(200);
      expect(sim.behaviour).to.deep.equal({ latencyMs: 250, fault: 'pending' });
    });

    it('refuses an unknown fault or a negative latency with 400 and keeps the behaviour', async () => {
      for (const body of ['{"fault":"explode"}', '{"latencyMs":-1}', 'not json', '{"extra":1}']) {
        const res = await fetch(`${sim.url}/_control`, { method: 'POST', body });
        expect(res.status, body).to.equal(400);
      }
      expect(sim.behaviour).to.deep.equal({ latencyMs: 0, fault: 'none' });
    });

    it('does not count control requests as register calls', async () => {
      await fetch(`${sim.url}/_control`);
      await postXml(sim.url, '<hallo/>');
      expect(sim.calls).to.equal(1);
    });
  });

  describe('when a tester makes it send raw bytes (fault "raw")', () => {
    const adapter = () => createSalaryAdapter({ baseUrl: sim.url, sender: SENDER, clock, ...sandboxAdapterKeys('salary') });

    it('answers exactly those bytes as application/xml, after checking the query as always', async () => {
      sim.setBehaviour({ fault: 'raw', rawBody: Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]) });
      const err = await failureOf(adapter().fetchEvidence(registerRequest(DEMO_CITIZENS[0]!), AbortSignal.timeout(5000)));
      expect(err.code).to.equal('SALARY_MALFORMED_ANSWER');
      expect(err.message).to.equal('register answer is not valid UTF-8');
      expect((await postXml(sim.url, '<hallo/>')).status).to.equal(400);
    });

    it('takes the body as text or base64 at /_control, shows its size, and refuses "raw" without a body', async () => {
      const refused = await fetch(`${sim.url}/_control`, { method: 'POST', body: JSON.stringify({ fault: 'raw' }) });
      expect(refused.status).to.equal(400);
      expect(sim.behaviour.fault).to.equal('none');

      const text = await fetch(`${sim.url}/_control`, { method: 'POST', body: JSON.stringify({ fault: 'raw', rawBody: '<!DOCTYPE x><x/>' }) });
      expect(await text.json()).to.deep.include({ fault: 'raw', rawBodyBytes: 16 });
      const err = await failureOf(adapter().fetchEvidence(registerRequest(DEMO_CITIZENS[0]!), AbortSignal.timeout(5000)));
      expect(err.code).to.equal('SALARY_MALFORMED_ANSWER');
      expect(err.message).to.include('DOCTYPE');

      const bytes = await fetch(`${sim.url}/_control`, { method: 'POST', body: JSON.stringify({ rawBodyBase64: Buffer.from([0xfe, 0xff, 0x00, 0x3c]).toString('base64') }) });
      expect(await bytes.json()).to.deep.include({ fault: 'raw', rawBodyBytes: 4 });
      const both = await fetch(`${sim.url}/_control`, { method: 'POST', body: JSON.stringify({ rawBody: 'a', rawBodyBase64: 'YQ==' }) });
      expect(both.status).to.equal(400);
    });

    it('forgets the body on reset', async () => {
      sim.setBehaviour({ fault: 'raw', rawBody: '<x/>' });
      sim.reset();
      expect(sim.behaviour).to.deep.equal({ latencyMs: 0, fault: 'none' });
    });
  });

  describe('when a query is not valid UTF-8', () => {
    it('answers 400 and does not guess at the bytes', async () => {
      const res = await fetch(sim.url, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: Buffer.from([0x3c, 0x61, 0x3e, 0xe4, 0x3c, 0x2f, 0x61, 0x3e]) });
      expect(res.status).to.equal(400);
      expect(await res.text()).to.include('UTF-8');
    });
  });

  describe('when it is closed while an answer is still delayed and connections are kept alive', () => {
    it('closes promptly', async () => {
      const slow = await startSalarySimulator({});
      slow.setBehaviour({ latencyMs: 10_000 });
      const adapter = createSalaryAdapter({ baseUrl: slow.url, sender: SENDER, ...sandboxAdapterKeys('salary') });
      const inFlight = failureOf(adapter.fetchEvidence(registerRequest(DEMO_CITIZENS[0]!), AbortSignal.timeout(20_000)));
      await fetch(`${slow.url}/_control`); // leaves a keep-alive connection open
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = Date.now();
      await slow.close();
      expect(Date.now() - started).to.be.lessThan(1000);
      expect((await inFlight).code).to.equal('SALARY_UNREACHABLE');
    });
  });
});

describe('all simulators together', () => {
  it('start on free ports, expose their base URLs and close together', async () => {
    const sims = await startSimulators({ ports: { salary: 0 } });
    try {
      expect(Object.keys(sims.byType)).to.deep.equal([...EVIDENCE_TYPES]);
      expect(new Set(Object.values(sims.baseUrls)).size).to.equal(EVIDENCE_TYPES.length);
      expect(sims.byType.income.register).to.equal('steuerverwaltung');
    } finally {
      await sims.close();
    }
  });

  it('start none when one port is taken', async () => {
    const first = await startSimulators();
    try {
      let failed = false;
      await startSimulators({ ports: { income: first.byType.income.port } }).catch(() => (failed = true));
      expect(failed).to.equal(true);
    } finally {
      await first.close();
    }
  });
});
