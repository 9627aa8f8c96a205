// Child process: one evidence type's register simulator (the type's real simulator), serving every sandbox
// instance of the type at its own path with the bench's key for it; one process per type so the registers
// work in parallel as independent systems do. It reports its instances: what the broker's directory is seeded with.
import { evidenceTypeOf, type EvidenceType } from '../adapters/index.ts';
import type { SimulatorInstance } from '../adapters/simulators.ts';
import { childArgs, serveParent } from './child-process.ts';
import type { BenchKeys, KeyedInstance } from './register-queries.ts';

/** What the parent passes: which type to serve, its instances with their keys, and the broker certificates to pin. */
export interface SimulatorArgs {
  type: EvidenceType;
  instances: KeyedInstance[];
  broker: BenchKeys['broker'];
}

/** What the parent learns when the simulator is up. */
export interface SimulatorReady {
  type: EvidenceType;
  url: string;
  instances: SimulatorInstance[];
}

const { type, instances, broker } = childArgs<SimulatorArgs>();
const sim = await evidenceTypeOf(type).startSimulator({
  host: '127.0.0.1',
  port: 0,
  instances: instances.map((i) => ({ instance: { id: i.id, name: i.name, values: i.values, profile: i.profile }, signing: i.signing })),
  brokerCertificates: [broker.rsa.certPem, broker.ecdsa.certPem],
});
const served: SimulatorInstance[] = instances.map(({ signing, ...instance }) => {
  const url = sim.instances.find((i) => i.id === instance.id)?.url;
  if (url === undefined) throw new Error(`the ${type} simulator does not serve ${instance.id}`);
  return { ...instance, url, certificate: signing.certPem };
});

serveParent(
  { type, url: sim.url, instances: served } satisfies SimulatorReady,
  {
    setLatency(params) {
      const { latencyMs } = params as { latencyMs: number };
      sim.setBehaviour({ latencyMs, fault: 'none' });
    },
    calls: () => sim.calls,
  },
  () => sim.close(),
);
