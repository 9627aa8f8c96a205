// The maternity benefit adapter: asks the insurer about the requested months as calendar days and maps
// its statement to MaternityBenefitEvidence.
import type { RegisterAdapter } from '../contract.ts';
import { MaternityBenefitEvidence } from './evidence.ts';
import { createRegisterAdapter, RejectedAnswer, type RegisterAdapterConfig } from '../register-exchange.ts';
import { maternityBenefitMessages, type DayRange } from './messages.ts';

export function createMaternityBenefitAdapter(cfg: RegisterAdapterConfig): RegisterAdapter<'maternity-benefit', MaternityBenefitEvidence> {
  return createRegisterAdapter(
    {
      evidenceType: 'maternity-benefit',
      messages: maternityBenefitMessages,
      evidenceSchema: MaternityBenefitEvidence,
      toRegisterPeriod: monthsAsDays,
      toEvidence(statement, req): MaternityBenefitEvidence {
        const asked = monthsAsDays(req.period);
        const { benefitPeriod: period } = statement;
        if (period.from > period.to) throw new RejectedAnswer('benefit period ends before it begins');
        // A benefit period may run past the requested months (it spans a birth), but must touch them.
        if (period.to < asked.from || period.from > asked.to) {
          throw new RejectedAnswer('benefit period lies outside the requested period');
        }
        if (statement.dailyRateCents < 0 || statement.totalPaidCents < 0) throw new RejectedAnswer('negative benefit amount');
        // Paid for at most every day of the benefit period (less when part of it is still to be paid).
        if (statement.totalPaidCents > statement.dailyRateCents * daysIn(period)) {
          throw new RejectedAnswer('total paid exceeds the daily rate for every day of the benefit period');
        }
        return { ...statement, currency: 'EUR' };
      },
    },
    cfg,
  );
}

function daysIn(range: DayRange): number {
  return Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1;
}

/** 'YYYY-MM'..'YYYY-MM' as the first day of the first month to the last day of the last month. */
function monthsAsDays(period: { from: string; to: string }): DayRange {
  const [year, month] = period.to.split('-').map(Number) as [number, number];
  const lastDay = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
  return { from: `${period.from}-01`, to: lastDay };
}
