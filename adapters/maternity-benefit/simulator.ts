// The statutory health insurer simulator: the shared server and responder with the maternity benefit
// messages and records, and how its statements are made to lie for the content faults (a negative daily
// rate, a benefit period that ended before the requested days began).
import { startRegisterSimulator, type SimulatorHandle, type SimulatorStartOptions } from '../simulator-server.ts';
import { createRegisterResponder } from '../simulator-responder.ts';
import { maternityBenefitMessages, type MaternityBenefitStatement } from './messages.ts';
import { maternityBenefitFor } from './records.ts';

const DAY_MS = 86_400_000;

export function startMaternityBenefitSimulator(opts: SimulatorStartOptions = {}): Promise<SimulatorHandle> {
  const handler = createRegisterResponder(maternityBenefitMessages, (idNr, period) => maternityBenefitFor(idNr, period), {
    clock: opts.clock,
    signing: opts.signing,
    brokerCertificate: opts.brokerCertificate,
    distortions: {
      'negative-amount': (s): MaternityBenefitStatement => ({ ...s, dailyRateCents: -Math.max(s.dailyRateCents, 1) }),
      'outside-period': (s, asked): MaternityBenefitStatement => {
        const start = Date.parse(asked.from);
        const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
        return { ...s, benefitPeriod: { from: day(start - 98 * DAY_MS), to: day(start - DAY_MS) } };
      },
    },
  });
  return startRegisterSimulator({ register: 'gkv-mutterschaftsgeld', handler, port: opts.port, host: opts.host });
}
