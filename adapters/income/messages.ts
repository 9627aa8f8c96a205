// Tax administration messages on income (Einkommensdaten): the query asks for assessment years, the answer
// lists the taxable income and assessment date (Bescheiddatum) per assessed year and the tax office.
// Shared parts: ../register-envelope.ts.
import { z } from 'zod';
import { beginEndPeriod, defineMessageFamily } from '../register-envelope.ts';
import { centsToEuroText, dayText, euroAmount, repeated, yearText } from '../xml.ts';

/** Assessment years (Veranlagungszeiträume), inclusive. */
export interface YearRange {
  from: number;
  to: number;
}

/** The tax office's statement (amounts in cents, as read; taxable income may be negative in a loss year). */
export interface IncomeStatement {
  taxOffice: { name: string; number: string };
  assessments: { year: number; taxableIncomeCents: number; assessmentDate: string }[];
}

const yearRange = z.object({ beginn: yearText, ende: yearText }).transform((r): YearRange => ({ from: r.beginn, to: r.ende }));

const statement = z
  .object({
    finanzamt: z.object({ name: z.string().min(1).max(200), finanzamtsnummer: z.string().regex(/^\d{4}$/) }),
    veranlagung: repeated(
      z.object({ veranlagungsjahr: yearText, zuVersteuerndesEinkommen: euroAmount, bescheiddatum: dayText }),
      { min: 1, max: 50 },
    ),
  })
  .transform(
    (s): IncomeStatement => ({
      taxOffice: { name: s.finanzamt.name, number: s.finanzamt.finanzamtsnummer },
      assessments: s.veranlagung.map((v) => ({
        year: v.veranlagungsjahr,
        taxableIncomeCents: v.zuVersteuerndesEinkommen,
        assessmentDate: v.bescheiddatum,
      })),
    }),
  );

export const incomeMessages = defineMessageFamily<YearRange, IncomeStatement>({
  register: 'steuerverwaltung',
  namespace: 'urn:xoev-de:evidence-broker:steuerverwaltung:1.0',
  schemaFile: 'steuerverwaltung/steuerverwaltung-1.0.xsd',
  queryRoot: 'einkommensdatenAnfrage',
  answerRoot: 'einkommensdatenAntwort',
  period: beginEndPeriod(yearRange),
  payload: {
    write(el, s) {
      const office = el.ele('finanzamt');
      office.ele('name').txt(s.taxOffice.name);
      office.ele('finanzamtsnummer').txt(s.taxOffice.number);
      for (const a of s.assessments) {
        const assessment = el.ele('veranlagung');
        assessment.ele('veranlagungsjahr').txt(String(a.year));
        assessment.ele('zuVersteuerndesEinkommen').txt(centsToEuroText(a.taxableIncomeCents));
        assessment.ele('bescheiddatum').txt(a.assessmentDate);
      }
    },
    schema: statement,
  },
});
