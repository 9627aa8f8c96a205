// Reading and writing the pages' cookies without a library: only our own simple names and values
// (base64url), so parsing can stay strict and small.

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : null;
  }
  return null;
}

/** Attributes of a session cookie: no Max-Age, so it ends with the browser; the server decides expiry. */
export interface CookieOptions {
  secure: boolean;
  sameSite: 'Lax' | 'Strict';
}

export function sessionCookie(name: string, value: string, opts: CookieOptions): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=${opts.sameSite}${opts.secure ? '; Secure' : ''}`;
}

export function clearedCookie(name: string, opts: CookieOptions): string {
  return `${name}=; Path=/; HttpOnly; SameSite=${opts.sameSite}${opts.secure ? '; Secure' : ''}; Max-Age=0`;
}
