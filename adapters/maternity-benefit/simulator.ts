// The statutory health insurer simulator: the shared server and responder with the maternity benefit
// messages and records, and how its statements are made to lie for the content faults (a negative daily
// rate, a benefit period that ended before the requested days began).
import type { SimulatorHandle, SimulatorStartOptions } from '../simulator-server.ts';
import { startFamilySimulator } from '../simulator-responder.ts';
import { maternityBenefitMessages, type MaternityBenefitStatement } from './messages.ts';
import { maternityBenefitFor } from './records.ts';
import type { SandboxInstance } from '../evidence-type.ts';

const DAY_MS = 86_400_000;

export function startMaternityBenefitSimulator(opts: SimulatorStartOptions): Promise<SimulatorHandle> {
  return startFamilySimulator(maternityBenefitMessages, opts, (served) => ({
    lookup: (idNr, period) => maternityBenefitFor(idNr, period, insurerOf(served.instance)),
    distortions: {
      'negative-amount': (s): MaternityBenefitStatement => ({ ...s, dailyRateCents: -Math.max(s.dailyRateCents, 1) }),
      'outside-period': (s, asked): MaternityBenefitStatement => {
        const start = Date.parse(asked.from);
        const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
        return { ...s, benefitPeriod: { from: day(start - 98 * DAY_MS), to: day(start - DAY_MS) } };
      },
    },
  }));
}

/** The insurer an instance speaks for (its name and first IK); none for a simulator started without instances. */
function insurerOf(instance: SandboxInstance): MaternityBenefitStatement['insurer'] | undefined {
  const ik = instance.values[0];
  return ik === undefined ? undefined : { name: instance.name, institutionCode: ik };
}
