// The broker's own XML interface (XNachweis-style, xoev-schemas/nachweis/): namespace, schema file, media
// types and the root of every document. Kept free of the schema validator so the error path
// (broker/domain/errors.ts) can write XML error documents without loading libxml2.
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';

/** The version the broker writes (1.1: routing hints, the register instance's name) and reads. */
export const NACHWEIS_VERSION = '1.1';
export const NACHWEIS_NAMESPACE = 'urn:xoev-de:evidence-broker:nachweis:1.1';
export const NACHWEIS_SCHEMA_FILE = 'nachweis/nachweis-1.1.xsd';
/** The version before the register directory: still read for requests (its callers may not have moved yet), never written. */
export const NACHWEIS_1_0 = { version: '1.0', namespace: 'urn:xoev-de:evidence-broker:nachweis:1.0', schemaFile: 'nachweis/nachweis-1.0.xsd' } as const;
/** A version of the interface a document may be in. */
export type NachweisVersion = typeof NACHWEIS_VERSION | typeof NACHWEIS_1_0.version;
const PREFIX = 'nachweis';

/** The three documents of the interface. */
export type NachweisRoot = 'nachweisAnfrage' | 'nachweisAntwort' | 'fehlermeldung';

/** Media types the broker reads and writes XML as; it always writes UTF-8. */
export const XML_MEDIA_TYPES = ['application/xml', 'text/xml'] as const;
export const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';

/** Largest XML request body; the same as for JSON (a request is about 1 KiB). */
export const XML_BODY_LIMIT_BYTES = 64 * 1024;

/** A new document with its root in the nachweis namespace (children are unqualified, as XÖV does it). */
export function newNachweisDocument(root: NachweisRoot, version: NachweisVersion = NACHWEIS_VERSION): XMLBuilder {
  const namespace = version === NACHWEIS_VERSION ? NACHWEIS_NAMESPACE : NACHWEIS_1_0.namespace;
  return create({ version: '1.0', encoding: 'UTF-8' }).ele(namespace, `${PREFIX}:${root}`, { version });
}
