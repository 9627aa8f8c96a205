// What every page response carries: a strict Content-Security-Policy (no inline script or style, no
// framing, forms post only to us), and the small form body parser the pages share.
import express, { type NextFunction, type Request, type Response } from 'express';

/** Paths the pages serve; the JSON API under /v1 never sees these middlewares. */
export const PAGE_PREFIXES = ['/ui', '/cockpit', '/info'] as const;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function pageSecurityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  });
  next();
}

/** HTML forms only: small bodies, few fields, repeated names (checkboxes) become arrays. */
export const formBody = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 60 });

/** Sends a rendered page. Every page is personal or per-session, so nothing is cached (server.ts agrees). */
export function sendPage(res: Response, status: number, page: string): void {
  res.status(status).type('text/html; charset=utf-8').send(page);
}

/** One form field as text: the first value if a name came more than once, '' if absent. */
export function field(body: unknown, name: string): string {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : '';
  return typeof value === 'string' ? value : '';
}

/** A form field that may repeat (checkboxes), as a list of texts. */
export function fieldList(body: unknown, name: string): string[] {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}
