// Starts every evidence type's register simulator together: for tests (port 0), demo `npm start`, and the
// public sandbox (`tsx adapters/simulators.ts [--host 0.0.0.0] [--certificates-out dir]`). By default they
// trust this process's sandbox key set (./sandbox-trust.ts), so a broker in the same process pins `certificates`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { envToConfig, readEnv } from '../broker/config/config.ts';
import { EVIDENCE_TYPES, evidenceTypeOf, sandboxRegisterIdentities, type EvidenceType } from './index.ts';
import { CITIZEN_IN_NO_REGISTER, DEMO_CITIZENS } from './sandbox-citizens.ts';
import { sandboxTrust } from './sandbox-trust.ts';
import { checkPinnedCertificate, type SigningIdentity } from './signing-keys.ts';
import type { SimulatorHandle } from './simulator-server.ts';

/** The running simulators, one per evidence type. */
export interface Simulators {
  byType: Record<EvidenceType, SimulatorHandle>;
  baseUrls: Record<EvidenceType, string>;
  /** Each register's signing certificate (PEM): what a broker pins for that register. */
  certificates: Record<EvidenceType, string>;
  /** The broker signing certificate the simulators pin (PEM): queries must be signed with its key. */
  brokerCertificate: string;
  close(): Promise<void>;
}

export interface SimulatorsOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Missing types get a free port. */
  ports?: Partial<Record<EvidenceType, number>>;
  clock?: () => Date;
  /** Each register's signing key and certificate; default: the sandbox key set's. */
  signing?: Record<EvidenceType, SigningIdentity>;
  /** The broker's signing certificate to pin; default: the sandbox broker's (sandboxTrust().broker). */
  brokerCertificate?: string;
}

export async function startSimulators(opts: SimulatorsOptions = {}): Promise<Simulators> {
  const signing = opts.signing ?? sandboxRegisterIdentities();
  const brokerCertificate = opts.brokerCertificate ?? sandboxTrust().broker.certPem;
  const started = await Promise.allSettled(
    EVIDENCE_TYPES.map((type) =>
      evidenceTypeOf(type).startSimulator({ host: opts.host, port: opts.ports?.[type] ?? 0, clock: opts.clock, signing: signing[type], brokerCertificate }),
    ),
  );
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    // One port taken must not leave the others listening.
    await Promise.allSettled(running.map((sim) => sim.close()));
    throw failed.reason;
  }
  const byType = Object.fromEntries(EVIDENCE_TYPES.map((type, i) => [type, running[i]!])) as Record<EvidenceType, SimulatorHandle>;
  const baseUrls = Object.fromEntries(EVIDENCE_TYPES.map((type) => [type, byType[type].url])) as Record<EvidenceType, string>;
  const certificates = Object.fromEntries(EVIDENCE_TYPES.map((type) => [type, signing[type].certPem])) as Record<EvidenceType, string>;
  return {
    byType,
    baseUrls,
    certificates,
    brokerCertificate,
    async close() {
      await Promise.all(running.map((sim) => sim.close()));
    },
  };
}

async function main(): Promise<void> {
  // The one place here that reads the environment, through the broker's configuration reader.
  const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, 'certificates-out': { type: 'string' } } });
  const env = readEnv();
  const ports = envToConfig({ SIMULATOR_PORTS: env.SIMULATOR_PORTS }).simulatorPorts;
  // A broker of its own (BROKER_SIGNING_CERT_FILE) is pinned; otherwise the sandbox broker, whose key only a
  // broker in this process has — so a separate broker needs its certificate here and its key there.
  const brokerCertificate = env.BROKER_SIGNING_CERT_FILE === undefined ? undefined : readFileSync(env.BROKER_SIGNING_CERT_FILE, 'utf8');
  if (brokerCertificate !== undefined) checkPinnedCertificate(brokerCertificate, 'BROKER_SIGNING_CERT_FILE');
  const sims = await startSimulators({ host: values.host, ports, brokerCertificate });
  for (const type of EVIDENCE_TYPES) {
    const sim = sims.byType[type];
    console.log(`${type.padEnd(18)} register ${sim.register.padEnd(22)} ${sim.url}   (behaviour: ${sim.url}/_control)`);
  }
  const out = values['certificates-out'];
  if (out !== undefined) {
    // Public information: what a broker pins (<TYPE>_REGISTER_CERT_FILE) for this run's registers.
    mkdirSync(out, { recursive: true });
    for (const type of EVIDENCE_TYPES) writeFileSync(path.join(out, `${type}.crt`), sims.certificates[type]);
    console.log(`register signing certificates (new at every start): ${EVIDENCE_TYPES.map((t) => path.join(out, `${t}.crt`)).join(', ')}`);
  }
  if (brokerCertificate === undefined) console.log('queries must be signed with the sandbox broker key of this process; set BROKER_SIGNING_CERT_FILE to pin a broker of your own');
  console.log(`sandbox citizens in every register: ${DEMO_CITIZENS.join(', ')}; in none: ${CITIZEN_IN_NO_REGISTER}`);
  console.log(`switch a register: curl -X POST ${sims.byType[EVIDENCE_TYPES[0]].url}/_control -d '{"latencyMs":0,"fault":"pending"}'`);
  const stop = () => void sims.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
