// The broker's own XML interface (XNachweis-style, xoev-schemas/nachweis/): namespace, schema file, media
// types and the root of every document. Kept free of the schema validator so the error path
// (broker/domain/errors.ts) can write XML error documents without loading libxml2.
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';

export const NACHWEIS_NAMESPACE = 'urn:xoev-de:evidence-broker:nachweis:1.0';
export const NACHWEIS_SCHEMA_FILE = 'nachweis/nachweis-1.0.xsd';
const PREFIX = 'nachweis';

/** The three documents of the interface. */
export type NachweisRoot = 'nachweisAnfrage' | 'nachweisAntwort' | 'fehlermeldung';

/** Media types the broker reads and writes XML as; it always writes UTF-8. */
export const XML_MEDIA_TYPES = ['application/xml', 'text/xml'] as const;
export const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';

/** Largest XML request body; the same as for JSON (a request is about 1 KiB). */
export const XML_BODY_LIMIT_BYTES = 64 * 1024;

/** A new document with its root in the nachweis namespace (children are unqualified, as XÖV does it). */
export function newNachweisDocument(root: NachweisRoot): XMLBuilder {
  return create({ version: '1.0', encoding: 'UTF-8' }).ele(NACHWEIS_NAMESPACE, `${PREFIX}:${root}`, { version: '1.0' });
}
