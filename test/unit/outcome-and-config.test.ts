import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { verifierKey } from '../../broker/audit/signed-note.ts';
import { ConfigError, envToConfig, readEnv } from '../../broker/config/config.ts';
import { defaultPeriod, requestStatus } from '../../broker/evidence/outcome.ts';

describe('request status', () => {
  it('is complete when every register gave a final answer', () => {
    expect(requestStatus([{ status: 'delivered' }, { status: 'not-found' }])).to.equal('complete');
  });
  it('is partial when something is missing or pending', () => {
    expect(requestStatus([{ status: 'delivered' }, { status: 'unavailable' }])).to.equal('partial');
    expect(requestStatus([{ status: 'pending' }, { status: 'unavailable' }])).to.equal('partial');
  });
  it('is failed when every register failed', () => {
    expect(requestStatus([{ status: 'unavailable' }, { status: 'unavailable' }])).to.equal('failed');
  });
  it('defaults to the last twelve full months', () => {
    expect(defaultPeriod(new Date('2026-01-15T00:00:00Z'))).to.deep.equal({ from: '2025-01', to: '2025-12' });
    expect(defaultPeriod(new Date('2026-11-25T00:00:00Z'))).to.deep.equal({ from: '2025-11', to: '2026-10' });
  });
});

describe('configuration', () => {
  it('applies defaults', () => {
    const cfg = envToConfig(readEnv({}));
    expect(cfg.port).to.equal(8080);
    expect(cfg.databaseUrl).to.equal('file:./data/broker.db');
    expect(cfg.simulatorPorts.salary).to.equal(8091);
    expect(cfg.directoryRefreshMs).to.equal(5000);
    expect(cfg.databasePoolSize).to.equal(10);
  });
  it('takes DATABASE_POOL_SIZE from 1 to 200, and refuses anything else naming the variable', () => {
    expect(envToConfig(readEnv({ DATABASE_POOL_SIZE: '2' })).databasePoolSize).to.equal(2);
    expect(envToConfig(readEnv({ DATABASE_POOL_SIZE: '1' })).databasePoolSize).to.equal(1);
    expect(envToConfig(readEnv({ DATABASE_POOL_SIZE: '200' })).databasePoolSize).to.equal(200);
    for (const bad of ['0', '201', '2.5', 'ten', '-1']) expect(() => readEnv({ DATABASE_POOL_SIZE: bad }), bad).to.throw(ConfigError, /^invalid DATABASE_POOL_SIZE:/);
  });
  it('stops on a bad value with a message naming the variable', () => {
    expect(() => readEnv({ PORT: 'eighty' })).to.throw(ConfigError, /^invalid PORT:/);
    expect(() => readEnv({ DATABASE_URL: 'mysql://x' })).to.throw(ConfigError, /^invalid DATABASE_URL:/);
    expect(() => envToConfig(readEnv({ SIMULATOR_PORTS: '1,1,2' }))).to.throw(ConfigError, /SIMULATOR_PORTS/);
  });
  it('takes witness cosigner keys separated by commas or spaces, and refuses any other key', () => {
    const a = verifierKey('witness.example/a', generateKeyPairSync('ed25519').publicKey, 'cosignature/v1');
    const b = verifierKey('witness.example/b', generateKeyPairSync('ed25519').publicKey, 'cosignature/v1');
    expect(envToConfig(readEnv({})).witnessKeys).to.deep.equal([]);
    expect(envToConfig(readEnv({ WITNESS_KEYS: ` ${a}, ${b}\n` })).witnessKeys).to.deep.equal([a, b]);
    const noteKey = verifierKey('log.example', generateKeyPairSync('ed25519').publicKey);
    expect(() => envToConfig(readEnv({ WITNESS_KEYS: noteKey }))).to.throw(ConfigError, /^invalid WITNESS_KEYS: .*not a cosigner key/);
    expect(() => envToConfig(readEnv({ WITNESS_KEYS: 'witness+00000000+AQ==' }))).to.throw(ConfigError, /^invalid WITNESS_KEYS:/);
    expect(() => envToConfig(readEnv({ WITNESS_KEYS: `${a} ${a}` }))).to.throw(ConfigError, /twice/);
  });
});
