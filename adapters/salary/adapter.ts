// The salary adapter: maps the broker's request to an rvBEA query and the certificate to SalaryEvidence.
import type { RegisterAdapter } from '../contract.ts';
import { SalaryEvidence } from './evidence.ts';
import { createRegisterAdapter, RejectedAnswer, type RegisterAdapterConfig } from '../register-exchange.ts';
import { salaryMessages } from './messages.ts';

export function createSalaryAdapter(cfg: RegisterAdapterConfig): RegisterAdapter<'salary', SalaryEvidence> {
  return createRegisterAdapter(
    {
      evidenceType: 'salary',
      messages: salaryMessages,
      evidenceSchema: SalaryEvidence,
      toRegisterPeriod: (period) => ({ from: period.from, to: period.to }),
      toEvidence(statement, req): SalaryEvidence {
        const within = (month: string) => month >= req.period.from && month <= req.period.to;
        const { period, months } = statement;
        if (!within(period.from) || !within(period.to) || period.from > period.to) {
          throw new RejectedAnswer('certificate period lies outside the requested period');
        }
        if (months.some((m) => m.month < period.from || m.month > period.to)) {
          throw new RejectedAnswer('a certified month lies outside the certificate period');
        }
        if (new Set(months.map((m) => m.month)).size !== months.length) throw new RejectedAnswer('a month is certified twice');
        if (months.some((m) => m.grossCents < 0 || m.netCents < 0)) throw new RejectedAnswer('negative pay amount');
        if (months.some((m) => m.netCents > m.grossCents)) throw new RejectedAnswer('net pay exceeds gross pay');
        return { employer: statement.employer, period, months, currency: 'EUR' };
      },
    },
    cfg,
  );
}
