// What an evidence type is: one descriptor per folder adapters/<type>/, listed in ./index.ts. The broker's
// lists, enums, config keys, code lists, pages and XML fragments are all derived from the descriptors, so a
// new type is a new folder and one line in the list.
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { z } from 'zod';
import type { SafeHtml } from '../broker/pages/kit/html.ts';
import type { Purpose } from '../broker/domain/codes.ts';
import type { RegisterAdapter } from './contract.ts';
import type { MessageFamily } from './register-envelope.ts';
import type { RegisterAdapterConfig } from './register-exchange.ts';
import type { SimulatorHandle, SimulatorStartOptions } from './simulator-server.ts';

/** A legal basis that allows fetching this type without consent, for the listed purposes. */
export interface LegalBasisGrant {
  code: string;
  citation: string;
  purposes: readonly Purpose[];
}

/** Everything about one evidence type; `D` is its normalized evidence. */
export interface EvidenceTypeDescriptor<T extends string = string, D = unknown> {
  readonly code: T;
  /** German wording for pages and the code list. */
  readonly label: string;
  readonly hint: string;
  readonly codeListDescription: string;
  /** The register that answers for this type. */
  readonly register: { id: string; label: string };
  /** Environment prefix of its config keys (<PREFIX>_REGISTER_URL, <PREFIX>_REGISTER_CERT_FILE) and its simulator's default port. */
  readonly config: { envPrefix: string; simulatorPort: number };
  readonly evidenceSchema: z.ZodType<D>;
  // NOTE: `any` in the family's period and payload: each folder keeps them typed; the broker sees only D.
  readonly messages: MessageFamily<any, any>;
  /** Purposes that may ask for this type at all. */
  readonly purposes: readonly Purpose[];
  /** The longest period (months, inclusive) each of those purposes may ask for: data minimization per procedure. */
  readonly maxPeriodMonths: { readonly [P in Purpose]?: number };
  /** Legal bases that cover this type (a basis covering several types is listed in each). */
  readonly legalBases: readonly LegalBasisGrant[];
  /** The type's element inside `daten` of the broker's nachweisAntwort (xoev-schemas/nachweis/). */
  readonly answerFragment: {
    element: string;
    write(el: XMLBuilder, data: D): void;
    /** Reads the element's parsed tree back into the evidence. */
    read: z.ZodType<D>;
  };
  /** The clerk page's view of delivered evidence; `id` prefixes element ids on the page. */
  renderData(data: D, id: string): SafeHtml;
  createAdapter(cfg: RegisterAdapterConfig): RegisterAdapter<T, D>;
  startSimulator(opts: SimulatorStartOptions): Promise<SimulatorHandle>;
  /** Sandbox citizens this type's simulator answers "not found" for. */
  readonly sandboxNotFound: readonly string[];
}

/** Declares an evidence type (an identity: it only fixes the type parameters). */
export function defineEvidenceType<const T extends string, D>(descriptor: EvidenceTypeDescriptor<T, D>): EvidenceTypeDescriptor<T, D> {
  return descriptor;
}
