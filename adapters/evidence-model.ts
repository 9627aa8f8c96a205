// The normalized evidence model's building blocks: what every register's answer is mapped to, whatever its
// XML looks like. Amounts are integer euro cents (never floats); months are 'YYYY-MM', days 'YYYY-MM-DD'.
// Each type's own model lives in its folder (adapters/<type>/evidence.ts).
import { z } from 'zod';

export const cents = z.number().int().nonnegative();
export const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);
export const day = z.iso.date();
