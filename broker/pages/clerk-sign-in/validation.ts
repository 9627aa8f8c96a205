// What the clerk sign-in form must contain before an attempt is even counted.
import type { FieldErrors } from '../kit/components.ts';
import { field } from '../kit/security.ts';
import type { Validated } from '../kit/validation.ts';
import { MAX_PASSWORD_LENGTH } from '../../identity/clerks/password.ts';

export const SIGN_IN_FIELDS = ['username', 'password'] as const;

/** The sign-in form as typed. */
export interface SignInForm {
  username: string;
  password: string;
}

export function readSignInForm(body: unknown): { form: SignInForm; result: Validated<SignInForm> } {
  const form = { username: field(body, 'username').trim().slice(0, 200), password: field(body, 'password') };
  const errors: FieldErrors = new Map();
  if (form.username === '') errors.set('username', 'Geben Sie Ihren Benutzernamen ein');
  if (form.password === '') errors.set('password', 'Geben Sie Ihr Passwort ein');
  else if (form.password.length > MAX_PASSWORD_LENGTH) errors.set('password', `Das Passwort darf höchstens ${MAX_PASSWORD_LENGTH} Zeichen haben`);
  return { form, result: errors.size > 0 ? { ok: false, errors } : { ok: true, value: form } };
}
