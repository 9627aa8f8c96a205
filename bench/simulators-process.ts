// Child process: one register simulator, served from the real startSimulators. The bench runs three of
// these, one per register, so the registers work in parallel as independent systems do (in one process the
// three would take turns on one event loop, and "the slowest register" would be the sum of all three).
// The other two simulators startSimulators starts here stay idle. All three processes use the same key set,
// made by the parent and passed in: each signs with its register's key and pins the same broker certificate.
import type { SigningIdentity } from '../adapters/signing.ts';
import { startSimulators } from '../adapters/simulators.ts';
import type { EvidenceType } from '../adapters/index.ts';
import { childArgs, serveParent } from './child-process.ts';

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
  ports: { salary: 0, 'maternity-benefit': 0, income: 0 },
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
