// Which format a caller gets: the broker answers in XML when the caller sent XML (unless its Accept header
// asks for JSON), when it asks for XML with Accept, or with ?format=xml. One rule for answers and errors.
import type { Request } from 'express';
import { XML_MEDIA_TYPES } from './namespace.ts';

/** Whether the request says its body is XML (by its Content-Type, even when the body is empty). */
export function sentXml(req: Request): boolean {
  const mediaType = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return (XML_MEDIA_TYPES as readonly string[]).includes(mediaType);
}

/** The one route that takes an XML body; everything else keeps answering 415 to XML. */
export function takesXmlBody(req: Request): boolean {
  const path = (req.baseUrl + req.path).replace(/\/+$/, '');
  return req.method === 'POST' && path === '/v1/evidence-requests';
}

/** Whether to answer (or report an error) in XML rather than JSON. */
export function answersInXml(req: Request): boolean {
  const format = req.query?.format;
  if (format === 'xml') return true;
  if (format === 'json') return false;
  const byBody = sentXml(req);
  const accept = req.get('accept');
  // No preference, or a browser's navigation header (which ranks application/xml above */*): keep the
  // format the caller sent.
  if (accept === undefined || /^\s*\*\/\*\s*$/.test(accept) || /text\/html/i.test(accept)) return byBody;
  const offered = byBody
    ? ['application/xml', 'text/xml', 'application/json', 'application/problem+json']
    : ['application/json', 'application/problem+json', 'application/xml', 'text/xml'];
  const best = req.accepts(offered);
  return best === false ? byBody : best.endsWith('/xml');
}
