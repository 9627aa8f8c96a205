// The normalized income evidence of the tax administration: taxable income per assessed year, in cents.
import { z } from 'zod';
import { day } from '../evidence-model.ts';

/** Income data from the tax administration: taxable income per assessed year. */
export const IncomeEvidence = z.object({
  taxOffice: z.object({ name: z.string().min(1), number: z.string().regex(/^\d{4}$/) }),
  years: z
    .array(z.object({ year: z.number().int().min(1990).max(2100), taxableIncomeCents: z.number().int(), assessmentDate: day }))
    .min(1),
  currency: z.literal('EUR'),
});
export type IncomeEvidence = z.infer<typeof IncomeEvidence>;
