// `npm start`: the broker on its configured database, and in demo mode (the default) the three register
// simulators and demo data, then the URLs and a working curl example.
import { EVIDENCE_TYPES, evidenceTypeOf } from '../adapters/index.ts';
import { sandboxBrokerCertificates, startSimulators } from '../adapters/simulators.ts';
import { ConfigError, envToConfig, readEnv, type Config } from './config/config.ts';
import { SANDBOX_ROUTING } from './directory/sandbox-directory.ts';
import { neededHints } from './directory/routing.ts';
import { seedDemo } from './ops/demo.ts';
import { loadBrokerSigning } from './config/secrets.ts';
import type { SigningIdentity } from '../adapters/signing-keys.ts';
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

/** The broker's configured signing certificates (RSA, and ECDSA when set), read as the broker reads them. */
function configuredBrokerCertificates(cfg: Config): string[] {
  const signing = loadBrokerSigning(cfg);
  return [signing.rsa, signing.ecdsa].flatMap((identity) => (identity === null || typeof identity === 'function' ? [] : [(identity as SigningIdentity).certPem]));
}

async function main(): Promise<void> {
  const cfg = loadConfig();
  // Without configured keys (development only) the adapters sign with the sandbox keys: made now, not inside the
  // first request's register deadline. With configured keys, the demo's simulators pin those.
  const brokerCertificates = cfg.registerSigning === 'sandbox' ? await sandboxBrokerCertificates() : configuredBrokerCertificates(cfg);
  // In demo mode the sandbox simulators are the registers: their instances are written into the directory with
  // their certificates pinned; with BROKER_DEMO=false the directory holds what the operator put there.
  const simulators = cfg.demo ? await startSimulators({ ports: cfg.simulatorPorts, brokerCertificates }) : null;
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
    const demo = await seedDemo(broker.ctx, simulators);
    // A signed head over the demo's entries at once: the checkpoint and proofs answer from the first minute.
    await broker.ctx.treeHeads.sign();
    lines.push(`  registers:   ${EVIDENCE_TYPES.map((t) => `${t} ${simulators.baseUrls[t]}`).join('  ')}`);
    lines.push('', 'Register directory (sandbox instances; GET /v1/directory/registers):');
    for (const type of EVIDENCE_TYPES) {
      const example = neededHints([type], SANDBOX_ROUTING);
      const rule = evidenceTypeOf(type).routing;
      lines.push(`  ${type} (${rule.kind}${Object.keys(example).length ? `; e.g. "routing": ${JSON.stringify(example)}` : ''}):`);
      for (const i of simulators.instances.filter((x) => x.evidenceType === type)) {
        lines.push(`    ${i.id.padEnd(20)} ${i.name} [${i.values.join(', ') || 'national'}] ${i.profile}  ${i.url}`);
      }
    }
    lines.push(
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
      `    -d '{"citizen":{"idNr":"${demo.citizenIdNr}"},"evidenceTypes":${JSON.stringify(EVIDENCE_TYPES)},"purpose":"elterngeld","caseReference":"EG-2026-0001","routing":${JSON.stringify(SANDBOX_ROUTING)}}'`,
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
