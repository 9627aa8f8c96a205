// Starts the three register simulators together: for tests (port 0), for `npm start` in demo mode, and
// as the public sandbox (`tsx adapters/simulators.ts [--host 0.0.0.0]`, ports from SIMULATOR_PORTS or
// 8091/8092/8093).
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { envToConfig, readEnv } from '../broker/config.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../broker/domain/codes.ts';
import { startIncomeSimulator } from './income/simulator.ts';
import { startMaternityBenefitSimulator } from './maternity-benefit/simulator.ts';
import { startSalarySimulator } from './salary/simulator.ts';
import { CITIZEN_IN_NO_REGISTER, DEMO_CITIZENS } from './sandbox-citizens.ts';
import type { SimulatorHandle, SimulatorStartOptions } from './simulator-server.ts';

const STARTERS: { [T in EvidenceType]: (opts: SimulatorStartOptions) => Promise<SimulatorHandle> } = {
  salary: startSalarySimulator,
  'maternity-benefit': startMaternityBenefitSimulator,
  income: startIncomeSimulator,
};

/** The three running simulators. */
export interface Simulators {
  byType: Record<EvidenceType, SimulatorHandle>;
  baseUrls: Record<EvidenceType, string>;
  close(): Promise<void>;
}

export interface SimulatorsOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Missing types get a free port. */
  ports?: Partial<Record<EvidenceType, number>>;
  clock?: () => Date;
}

export async function startSimulators(opts: SimulatorsOptions = {}): Promise<Simulators> {
  const started = await Promise.allSettled(
    EVIDENCE_TYPES.map((type) => STARTERS[type]({ host: opts.host, port: opts.ports?.[type] ?? 0, clock: opts.clock })),
  );
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    // One port taken must not leave the other two listening.
    await Promise.allSettled(running.map((sim) => sim.close()));
    throw failed.reason;
  }
  const byType = Object.fromEntries(EVIDENCE_TYPES.map((type, i) => [type, running[i]!])) as Record<EvidenceType, SimulatorHandle>;
  const baseUrls = Object.fromEntries(EVIDENCE_TYPES.map((type) => [type, byType[type].url])) as Record<EvidenceType, string>;
  return {
    byType,
    baseUrls,
    async close() {
      await Promise.all(running.map((sim) => sim.close()));
    },
  };
}

async function main(): Promise<void> {
  // The one place here that reads the environment, through the broker's configuration reader.
  const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' } } });
  const sims = await startSimulators({ host: values.host, ports: envToConfig(readEnv()).simulatorPorts });
  for (const type of EVIDENCE_TYPES) {
    const sim = sims.byType[type];
    console.log(`${type.padEnd(18)} register ${sim.register.padEnd(22)} ${sim.url}   (behaviour: ${sim.url}/_control)`);
  }
  console.log(`sandbox citizens in every register: ${DEMO_CITIZENS.join(', ')}; in none: ${CITIZEN_IN_NO_REGISTER}`);
  console.log(`switch a register: curl -X POST ${sims.byType.salary.url}/_control -d '{"latencyMs":0,"fault":"pending"}'`);
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
