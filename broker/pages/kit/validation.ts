// Form validation with the API's own zod schemas (broker/http/schemas.ts), so a form accepts exactly what the
// API accepts. Only the wording differs: each page maps the schema's issues to plain German per field.
import type { z } from 'zod';
import type { IdNrProblem } from '../../domain/idnr.ts';
import type { FieldErrors } from './components.ts';

/** One zod issue, reduced to what a message needs. */
export interface Issue {
  path: readonly PropertyKey[];
  code: string;
  message: string;
  /** What a custom issue adds for the page to word it (e.g. which evidence types a purpose cannot have). */
  params?: Record<string, unknown>;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

/**
 * Parses with a schema; each issue becomes a German message on a form field. `toField` names the form
 * field for an issue path, `messageFor` words the problem.
 */
export function validateWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  toField: (path: readonly PropertyKey[]) => string,
  messageFor: (field: string, issue: Issue) => string,
  errors: FieldErrors = new Map(),
): Validated<z.infer<S>> {
  const result = schema.safeParse(input);
  if (result.success && errors.size === 0) return { ok: true, value: result.data };
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = toField(issue.path);
      if (!errors.has(name)) errors.set(name, messageFor(name, issue));
    }
  }
  return { ok: false, errors };
}

export const idNrMessages: Record<IdNrProblem | 'missing', string> = {
  missing: 'Geben Sie die Steuer-ID ein',
  format: 'Die Steuer-ID muss aus genau 11 Ziffern bestehen',
  'leading-zero': 'Die Steuer-ID darf nicht mit 0 beginnen',
  'digit-pattern': 'Diese Steuer-ID ist nicht möglich. Prüfen Sie die Ziffern',
  'check-digit': 'Die letzte Ziffer (Prüfziffer) passt nicht. Prüfen Sie die Steuer-ID auf Tippfehler',
};

export function idNrMessage(problem: IdNrProblem | 'missing'): string {
  return idNrMessages[problem];
}

/** People type the IdNr as printed on letters ("86 095 742 719"); the spaces are not part of it. */
export function normalizeIdNr(input: string): string {
  return input.replace(/[\s.]+/g, '');
}
