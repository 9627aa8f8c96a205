// Income in the broker's own answer document (nachweis:Einkommen, xoev-schemas/nachweis/): written from the
// evidence and read back into it exactly, amounts as euros with two decimals.
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { z } from 'zod';
import { centsToEuroText, euroAmount, repeated } from '../xml.ts';
import { IncomeEvidence } from './evidence.ts';

export function writeIncomeFragment(out: XMLBuilder, i: IncomeEvidence): void {
  const office = out.ele('finanzamt');
  office.ele('name').txt(i.taxOffice.name);
  office.ele('finanzamtsnummer').txt(i.taxOffice.number);
  for (const y of i.years) {
    const year = out.ele('veranlagung');
    year.ele('veranlagungsjahr').txt(String(y.year));
    year.ele('zuVersteuerndesEinkommen').txt(centsToEuroText(y.taxableIncomeCents));
    year.ele('bescheiddatum').txt(y.assessmentDate);
  }
  out.ele('waehrung').txt(i.currency);
}

export const readIncomeFragment = z
  .object({
    finanzamt: z.object({ name: z.string(), finanzamtsnummer: z.string() }),
    veranlagung: repeated(z.object({ veranlagungsjahr: z.string(), zuVersteuerndesEinkommen: euroAmount, bescheiddatum: z.string() }), { min: 1 }),
    waehrung: z.literal('EUR'),
  })
  .transform(
    (i): IncomeEvidence => ({
      taxOffice: { name: i.finanzamt.name, number: i.finanzamt.finanzamtsnummer },
      years: i.veranlagung.map((v) => ({ year: Number(v.veranlagungsjahr), taxableIncomeCents: v.zuVersteuerndesEinkommen, assessmentDate: v.bescheiddatum })),
      currency: i.waehrung,
    }),
  )
  .pipe(IncomeEvidence);
