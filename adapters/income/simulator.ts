// The tax administration simulator: the shared server and responder with the income messages and records.
// Its statements lie for 'outside-period' with an assessment of a year after the requested ones; there is no
// 'negative-amount' lie, because a negative taxable income (a loss year) is true information, not an error.
import type { SimulatorHandle, SimulatorStartOptions } from '../simulator-server.ts';
import { startFamilySimulator } from '../simulator-responder.ts';
import { incomeMessages, type IncomeStatement } from './messages.ts';
import { incomeStatementFor } from './records.ts';

export function startIncomeSimulator(opts: SimulatorStartOptions): Promise<SimulatorHandle> {
  return startFamilySimulator(incomeMessages, opts, () => ({
    lookup: incomeStatementFor,
    distortions: {
      'outside-period': (s, asked): IncomeStatement => {
        const last = s.assessments[s.assessments.length - 1]!;
        const year = asked.to + 1;
        return { ...s, assessments: [...s.assessments, { ...last, year, assessmentDate: `${year + 1}-03-01` }] };
      },
    },
  }));
}
