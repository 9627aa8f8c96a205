// `npm start`: the broker on its configured database, and in demo mode (the default) the three register
// simulators and demo data, then the URLs and a working curl example.
import { EVIDENCE_TYPES, sandboxRegisterIdentities } from '../adapters/index.ts';
import { startSimulators } from '../adapters/simulators.ts';
import { ConfigError, envToConfig, readEnv, type Config } from './config/config.ts';
import { demoRegisterSigning, seedDemo } from './ops/demo.ts';
import { startBroker } from './http/server.ts';

function loadConfig(): Config {
  try {
    return envToConfig(readEnv());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`evidence-broker: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const loaded = loadConfig();
  const simulators = loaded.demo ? await startSimulators({ ports: loaded.simulatorPorts }) : null;
  // In demo mode the sandbox simulators are the registers, their certificates the pinned ones; real register
  // URLs and certificates apply with BROKER_DEMO=false.
  const cfg = simulators ? { ...loaded, registerUrls: simulators.baseUrls, registerSigning: demoRegisterSigning(simulators) } : loaded;
  // Without configured keys (development only) the adapters sign with the sandbox keys: made now, not inside the
  // first request's register deadline.
  if (cfg.registerSigning === 'sandbox') sandboxRegisterIdentities();
  const broker = await startBroker(cfg);
  const shutdown = async (signal: string) => {
    broker.ctx.log.info({ signal }, 'shutting down');
    await broker.close();
    await simulators?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  const lines = [
    '',
    `Evidence broker listening on ${broker.url}  (database: ${broker.ctx.database.target.provider})`,
    `  health:      ${broker.url}/healthz   ready: ${broker.url}/readyz`,
  ];
  if (simulators) {
    const demo = await seedDemo(broker.ctx);
    lines.push(
      `  registers:   ${EVIDENCE_TYPES.map((t) => `${t} ${simulators.baseUrls[t]}`).join('  ')}`,
      '',
      `Demo authority "${demo.participantId}" token:  ${demo.participantToken}`,
      `Demo citizen ${demo.citizenIdNr} token:  ${demo.citizenToken}`,
      `Demo operator token:  ${demo.operatorToken}`,
      `Consent ${demo.consentId} covers ${EVIDENCE_TYPES.join(', ')} for elterngeld.`,
      '',
      `Pages:  clerk lookup ${broker.url}/ui/lookup  (user: ${demo.clerkUsername}  password: ${demo.clerkPassword})`,
      `        citizen cockpit ${broker.url}/cockpit  (sandbox sign-in with IdNr ${demo.citizenIdNr})`,
      '',
      'Try it:',
      `  curl -s -X POST ${broker.url}/v1/evidence-requests \\`,
      `    -H 'Authorization: Bearer ${demo.participantToken}' -H 'Content-Type: application/json' \\`,
      `    -d '{"citizen":{"idNr":"${demo.citizenIdNr}"},"evidenceTypes":${JSON.stringify(EVIDENCE_TYPES)},"purpose":"elterngeld","caseReference":"EG-2026-0001"}'`,
      `  curl -s ${broker.url}/v1/citizens/${demo.citizenIdNr}/transfers -H 'Authorization: Bearer ${demo.citizenToken}'`,
      `  curl -s ${broker.url}/v1/audit/verify -H 'Authorization: Bearer ${demo.operatorToken}'`,
      '',
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`evidence-broker: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
