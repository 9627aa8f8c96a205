// Synthetic tax administration records: every valid IdNr is assessed every year, some months after the
// year ended; income, assessment dates and the tax office are derived from the IdNr.
import { notInRegister, seededInt, seededPick } from '../sandbox-citizens.ts';
import type { IncomeStatement, YearRange } from './messages.ts';

/** Citizens for whom the income register answers "not found". */
export const NOT_IN_REGISTER = notInRegister('5830217943');

type TaxOffice = IncomeStatement['taxOffice'];
const TAX_OFFICES: readonly [TaxOffice, ...TaxOffice[]] = [
  { name: 'Finanzamt Musterstadt', number: '9201' },
  { name: 'Finanzamt Beispielhausen', number: '9202' },
  { name: 'Finanzamt Musterdorf-Land', number: '9203' },
];

const FIRST_YEAR = 1990;
/** Years answered at most, the latest first kept. */
const MAX_YEARS = 10;

/**
 * The assessed years within the range; if none is assessed yet, the latest assessed year before it
 * (an Elterngeld office then works with the last known year). Null when the citizen is not known here.
 */
export function incomeStatementFor(idNr: string, range: YearRange, now: Date): IncomeStatement | null {
  if (NOT_IN_REGISTER.includes(idNr)) return null;
  const today = now.toISOString().slice(0, 10);
  const assessed = (year: number) => assessmentDate(idNr, year) <= today;

  let years: number[] = [];
  for (let year = Math.max(range.from, FIRST_YEAR); year <= range.to && year < now.getUTCFullYear(); year += 1) {
    if (assessed(year)) years.push(year);
  }
  years = years.slice(-MAX_YEARS);
  if (years.length === 0) {
    for (let year = Math.min(range.from, now.getUTCFullYear()) - 1; year >= FIRST_YEAR; year -= 1) {
      if (assessed(year)) {
        years = [year];
        break;
      }
    }
  }
  if (years.length === 0) return null;

  return {
    taxOffice: { ...seededPick(idNr, 'tax-office', TAX_OFFICES) },
    assessments: years.map((year) => ({ year, taxableIncomeCents: taxableIncomeCents(idNr, year), assessmentDate: assessmentDate(idNr, year) })),
  };
}

/** Tax offices assess a year between March and November of the next one. */
function assessmentDate(idNr: string, year: number): string {
  const month = seededInt(idNr, `assessed-month|${year}`, 3, 11);
  const day = seededInt(idNr, `assessed-day|${year}`, 1, 28);
  return `${year + 1}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function taxableIncomeCents(idNr: string, year: number): number {
  const baseEuros = seededInt(idNr, 'taxable-income', 24_000, 85_000);
  // About 2.5 % growth a year from 2020 on, ±5 % from year to year; assessed in whole euros.
  const growth = 1 + 0.025 * (year - 2020);
  const variation = 1 + seededInt(idNr, `taxable-income|${year}`, -500, 500) / 10_000;
  return Math.round(baseEuros * growth * variation) * 100;
}
