// Starts every evidence type's register simulator together — one server per type, serving each sandbox instance
// of the type at its own path with its own key — for tests (port 0), demo `npm start`, and the public sandbox
// (`tsx adapters/simulators.ts [--host 0.0.0.0] [--certificates-out dir]`). By default they trust this process's
// sandbox key set (./sandbox-trust.ts), so a broker in the same process pins each instance's `certificate`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { envToConfig, readEnv } from '../broker/config/config.ts';
import type { SandboxInstance } from './evidence-type.ts';
import { EVIDENCE_TYPES, evidenceTypeOf, type EvidenceType } from './index.ts';
import { CITIZEN_IN_NO_REGISTER, DEMO_CITIZENS } from './sandbox-citizens.ts';
import { sandboxBrokerIdentity, sandboxSigningIdentity } from './sandbox-trust.ts';
import { checkPinnedCertificate, type SigningIdentity } from './signing-keys.ts';
import type { SimulatedInstance, SimulatorHandle } from './simulator-server.ts';
import { isEntryPoint } from '../broker/ops/entry-point.ts';

/** A register instance the simulators serve, as a directory entry needs it. */
export interface SimulatorInstance extends SandboxInstance {
  evidenceType: EvidenceType;
  /** Its endpoint. */
  url: string;
  /** Its signing certificate (PEM): what a broker pins for it. */
  certificate: string;
}

/** The running simulators: one server per evidence type, serving every instance of the type. */
export interface Simulators {
  byType: Record<EvidenceType, SimulatorHandle>;
  /** Each type's server (its first instance answers at `/`). */
  baseUrls: Record<EvidenceType, string>;
  instances: SimulatorInstance[];
  /** The broker signing certificates the simulators pin (PEM, one per profile): queries must be signed with one of their keys. */
  brokerCertificates: string[];
  close(): Promise<void>;
}

export interface SimulatorsOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Missing types get a free port. */
  ports?: Partial<Record<EvidenceType, number>>;
  clock?: () => Date;
  /** The instances per type; default: each descriptor's sandbox instances. */
  instances?: Partial<Record<EvidenceType, readonly SandboxInstance[]>>;
  /** Signing keys of instances by id; default: each instance's identity in the sandbox key set (of its profile). */
  signing?: Record<string, SigningIdentity>;
  /** The broker's signing certificates to pin; default: the sandbox broker's (RSA and ECDSA). */
  brokerCertificates?: readonly string[];
}

/** The sandbox broker's certificates, one per crypto profile: what the simulators pin by default. */
export async function sandboxBrokerCertificates(): Promise<string[]> {
  return [(await sandboxBrokerIdentity('rsa-pss-sha256')).certPem, (await sandboxBrokerIdentity('ecdsa-p256-sha256')).certPem];
}

export async function startSimulators(opts: SimulatorsOptions = {}): Promise<Simulators> {
  const brokerCertificates = [...(opts.brokerCertificates ?? (await sandboxBrokerCertificates()))];
  const served = Object.fromEntries(
    await Promise.all(
      EVIDENCE_TYPES.map(async (type) => {
        const instances = opts.instances?.[type] ?? evidenceTypeOf(type).sandboxInstances;
        const withKeys = await Promise.all(
          instances.map(async (instance) => ({ instance, signing: opts.signing?.[instance.id] ?? (await sandboxSigningIdentity(instance.id, instance.profile)) })),
        );
        return [type, withKeys] as const;
      }),
    ),
  ) as Record<EvidenceType, SimulatedInstance[]>;
  const started = await Promise.allSettled(
    EVIDENCE_TYPES.map((type) =>
      evidenceTypeOf(type).startSimulator({ host: opts.host, port: opts.ports?.[type] ?? 0, clock: opts.clock, instances: served[type], brokerCertificates }),
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
  const instances = EVIDENCE_TYPES.flatMap((type) =>
    served[type].map(({ instance, signing }) => ({ ...instance, evidenceType: type, url: `${byType[type].url}/${instance.id}`, certificate: signing.certPem })),
  );
  return {
    byType,
    baseUrls,
    instances,
    brokerCertificates,
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
  const own = [env.BROKER_SIGNING_CERT_FILE, env.BROKER_ECDSA_SIGNING_CERT_FILE].flatMap((file) => (file === undefined ? [] : [readFileSync(file, 'utf8')]));
  own.forEach((pem) => checkPinnedCertificate(pem, 'BROKER_SIGNING_CERT_FILE'));
  const brokerCertificate = own.length > 0 ? own : undefined;
  const sims = await startSimulators({ host: values.host, ports, brokerCertificates: brokerCertificate });
  for (const instance of sims.instances) {
    console.log(`${instance.evidenceType.padEnd(18)} ${instance.id.padEnd(22)} ${instance.url}   (${instance.profile}; behaviour of the ${instance.evidenceType} server: ${sims.byType[instance.evidenceType].url}/_control)`);
  }
  const out = values['certificates-out'];
  if (out !== undefined) {
    // Public information: what a broker pins (<TYPE>_REGISTER_CERT_FILE) for this run's registers.
    mkdirSync(out, { recursive: true });
    for (const instance of sims.instances) writeFileSync(path.join(out, `${instance.id}.crt`), instance.certificate);
    console.log(`register signing certificates (new at every start): ${sims.instances.map((i) => path.join(out, `${i.id}.crt`)).join(', ')}`);
  }
  if (brokerCertificate === undefined) console.log('queries must be signed with the sandbox broker key of this process; set BROKER_SIGNING_CERT_FILE to pin a broker of your own');
  console.log(`sandbox citizens in every register: ${DEMO_CITIZENS.join(', ')}; in none: ${CITIZEN_IN_NO_REGISTER}`);
  console.log(`switch a register: curl -X POST ${sims.byType[EVIDENCE_TYPES[0]].url}/_control -d '{"latencyMs":0,"fault":"pending"}'`);
  const stop = () => void sims.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (isEntryPoint(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
