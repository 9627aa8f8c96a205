// The normalized salary evidence (rvBEA): gross and net pay per month from one employer, amounts in cents.
import { z } from 'zod';
import { cents, month } from '../evidence-model.ts';

/** Salary certificate data (rvBEA): gross and net pay per month from one employer. */
export const SalaryEvidence = z.object({
  employer: z.object({ name: z.string().min(1), operatorNumber: z.string().min(1) }),
  period: z.object({ from: month, to: month }),
  months: z.array(z.object({ month, grossCents: cents, netCents: cents })).min(1),
  currency: z.literal('EUR'),
});
export type SalaryEvidence = z.infer<typeof SalaryEvidence>;
