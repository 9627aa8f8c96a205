// The sandbox population the register simulators serve. Every valid IdNr is a synthetic citizen whose
// register data is derived from a sha256 of the IdNr, so the same IdNr always yields the same data and no
// real person's data is ever needed. A few IdNrs are known to the registers' "not found" lists.
import { createHash } from 'node:crypto';
import { isValidIdNr, withCheckDigit } from '../broker/domain/idnr.ts';

function checked(idNr: string): string {
  // A typo here would silently turn a sandbox citizen into an invalid request; fail at start-up instead.
  if (!isValidIdNr(idNr)) throw new Error(`sandbox IdNr ${idNr} is not a valid IdNr`);
  return idNr;
}

/** Citizens every register knows; use them to try the broker and the simulators. */
export const DEMO_CITIZENS: readonly string[] = [
  checked('86095742719'),
  checked(withCheckDigit('4793015824')),
  checked(withCheckDigit('5120847395')),
  checked(withCheckDigit('3814029571')),
];

/** A citizen no register knows: every simulator answers "not found". */
export const CITIZEN_IN_NO_REGISTER: string = checked(withCheckDigit('7326519087'));

/** Builds a register's not-found list: the citizen in no register plus that register's own. */
export function notInRegister(...ownTenDigits: string[]): readonly string[] {
  return [CITIZEN_IN_NO_REGISTER, ...ownTenDigits.map((ten) => checked(withCheckDigit(ten)))];
}

/** Another citizen than the one given, for the simulators' 'wrong-citizen' fault. */
export function anotherCitizen(idNr: string): string {
  return DEMO_CITIZENS.find((other) => other !== idNr)!;
}

/** A whole number in [min, max] derived from the IdNr and a label (one label per property). */
export function seededInt(idNr: string, label: string, min: number, max: number): number {
  const digest = createHash('sha256').update(`${idNr}|${label}`).digest();
  return min + (digest.readUInt32BE(0) % (max - min + 1));
}

/** One of the items, chosen by the IdNr and a label. */
export function seededPick<T>(idNr: string, label: string, items: readonly [T, ...T[]]): T {
  return items[seededInt(idNr, label, 0, items.length - 1)]!;
}
