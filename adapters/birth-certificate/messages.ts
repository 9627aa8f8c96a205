// Civil-status register messages (Personenstandsregister): the query asks for the days in which a child of
// the citizen was born, the answer lists the birth entries (Geburtseinträge) of those children.
// Shared parts: ../register-envelope.ts.
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { z } from 'zod';
import { beginEndPeriod, defineMessageFamily } from '../register-envelope.ts';
import { dayText, repeated } from '../xml.ts';
import type { BirthRecord } from './evidence.ts';

/** Calendar days, 'YYYY-MM-DD' inclusive. */
export interface DayRange {
  from: string;
  to: string;
}

/** The register's statement: the birth entries found, as read. */
export interface BirthStatement {
  records: BirthRecord[];
}

const dayRange = z.object({ beginn: dayText, ende: dayText }).transform((r): DayRange => ({ from: r.beginn, to: r.ende }));
const text = z.string().min(1).max(200);
const ags = z.string().regex(/^\d{8}$/);
const personName = z.object({ familienname: text, vornamen: text }).transform((n) => ({ familyName: n.familienname, givenNames: n.vornamen }));

/** A Geburtseintrag as the register and the broker's answer document both write it. */
export const birthEntryShape = z
  .object({
    standesamt: z.object({ name: text, gemeindeschluessel: ags }),
    registernummer: z.string().regex(/^G \d{1,6}\/\d{4}$/),
    kind: personName,
    geburtsdatum: dayText,
    geburtsort: z.object({ gemeinde: text, gemeindeschluessel: ags }),
    elternteil: repeated(personName, { min: 1, max: 2 }),
  })
  .transform(
    (e): BirthRecord => ({
      registryOffice: { name: e.standesamt.name, ags: e.standesamt.gemeindeschluessel },
      registerEntry: e.registernummer,
      child: e.kind,
      dateOfBirth: e.geburtsdatum,
      placeOfBirth: { municipality: e.geburtsort.gemeinde, ags: e.geburtsort.gemeindeschluessel },
      parents: e.elternteil,
    }),
  );

export function writeBirthEntry(el: XMLBuilder, r: BirthRecord): void {
  const office = el.ele('standesamt');
  office.ele('name').txt(r.registryOffice.name);
  office.ele('gemeindeschluessel').txt(r.registryOffice.ags);
  el.ele('registernummer').txt(r.registerEntry);
  const child = el.ele('kind');
  child.ele('familienname').txt(r.child.familyName);
  child.ele('vornamen').txt(r.child.givenNames);
  el.ele('geburtsdatum').txt(r.dateOfBirth);
  const place = el.ele('geburtsort');
  place.ele('gemeinde').txt(r.placeOfBirth.municipality);
  place.ele('gemeindeschluessel').txt(r.placeOfBirth.ags);
  for (const p of r.parents) {
    const parent = el.ele('elternteil');
    parent.ele('familienname').txt(p.familyName);
    parent.ele('vornamen').txt(p.givenNames);
  }
}

export const birthCertificateMessages = defineMessageFamily<DayRange, BirthStatement>({
  register: 'personenstandsregister',
  namespace: 'urn:xoev-de:evidence-broker:personenstand:1.0',
  schemaFile: 'personenstand/personenstand-1.0.xsd',
  queryRoot: 'geburtsurkundeAnfrage',
  answerRoot: 'geburtsurkundeAntwort',
  period: beginEndPeriod(dayRange),
  payload: {
    write(el, s) {
      for (const r of s.records) writeBirthEntry(el.ele('geburtseintrag'), r);
    },
    schema: z.object({ geburtseintrag: repeated(birthEntryShape, { min: 1, max: 10 }) }).transform((s): BirthStatement => ({ records: s.geburtseintrag })),
  },
});
