// rvBEA salary certificate messages (Entgeltbescheinigung): the query asks for settlement months, the
// answer lists one employer's gross and net pay per month. Shared parts: ../register-envelope.ts.
import { z } from 'zod';
import { beginEndPeriod, defineMessageFamily } from '../register-envelope.ts';
import { centsToEuroText, euroAmount, monthText, repeated } from '../xml.ts';

/** Settlement months asked for, 'YYYY-MM' inclusive. */
export interface MonthRange {
  from: string;
  to: string;
}

/** One employer's salary certificate as the register states it (amounts in cents, as read). */
export interface SalaryStatement {
  employer: { name: string; operatorNumber: string };
  period: MonthRange;
  months: { month: string; grossCents: number; netCents: number }[];
}

const monthRange = z
  .object({ beginn: monthText, ende: monthText })
  .transform((r): MonthRange => ({ from: r.beginn, to: r.ende }));

const statement = z
  .object({
    arbeitgeber: z.object({ name: z.string().min(1).max(200), betriebsnummer: z.string().regex(/^\d{8}$/) }),
    abrechnungszeitraum: monthRange,
    entgeltmonat: repeated(z.object({ monat: monthText, bruttoarbeitsentgelt: euroAmount, nettoarbeitsentgelt: euroAmount }), { min: 1 }),
  })
  .transform(
    (s): SalaryStatement => ({
      employer: { name: s.arbeitgeber.name, operatorNumber: s.arbeitgeber.betriebsnummer },
      period: s.abrechnungszeitraum,
      months: s.entgeltmonat.map((m) => ({ month: m.monat, grossCents: m.bruttoarbeitsentgelt, netCents: m.nettoarbeitsentgelt })),
    }),
  );

export const salaryMessages = defineMessageFamily<MonthRange, SalaryStatement>({
  register: 'rvbea',
  namespace: 'urn:xoev-de:evidence-broker:rvbea:1.0',
  schemaFile: 'rvbea/rvbea-1.0.xsd',
  queryRoot: 'entgeltbescheinigungAnfrage',
  answerRoot: 'entgeltbescheinigungAntwort',
  period: beginEndPeriod(monthRange),
  payload: {
    write(el, s) {
      const employer = el.ele('arbeitgeber');
      employer.ele('name').txt(s.employer.name);
      employer.ele('betriebsnummer').txt(s.employer.operatorNumber);
      const period = el.ele('abrechnungszeitraum');
      period.ele('beginn').txt(s.period.from);
      period.ele('ende').txt(s.period.to);
      for (const m of s.months) {
        const month = el.ele('entgeltmonat');
        month.ele('monat').txt(m.month);
        month.ele('bruttoarbeitsentgelt').txt(centsToEuroText(m.grossCents));
        month.ele('nettoarbeitsentgelt').txt(centsToEuroText(m.netCents));
      }
    },
    schema: statement,
  },
});
