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
import type { SandboxInstance, SimulatorHandle, SimulatorStartOptions } from './simulator-server.ts';

export type { SandboxInstance };

/** A legal basis that allows fetching this type without consent, for the listed purposes. */
export interface LegalBasisGrant {
  code: string;
  citation: string;
  purposes: readonly Purpose[];
}

/** How the register instance responsible for a citizen is found (broker/directory/routing.ts). */
export type JurisdictionKind = 'national' | 'insurer' | 'land' | 'ags';
/** A routing hint an evidence request may carry (`routing.<hint>`). */
export type RoutingHintName = 'ags' | 'insurerIk' | 'birthPlaceAgs';
/**
 * A type's routing rule: one national instance, or the instance whose jurisdiction holds the key taken from
 * the request's hint (the insurer's IK, the Land of the residence AGS, the municipality of birth).
 */
export type RoutingRule = { kind: 'national' } | { kind: 'insurer'; hint: 'insurerIk' } | { kind: 'land'; hint: 'ags' } | { kind: 'ags'; hint: 'birthPlaceAgs' };

/** Everything about one evidence type; `D` is its normalized evidence. */
export interface EvidenceTypeDescriptor<T extends string = string, D = unknown> {
  readonly code: T;
  /** German wording for pages and the code list. */
  readonly label: string;
  readonly hint: string;
  readonly codeListDescription: string;
  /** The kind of register that answers for this type: its message family's id (message types, XSD) and its name. */
  readonly register: { id: string; label: string };
  /** How the responsible register instance is found; instances themselves are directory data. */
  readonly routing: RoutingRule;
  /** The sandbox's instances of this type's register (the first one is what a routing example names). */
  readonly sandboxInstances: readonly [SandboxInstance, ...SandboxInstance[]];
  /** The default port of its simulator (SIMULATOR_PORTS), which serves every sandbox instance of the type. */
  readonly config: { simulatorPort: number };
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
