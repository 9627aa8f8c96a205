// The tax administration simulator: the shared server and responder with the income messages and records.
// Its statements lie for 'outside-period' with an assessment of a year after the requested ones; there is no
// 'negative-amount' lie, because a negative taxable income (a loss year) is true information, not an error.
import { familyInstance, startRegisterSimulator, type SimulatedInstance, type SimulatorHandle, type SimulatorStartOptions } from '../simulator-server.ts';
import { createRegisterResponder } from '../simulator-responder.ts';
import { sandboxTrust } from '../sandbox-trust.ts';
import { incomeMessages, type IncomeStatement } from './messages.ts';
import { incomeStatementFor } from './records.ts';

export function startIncomeSimulator(opts: SimulatorStartOptions): Promise<SimulatorHandle> {
  const REGISTER = incomeMessages.register;
  const handlerFor = (served: SimulatedInstance) =>
    createRegisterResponder(incomeMessages, incomeStatementFor, {
      clock: opts.clock,
      instanceId: served.instance.id,
      signing: served.signing,
      brokerCertificates: opts.brokerCertificates ?? [sandboxTrust().broker.certPem],
      distortions: {
        'outside-period': (s, asked): IncomeStatement => {
          const last = s.assessments[s.assessments.length - 1]!;
          const year = asked.to + 1;
          return { ...s, assessments: [...s.assessments, { ...last, year, assessmentDate: `${year + 1}-03-01` }] };
        },
      },
    });
  return startRegisterSimulator({ register: REGISTER, instances: opts.instances ?? [familyInstance(REGISTER)], handlerFor, port: opts.port, host: opts.host });
}
