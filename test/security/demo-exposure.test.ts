// The demo prints working tokens and a clerk password and signs citizens in by IdNr alone: it must never face
// a network by accident, and production must never honour demo data a database still holds.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sandboxTrust } from '../../adapters/sandbox-trust.ts';
import { startSimulators } from '../../adapters/simulators.ts';
import { ConfigError, envToConfig, readEnv, registerSigningWith } from '../../broker/config/config.ts';
import { testConfig } from '../helpers/test-config.ts';
import { DEMO_CLERK_USERNAME, DEMO_PARTICIPANT_ID, seedDemo } from '../../broker/ops/demo.ts';
import { startBroker } from '../../broker/http/server.ts';

describe('demo exposure', () => {
  it('refuses to start the demo on a non-loopback HOST, naming HOST', () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      expect(() => envToConfig(readEnv({ HOST: host })), host).to.throw(ConfigError, /^invalid HOST: /);
    }
    for (const host of ['127.0.0.1', 'localhost', '::1']) expect(envToConfig(readEnv({ HOST: host })).demo, host).to.equal(true);
    expect(envToConfig(readEnv({ HOST: '0.0.0.0', BROKER_DEMO: 'false' })).demo).to.equal(false);
    expect(envToConfig(readEnv({ HOST: '0.0.0.0', BROKER_DEMO_ON_NETWORK: 'true' })).host).to.equal('0.0.0.0');
  });

  it('in production, revokes the demo tokens and disables the demo clerk a development run left in the database', async () => {
    const sims = await startSimulators({ ports: { salary: 0, 'maternity-benefit': 0, income: 0 } });
    const dir = mkdtempSync(path.join(tmpdir(), 'broker-demo-'));
    const databaseUrl = `file:${path.join(dir, 'b.db')}`;
    const registerSigning = registerSigningWith(sandboxTrust().broker);
    try {
      const development = await startBroker(testConfig({ port: 0, databaseUrl, registerSigning }));
      const seeded = await seedDemo(development.ctx, sims);
      const operatorIssued = await development.ctx.tokens.issue({ participantId: DEMO_PARTICIPANT_ID }, 'fachverfahren');
      await development.close();

      const production = await startBroker(testConfig({ port: 0, databaseUrl, registerSigning, mode: 'production' }));
      try {
        const me = (token: string) => fetch(`${production.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
        expect(await me(seeded.participantToken)).to.equal(401);
        expect(await me(seeded.citizenToken)).to.equal(401);
        expect(await me(seeded.operatorToken)).to.equal(401);
        expect(await me(operatorIssued)).to.equal(401);
        const clerk = (await production.ctx.pages.clerks.list()).find((a) => a.username === DEMO_CLERK_USERNAME);
        expect(clerk?.disabledAt).to.be.instanceOf(Date);
        // A token issued to the demo authority after start-up can still authenticate, but may request nothing.
        const later = await production.ctx.tokens.issue({ participantId: DEMO_PARTICIPANT_ID }, 'fachverfahren');
        const self = await fetch(`${production.url}/v1/me`, { headers: { authorization: `Bearer ${later}` } }).then((r) => r.json() as Promise<{ may: unknown }>);
        expect(self.may).to.deep.equal({ evidenceTypes: [], purposes: [], legalBases: [] });
      } finally {
        await production.close();
      }
    } finally {
      await sims.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
