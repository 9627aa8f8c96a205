// Child process: one register simulator (the real startSimulators), one process per register so the
// registers work in parallel as independent systems do. Every process gets the bench's one key set.
import { startSimulators } from '../adapters/simulators.ts';
import type { EvidenceType } from '../adapters/index.ts';
import { childArgs, serveParent } from './child-process.ts';
import { byType, type SigningIdentity } from './register-queries.ts';

/** What the parent passes: which register to serve, and the bench's key set. */
export interface SimulatorArgs {
  type: EvidenceType;
  trust: { broker: SigningIdentity; registers: Record<EvidenceType, SigningIdentity> };
}

/** What the parent learns when the simulator is up. */
export interface SimulatorReady {
  type: EvidenceType;
  url: string;
}

const { type, trust } = childArgs<SimulatorArgs>();
const sims = await startSimulators({
  host: '127.0.0.1',
  ports: byType(() => 0),
  signing: trust.registers,
  brokerCertificate: trust.broker.certPem,
});
const sim = sims.byType[type];

serveParent(
  { type, url: sim.url } satisfies SimulatorReady,
  {
    setLatency(params) {
      const { latencyMs } = params as { latencyMs: number };
      sim.setBehaviour({ latencyMs, fault: 'none' });
    },
    calls: () => sim.calls,
  },
  () => sims.close(),
);
