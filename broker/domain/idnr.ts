// The tax identification number (IdNr, § 139b AO) keys every citizen. BZSt rules: 11 digits, no leading zero; in
// the first ten exactly one digit occurs twice or three times (three never in a row), the others at most once; the
// last is an ISO 7064 MOD 11,10 check digit over the first ten.

/** Why an IdNr was refused; stable codes for error messages. */
export type IdNrProblem = 'format' | 'leading-zero' | 'digit-pattern' | 'check-digit';

/** ISO 7064 MOD 11,10 check digit of the first ten digits. */
export function idNrCheckDigit(firstTen: string): number {
  let product = 10;
  for (const ch of firstTen) {
    let sum = (Number(ch) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = 11 - product;
  return check === 10 ? 0 : check;
}

/** Returns null for a valid IdNr, else the first rule it breaks. */
export function idNrProblem(value: string): IdNrProblem | null {
  if (!/^\d{11}$/.test(value)) return 'format';
  if (value[0] === '0') return 'leading-zero';
  const firstTen = value.slice(0, 10);
  const counts = new Map<string, number>();
  for (const ch of firstTen) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const repeated = [...counts.values()].filter((n) => n > 1);
  if (repeated.length !== 1 || repeated[0]! > 3) return 'digit-pattern';
  if (repeated[0] === 3 && /(\d)\1\1/.test(firstTen)) return 'digit-pattern';
  if (idNrCheckDigit(firstTen) !== Number(value[10])) return 'check-digit';
  return null;
}

export function isValidIdNr(value: string): boolean {
  return idNrProblem(value) === null;
}

/** Completes ten digits with their check digit (for seeding demo and test citizens). */
export function withCheckDigit(firstTen: string): string {
  return firstTen + String(idNrCheckDigit(firstTen));
}

export const idNrProblemMessages: Record<IdNrProblem, string> = {
  format: 'must be exactly 11 digits',
  'leading-zero': 'must not start with 0',
  'digit-pattern': 'is not a possible IdNr (in the first ten digits exactly one digit repeats, two or three times)',
  'check-digit': 'has a wrong check digit',
};
