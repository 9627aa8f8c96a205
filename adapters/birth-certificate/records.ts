// Synthetic birth register records. Birth dates are fixed per citizen, never made to fit a query: every
// sandbox citizen has a child born in 2025 and most one born in the first months of 2026 (the demo citizen
// 86095742719 always). The register answers the children born in the requested days and already born.
import { DEMO_CITIZENS, notInRegister, seededInt, seededPick } from '../sandbox-citizens.ts';
import type { BirthRecord } from './evidence.ts';
import type { BirthStatement, DayRange } from './messages.ts';

/** Citizens for whom the civil-status register answers "not found" (no child registered). */
export const NOT_IN_REGISTER = notInRegister('8402619378');

type Place = { municipality: string; ags: string };
const PLACES: readonly [Place, ...Place[]] = [
  { municipality: 'Köln', ags: '05315000' },
  { municipality: 'München', ags: '09162000' },
  { municipality: 'Leipzig', ags: '14713000' },
  { municipality: 'Frankfurt am Main', ags: '06412000' },
  { municipality: 'Hannover', ags: '03241001' },
];
const FAMILY_NAMES = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Becker', 'Yılmaz', 'Nowak'] as const satisfies readonly [string, ...string[]];
const CHILD_NAMES = ['Emma', 'Noah', 'Mia', 'Matteo', 'Sophia Marie', 'Leon', 'Hannah', 'Elias Jan'] as const satisfies readonly [string, ...string[]];
const PARENT_NAMES = ['Julia', 'Thomas', 'Anna', 'Michael', 'Laura', 'Daniel', 'Katharina', 'Ahmet'] as const satisfies readonly [string, ...string[]];

/** The demo citizen of `npm start`, parent of a child born in 2026. */
const DEMO_PARENT = DEMO_CITIZENS[0]!;

/** The Standesamt answering: its name and the AGS of its municipality (a sandbox instance). */
export interface RegistryOffice {
  name: string;
  ags: string;
}

/** Every child of the citizen, oldest first; none for the not-found list. Born where `office` keeps the register, if given. */
export function childrenOf(idNr: string, office?: RegistryOffice): BirthRecord[] {
  if (NOT_IN_REGISTER.includes(idNr)) return [];
  const familyName = seededPick(idNr, 'family-name', FAMILY_NAMES);
  const parents = [
    { familyName, givenNames: seededPick(idNr, 'parent', PARENT_NAMES) },
    { familyName, givenNames: seededPick(idNr, 'other-parent', PARENT_NAMES) },
  ];
  const place = office ? { municipality: office.name.replace(/^Standesamt\s+/, ''), ags: office.ags } : seededPick(idNr, 'place-of-birth', PLACES);
  const child = (label: string, year: number, fromMonth: number, toMonth: number): BirthRecord => {
    const month = seededInt(idNr, `${label}|month`, fromMonth, toMonth);
    const dayOfMonth = seededInt(idNr, `${label}|day`, 1, 28);
    return {
      registryOffice: office ? { ...office } : { name: `Standesamt ${place.municipality}`, ags: place.ags },
      registerEntry: `G ${seededInt(idNr, `${label}|entry`, 1, 4000)}/${year}`,
      child: { familyName, givenNames: seededPick(idNr, `${label}|name`, CHILD_NAMES) },
      dateOfBirth: `${year}-${String(month).padStart(2, '0')}-${String(dayOfMonth).padStart(2, '0')}`,
      placeOfBirth: { ...place },
      parents,
    };
  };
  const children = [child('first', 2025, 1, 4)];
  if (idNr === DEMO_PARENT || seededInt(idNr, 'second-child', 0, 2) > 0) children.push(child('second', 2026, 2, 5));
  return children;
}

/** The children born in the requested days and by `now`, or null when there are none. */
export function birthStatementFor(idNr: string, range: DayRange, now: Date, office?: RegistryOffice): BirthStatement | null {
  const today = now.toISOString().slice(0, 10);
  const records = childrenOf(idNr, office).filter((r) => r.dateOfBirth >= range.from && r.dateOfBirth <= range.to && r.dateOfBirth <= today);
  return records.length === 0 ? null : { records };
}
