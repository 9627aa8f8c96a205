// Synthetic rvBEA records: every valid IdNr works for one employer and has a certificate for every settled
// month; pay is derived from the IdNr, so the same citizen always has the same pay.
import { notInRegister, seededInt, seededPick } from '../sandbox-citizens.ts';
import type { MonthRange, SalaryStatement } from './messages.ts';

/** Citizens for whom the salary register answers "not found". */
export const NOT_IN_REGISTER = notInRegister('6091483726');

type Employer = SalaryStatement['employer'];
const EMPLOYERS: readonly [Employer, ...Employer[]] = [
  { name: 'Stadtwerke Musterstadt GmbH', operatorNumber: '12345678' },
  { name: 'Musterbau AG', operatorNumber: '23456781' },
  { name: 'Bäckerei Beispiel & Söhne KG', operatorNumber: '34567812' },
  { name: 'Kreisverwaltung Musterland', operatorNumber: '45678123' },
  { name: 'Beispiel Logistik GmbH', operatorNumber: '56781234' },
  { name: 'Klinikum Musterstadt gGmbH', operatorNumber: '67812345' },
];

/** A certificate covers at most this many months; older ones are not asked of employers. */
const MAX_MONTHS = 60;

/** The certificate for the settled months of the range (never the running month), or null. */
export function salaryStatementFor(idNr: string, range: MonthRange, now: Date): SalaryStatement | null {
  if (NOT_IN_REGISTER.includes(idNr)) return null;
  const lastSettled = addMonths(monthOf(now), -1);
  const to = range.to < lastSettled ? range.to : lastSettled;
  const earliest = addMonths(to, -(MAX_MONTHS - 1));
  const from = range.from > earliest ? range.from : earliest;
  if (from > to) return null;

  const months: SalaryStatement['months'] = [];
  for (let month = from; month <= to; month = addMonths(month, 1)) months.push({ month, ...payFor(idNr, month) });
  return { employer: { ...seededPick(idNr, 'employer', EMPLOYERS) }, period: { from, to }, months };
}

function payFor(idNr: string, month: string): { grossCents: number; netCents: number } {
  const baseCents = seededInt(idNr, 'gross', 2_400, 6_800) * 100;
  // Overtime and shift allowances move pay by up to ±3 % a month; some employers pay a Christmas bonus.
  const variation = seededInt(idNr, `gross|${month}`, -300, 300);
  let grossCents = Math.round((baseCents * (10_000 + variation)) / 10_000);
  if (month.endsWith('-12') && seededInt(idNr, 'christmas-bonus', 0, 1) === 1) grossCents += baseCents / 2;
  const netShare = seededInt(idNr, 'net-share', 600, 700); // per mille, by tax class and contributions
  return { grossCents, netCents: Math.round((grossCents * netShare) / 1000) };
}

function monthOf(day: Date): string {
  return `${day.getUTCFullYear()}-${String(day.getUTCMonth() + 1).padStart(2, '0')}`;
}

function addMonths(month: string, n: number): string {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  return monthOf(new Date(Date.UTC(year, mon - 1 + n, 1)));
}
