// The income adapter: asks the tax administration for the years of the requested months and maps its
// assessments to IncomeEvidence.
import type { RegisterAdapter } from '../contract.ts';
import { IncomeEvidence } from './evidence.ts';
import { createRegisterAdapter, RejectedAnswer, type RegisterAdapterConfig } from '../register-exchange.ts';
import { incomeMessages, type YearRange } from './messages.ts';

export function createIncomeAdapter(cfg: RegisterAdapterConfig): RegisterAdapter<'income', IncomeEvidence> {
  return createRegisterAdapter(
    {
      evidenceType: 'income',
      messages: incomeMessages,
      evidenceSchema: IncomeEvidence,
      toRegisterPeriod: yearsOf,
      toEvidence(statement, req, fetchedAt): IncomeEvidence {
        const asked = yearsOf(req.period);
        const years = statement.assessments.map((a) => a.year);
        const inRange = years.filter((y) => y >= asked.from && y <= asked.to);
        // Years before the range are fine only as the single "latest assessed year" fallback.
        const fallback = inRange.length === 0 && years.length === 1 && years[0]! < asked.from;
        if (inRange.length !== years.length && !fallback) throw new RejectedAnswer('an assessed year lies outside the requested period');
        if (new Set(years).size !== years.length) throw new RejectedAnswer('a year is assessed twice');
        if (statement.assessments.some((a) => a.assessmentDate < `${a.year + 1}-01-01`)) {
          throw new RejectedAnswer('an assessment is dated before its year ended');
        }
        const today = fetchedAt.toISOString().slice(0, 10);
        if (statement.assessments.some((a) => a.assessmentDate > today)) throw new RejectedAnswer('an assessment is dated after the answer was given');
        // NOTE: taxable income may be negative (a loss year); the evidence model allows it, so it is not refused.
        return {
          taxOffice: statement.taxOffice,
          years: statement.assessments.map((a) => ({ year: a.year, taxableIncomeCents: a.taxableIncomeCents, assessmentDate: a.assessmentDate })),
          currency: 'EUR',
        };
      },
    },
    cfg,
  );
}

function yearsOf(period: { from: string; to: string }): YearRange {
  return { from: Number(period.from.slice(0, 4)), to: Number(period.to.slice(0, 4)) };
}
