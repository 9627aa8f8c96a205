// Synthetic statutory health insurer records: every valid IdNr has one maternity benefit period placed in
// the requested span, with rate and insurer derived from the IdNr.
import { notInRegister, seededInt, seededPick } from '../sandbox-citizens.ts';
import type { DayRange, MaternityBenefitStatement } from './messages.ts';

/** Citizens for whom the maternity benefit register answers "not found". */
export const NOT_IN_REGISTER = notInRegister('2947160382');

type Insurer = MaternityBenefitStatement['insurer'];
const INSURERS: readonly [Insurer, ...Insurer[]] = [
  { name: 'AOK Musterland', institutionCode: '108099001' },
  { name: 'BKK Musterwerke', institutionCode: '108099002' },
  { name: 'IKK Musterhandwerk', institutionCode: '108099003' },
  { name: 'Ersatzkasse Beispielstadt', institutionCode: '108099004' },
];

/** The statutory insurer pays at most 13 € a day; the employer tops up the rest (§ 19 MuSchG). */
const MAX_DAILY_RATE_CENTS = 1300;
const DAY_MS = 86_400_000;

/** The benefit for the requested span, or null when the citizen is not insured here; `insurer`: the instance answering. */
export function maternityBenefitFor(idNr: string, requested: DayRange, insurer?: Insurer): MaternityBenefitStatement | null {
  if (NOT_IN_REGISTER.includes(idNr)) return null;
  const from = Date.parse(requested.from);
  const spanDays = Math.round((Date.parse(requested.to) - from) / DAY_MS) + 1;
  if (!(spanDays > 0)) return null;

  // 6 weeks before and 8 after birth (14 weeks); 12 weeks after for early or multiple births.
  const days = seededInt(idNr, 'early-or-multiple-birth', 0, 9) === 0 ? 18 * 7 : 14 * 7;
  // Inside the span when it fits, else starting with it (still overlapping the requested span).
  const offset = spanDays > days ? seededInt(idNr, `benefit-start|${requested.from}|${requested.to}`, 0, spanDays - days) : 0;
  const start = from + offset * DAY_MS;
  const dailyRateCents =
    seededInt(idNr, 'low-earner', 0, 4) === 0 ? seededInt(idNr, 'daily-rate', 750, MAX_DAILY_RATE_CENTS - 1) : MAX_DAILY_RATE_CENTS;

  return {
    insurer: insurer ? { ...insurer } : { ...seededPick(idNr, 'insurer', INSURERS) },
    benefitPeriod: { from: isoDay(start), to: isoDay(start + (days - 1) * DAY_MS) },
    dailyRateCents,
    totalPaidCents: dailyRateCents * days,
  };
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
