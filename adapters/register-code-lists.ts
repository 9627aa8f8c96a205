// The code lists the register messages themselves use, apart from anything evidence-type specific: the shared
// toolkit (envelope, message family) needs them, and must not depend on the list of types (./index.ts).
// The published set of every list is ./code-lists.ts.
import { CODE_LISTS, PURPOSES } from '../broker/domain/codes.ts';

/** A code list as XÖV cites it. */
export interface CodeList {
  listURI: string;
  listVersionID: string;
}

/** A code list with its codes and the file that publishes it. */
export interface PublishedCodeList<C extends string = string> extends CodeList {
  /** Short name, also the genericode file's name (xoev-schemas/codelisten/<name>_<version>.xml). */
  name: string;
  codes: readonly [C, ...C[]];
  /** false for lists the schema does not enumerate because the operator decides the values (XÖV "Typ 3"). */
  enumeratedInSchema: boolean;
}

export function codeList<const C extends readonly [string, ...string[]]>(
  name: string,
  codes: C,
  opts: { listURI?: string; listVersionID?: string; enumeratedInSchema?: boolean } = {},
): PublishedCodeList<C[number]> & { codes: C } {
  return {
    name,
    listURI: opts.listURI ?? `urn:de:evidence-broker:codeliste:${name}`,
    listVersionID: opts.listVersionID ?? '1.0',
    codes,
    enumeratedInSchema: opts.enumeratedInSchema ?? true,
  };
}

/** The lists of the register message family (./register-envelope.ts). */
export const REGISTER_CODES = {
  purpose: codeList('zweck', PURPOSES, CODE_LISTS.purpose),
  answerStatus: codeList('antwortstatus', ['gefunden', 'nicht-gefunden', 'in-bearbeitung', 'abgelehnt']),
  refusalReason: codeList('ablehnungsgrund', ['unbekannter-vorgang', 'falscher-empfaenger']),
} as const;

/** The message-type list's identity; its codes ('<register>.anfrage' …) come from the evidence types. */
export const MESSAGE_TYPE_LIST: CodeList = { listURI: 'urn:de:evidence-broker:codeliste:nachrichtentyp', listVersionID: '1.0' };

/** Every message that travels in a transport envelope: '<register>.anfrage' and '<register>.antwort'. */
export type MessageType = `${string}.${'anfrage' | 'antwort'}`;
