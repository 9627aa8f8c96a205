// The normalized evidence model: what every register's answer is mapped to, whatever its XML looks like.
// Amounts are integer euro cents (never floats); months are 'YYYY-MM', days 'YYYY-MM-DD'.
import { z } from 'zod';
import type { EvidenceType } from '../broker/domain/codes.ts';

const cents = z.number().int().nonnegative();
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);
const day = z.iso.date();

/** Salary certificate data (rvBEA): gross and net pay per month from one employer. */
export const SalaryEvidence = z.object({
  employer: z.object({ name: z.string().min(1), operatorNumber: z.string().min(1) }),
  period: z.object({ from: month, to: month }),
  months: z.array(z.object({ month, grossCents: cents, netCents: cents })).min(1),
  currency: z.literal('EUR'),
});
export type SalaryEvidence = z.infer<typeof SalaryEvidence>;

/** Maternity benefit (Mutterschaftsgeld) paid by a statutory health insurer. */
export const MaternityBenefitEvidence = z.object({
  insurer: z.object({ name: z.string().min(1), institutionCode: z.string().regex(/^\d{9}$/) }),
  benefitPeriod: z.object({ from: day, to: day }),
  dailyRateCents: cents,
  totalPaidCents: cents,
  currency: z.literal('EUR'),
});
export type MaternityBenefitEvidence = z.infer<typeof MaternityBenefitEvidence>;

/** Income data from the tax administration: taxable income per assessed year. */
export const IncomeEvidence = z.object({
  taxOffice: z.object({ name: z.string().min(1), number: z.string().regex(/^\d{4}$/) }),
  years: z
    .array(z.object({ year: z.number().int().min(1990).max(2100), taxableIncomeCents: z.number().int(), assessmentDate: day }))
    .min(1),
  currency: z.literal('EUR'),
});
export type IncomeEvidence = z.infer<typeof IncomeEvidence>;

export interface EvidenceDataByType {
  salary: SalaryEvidence;
  'maternity-benefit': MaternityBenefitEvidence;
  income: IncomeEvidence;
}

export const evidenceSchemas: { [T in EvidenceType]: z.ZodType<EvidenceDataByType[T]> } = {
  salary: SalaryEvidence,
  'maternity-benefit': MaternityBenefitEvidence,
  income: IncomeEvidence,
};
