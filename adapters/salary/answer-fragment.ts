// Salary in the broker's own answer document (nachweis:Entgelt, xoev-schemas/nachweis/): written from the
// evidence and read back into it exactly, amounts as euros with two decimals.
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { z } from 'zod';
import { centsToEuroText, euroAmount, repeated } from '../xml.ts';
import { SalaryEvidence } from './evidence.ts';

export function writeSalaryFragment(out: XMLBuilder, s: SalaryEvidence): void {
  const employer = out.ele('arbeitgeber');
  employer.ele('name').txt(s.employer.name);
  employer.ele('betriebsnummer').txt(s.employer.operatorNumber);
  const period = out.ele('zeitraum');
  period.ele('beginn').txt(s.period.from);
  period.ele('ende').txt(s.period.to);
  for (const m of s.months) {
    const month = out.ele('entgeltmonat');
    month.ele('monat').txt(m.month);
    month.ele('bruttoarbeitsentgelt').txt(centsToEuroText(m.grossCents));
    month.ele('nettoarbeitsentgelt').txt(centsToEuroText(m.netCents));
  }
  out.ele('waehrung').txt(s.currency);
}

export const readSalaryFragment = z
  .object({
    arbeitgeber: z.object({ name: z.string(), betriebsnummer: z.string() }),
    zeitraum: z.object({ beginn: z.string(), ende: z.string() }),
    entgeltmonat: repeated(z.object({ monat: z.string(), bruttoarbeitsentgelt: euroAmount, nettoarbeitsentgelt: euroAmount }), { min: 1 }),
    waehrung: z.literal('EUR'),
  })
  .transform(
    (s): SalaryEvidence => ({
      employer: { name: s.arbeitgeber.name, operatorNumber: s.arbeitgeber.betriebsnummer },
      period: { from: s.zeitraum.beginn, to: s.zeitraum.ende },
      months: s.entgeltmonat.map((m) => ({ month: m.monat, grossCents: m.bruttoarbeitsentgelt, netCents: m.nettoarbeitsentgelt })),
      currency: s.waehrung,
    }),
  )
  .pipe(SalaryEvidence);
