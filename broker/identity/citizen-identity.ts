// How a citizen proves who they are to the cockpit. Today a sandbox stand-in (type a test IdNr); in production
// BundID (online ID card, eIDAS "high") takes its place as a provider whose verify() checks the signed assertion
// BundID posts back to the same sign-in endpoint, so nothing else in the cockpit changes.
import { idNrProblem } from '../domain/idnr.ts';
import { field } from '../pages/kit/security.ts';
import { idNrMessage } from '../pages/kit/validation.ts';

/** A citizen as an identity provider vouches for them. */
export interface VerifiedCitizen {
  idNr: string;
  /** eIDAS level of assurance; the sandbox vouches for nothing. */
  assurance: 'none' | 'substantial' | 'high';
}

/** The outcome of a sign-in: the citizen, or a message for one form field. */
export type CitizenVerification = { ok: true; citizen: VerifiedCitizen } | { ok: false; field: string; message: string };

/** Signs a citizen in to the cockpit. */
export interface CitizenIdentityProvider {
  /** Shown on the sign-in page, e.g. "Sandbox-Anmeldung" or "BundID". */
  readonly name: string;
  /** True for the stand-in: the pages then say clearly that this is no real identification. */
  readonly sandbox: boolean;
  /** Where the sign-in button sends the citizen (BundID); absent when the provider brings its own form. */
  readonly startUrl?: string;
  /** Checks what came back to POST /cockpit/sign-in: the sandbox form, or a provider's signed assertion. */
  verify(body: unknown): Promise<CitizenVerification>;
}

/**
 * The sandbox stand-in: any valid IdNr signs in as that (synthetic) citizen. Only for demo and test
 * systems — it proves nothing, which is why CITIZEN_SIGN_IN defaults to 'off' outside demo mode.
 */
export class SandboxCitizenIdentity implements CitizenIdentityProvider {
  readonly name = 'Sandbox-Anmeldung (Ersatz für BundID)';
  readonly sandbox = true;

  async verify(body: unknown): Promise<CitizenVerification> {
    const idNr = field(body, 'idNr').replace(/\s+/g, '');
    const problem = idNr === '' ? 'missing' : idNrProblem(idNr);
    if (problem) return { ok: false, field: 'idNr', message: idNrMessage(problem) };
    return { ok: true, citizen: { idNr, assurance: 'none' } };
  }
}
