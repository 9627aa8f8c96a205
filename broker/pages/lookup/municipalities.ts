// The municipalities a clerk can name instead of typing their Amtlicher Gemeindeschlüssel (AGS): the Land
// capitals, a few large cities and the sandbox's municipalities. The project has no gazetteer; any valid
// 8-digit AGS is accepted as typed, so this list only saves looking up the common ones.
import { JURISDICTION_VALUE } from '../../directory/register-instance.ts';

/** A municipality the form knows by name. */
export interface Municipality {
  name: string;
  ags: string;
}

// Official AGS (Destatis Gemeindeverzeichnis); Berlin, Hamburg and Bremen are Land and municipality at once.
export const MUNICIPALITIES: readonly Municipality[] = [
  { name: 'Berlin', ags: '11000000' },
  { name: 'Bremen', ags: '04011000' },
  { name: 'Dortmund', ags: '05913000' },
  { name: 'Dresden', ags: '14612000' },
  { name: 'Duisburg', ags: '05112000' },
  { name: 'Düsseldorf', ags: '05111000' },
  { name: 'Erfurt', ags: '16051000' },
  { name: 'Essen', ags: '05113000' },
  { name: 'Frankfurt am Main', ags: '06412000' },
  { name: 'Hamburg', ags: '02000000' },
  { name: 'Hannover', ags: '03241001' },
  { name: 'Kiel', ags: '01002000' },
  { name: 'Köln', ags: '05315000' },
  { name: 'Leipzig', ags: '14713000' },
  { name: 'Magdeburg', ags: '15003000' },
  { name: 'Mainz', ags: '07315000' },
  { name: 'München', ags: '09162000' },
  { name: 'Nürnberg', ags: '09564000' },
  { name: 'Potsdam', ags: '12054000' },
  { name: 'Saarbrücken', ags: '10041100' },
  { name: 'Schwerin', ags: '13004000' },
  { name: 'Stuttgart', ags: '08111000' },
  { name: 'Wiesbaden', ags: '06414000' },
];

/** "  KÖLN " and "Koeln" name the same place as "Köln". */
function comparable(name: string): string {
  return name
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .replace(/\s+/g, ' ')
    .trim();
}

const BY_NAME = new Map(MUNICIPALITIES.map((m) => [comparable(m.name), m]));
const BY_AGS = new Map(MUNICIPALITIES.map((m) => [m.ags, m]));

/** What a clerk typed as a municipality, read: its AGS, or why it cannot be one. */
export type MunicipalityInput = { ok: true; ags: string } | { ok: false; problem: 'missing' | 'format' | 'unknown' };

/** Reads a municipality typed as a name of the list or as an AGS (spaces and dots as printed are ignored). */
export function readMunicipality(input: string): MunicipalityInput {
  const typed = input.trim();
  if (typed === '') return { ok: false, problem: 'missing' };
  if (/^[\d\s.]+$/.test(typed)) {
    const ags = typed.replace(/[\s.]/g, '');
    return JURISDICTION_VALUE.ags.pattern.test(ags) ? { ok: true, ags } : { ok: false, problem: 'format' };
  }
  const known = BY_NAME.get(comparable(typed));
  return known ? { ok: true, ags: known.ags } : { ok: false, problem: 'unknown' };
}

/** "München (09162000)" for a listed AGS, the AGS alone otherwise. */
export function municipalityLabel(ags: string): string {
  const known = BY_AGS.get(ags);
  return known ? `${known.name} (${ags})` : ags;
}
