// Statutory health insurer messages on maternity benefit (Mutterschaftsgeld): the query asks for a span of
// days, the answer states one benefit period, the daily rate and the total paid. Shared parts:
// ../register-envelope.ts.
import { z } from 'zod';
import { beginEndPeriod, defineMessageFamily } from '../register-envelope.ts';
import { centsToEuroText, dayText, euroAmount } from '../xml.ts';

/** Calendar days, 'YYYY-MM-DD' inclusive. */
export interface DayRange {
  from: string;
  to: string;
}

/** One maternity benefit as the insurer states it (amounts in cents, as read). */
export interface MaternityBenefitStatement {
  insurer: { name: string; institutionCode: string };
  benefitPeriod: DayRange;
  dailyRateCents: number;
  totalPaidCents: number;
}

const dayRange = z.object({ beginn: dayText, ende: dayText }).transform((r): DayRange => ({ from: r.beginn, to: r.ende }));

const statement = z
  .object({
    krankenkasse: z.object({ name: z.string().min(1).max(200), institutionskennzeichen: z.string().regex(/^\d{9}$/) }),
    leistungszeitraum: dayRange,
    kalendertaeglicherBetrag: euroAmount,
    gesamtbetrag: euroAmount,
  })
  .transform(
    (s): MaternityBenefitStatement => ({
      insurer: { name: s.krankenkasse.name, institutionCode: s.krankenkasse.institutionskennzeichen },
      benefitPeriod: s.leistungszeitraum,
      dailyRateCents: s.kalendertaeglicherBetrag,
      totalPaidCents: s.gesamtbetrag,
    }),
  );

export const maternityBenefitMessages = defineMessageFamily<DayRange, MaternityBenefitStatement>({
  register: 'gkv-mutterschaftsgeld',
  namespace: 'urn:xoev-de:evidence-broker:gkv-mutterschaftsgeld:1.0',
  schemaFile: 'gkv-mutterschaftsgeld/gkv-mutterschaftsgeld-1.0.xsd',
  queryRoot: 'mutterschaftsgeldAnfrage',
  answerRoot: 'mutterschaftsgeldAntwort',
  period: beginEndPeriod(dayRange),
  payload: {
    write(el, s) {
      const insurer = el.ele('krankenkasse');
      insurer.ele('name').txt(s.insurer.name);
      insurer.ele('institutionskennzeichen').txt(s.insurer.institutionCode);
      const period = el.ele('leistungszeitraum');
      period.ele('beginn').txt(s.benefitPeriod.from);
      period.ele('ende').txt(s.benefitPeriod.to);
      el.ele('kalendertaeglicherBetrag').txt(centsToEuroText(s.dailyRateCents));
      el.ele('gesamtbetrag').txt(centsToEuroText(s.totalPaidCents));
    },
    schema: statement,
  },
});
