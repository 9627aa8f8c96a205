// The rvBEA register simulator: the shared server and responder with the salary messages and records, and
// how its certificates are made to lie for the content faults (a negative net pay, a month before the period).
import type { SimulatorHandle, SimulatorStartOptions } from '../simulator-server.ts';
import { startFamilySimulator } from '../simulator-responder.ts';
import { salaryMessages, type SalaryStatement } from './messages.ts';
import { salaryStatementFor } from './records.ts';

export function startSalarySimulator(opts: SimulatorStartOptions): Promise<SimulatorHandle> {
  return startFamilySimulator(salaryMessages, opts, () => ({
    lookup: salaryStatementFor,
    distortions: {
      'negative-amount': (s): SalaryStatement => ({ ...s, months: s.months.map((m, i) => (i === 0 ? { ...m, netCents: -Math.max(m.netCents, 1) } : m)) }),
      'outside-period': (s, asked): SalaryStatement => {
        const before = previousMonth(asked.from);
        const first = s.months[0]!;
        return { ...s, period: { from: before, to: s.period.to }, months: [{ ...first, month: before }, ...s.months] };
      },
    },
  }));
}

function previousMonth(month: string): string {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(year, mon - 2, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}
