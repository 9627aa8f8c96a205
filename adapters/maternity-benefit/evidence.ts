// The normalized maternity benefit evidence (Mutterschaftsgeld) of a statutory health insurer.
import { z } from 'zod';
import { cents, day } from '../evidence-model.ts';

/** Maternity benefit (Mutterschaftsgeld) paid by a statutory health insurer. */
export const MaternityBenefitEvidence = z.object({
  insurer: z.object({ name: z.string().min(1), institutionCode: z.string().regex(/^\d{9}$/) }),
  benefitPeriod: z.object({ from: day, to: day }),
  dailyRateCents: cents,
  totalPaidCents: cents,
  currency: z.literal('EUR'),
});
export type MaternityBenefitEvidence = z.infer<typeof MaternityBenefitEvidence>;
