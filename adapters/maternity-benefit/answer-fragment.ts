// Maternity benefit in the broker's own answer document (nachweis:Mutterschaftsgeld, xoev-schemas/nachweis/):
// written from the evidence and read back into it exactly, amounts as euros with two decimals.
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { z } from 'zod';
import { centsToEuroText, euroAmount } from '../xml.ts';
import { MaternityBenefitEvidence } from './evidence.ts';

export function writeMaternityBenefitFragment(out: XMLBuilder, m: MaternityBenefitEvidence): void {
  const insurer = out.ele('krankenkasse');
  insurer.ele('name').txt(m.insurer.name);
  insurer.ele('institutionskennzeichen').txt(m.insurer.institutionCode);
  const period = out.ele('leistungszeitraum');
  period.ele('beginn').txt(m.benefitPeriod.from);
  period.ele('ende').txt(m.benefitPeriod.to);
  out.ele('kalendertaeglicherBetrag').txt(centsToEuroText(m.dailyRateCents));
  out.ele('gesamtbetrag').txt(centsToEuroText(m.totalPaidCents));
  out.ele('waehrung').txt(m.currency);
}

export const readMaternityBenefitFragment = z
  .object({
    krankenkasse: z.object({ name: z.string(), institutionskennzeichen: z.string() }),
    leistungszeitraum: z.object({ beginn: z.string(), ende: z.string() }),
    kalendertaeglicherBetrag: euroAmount,
    gesamtbetrag: euroAmount,
    waehrung: z.literal('EUR'),
  })
  .transform(
    (m): MaternityBenefitEvidence => ({
      insurer: { name: m.krankenkasse.name, institutionCode: m.krankenkasse.institutionskennzeichen },
      benefitPeriod: { from: m.leistungszeitraum.beginn, to: m.leistungszeitraum.ende },
      dailyRateCents: m.kalendertaeglicherBetrag,
      totalPaidCents: m.gesamtbetrag,
      currency: m.waehrung,
    }),
  )
  .pipe(MaternityBenefitEvidence);
