// A small browser stand-in for page tests over plain HTTP: keeps cookies, follows nothing by itself,
// posts forms with the page's CSRF token, and reads the few things the tests look at in the HTML.

/** One HTTP response of a page. */
export interface PageResponse {
  status: number;
  headers: Headers;
  html: string;
  location: string | null;
  /** The CSRF token found in the page's forms, if any. */
  csrf: string | null;
}

export class PageClient {
  readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page that had one. */
  csrf: string | null = null;

  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private async send(method: 'GET' | 'POST', path: string, body?: URLSearchParams): Promise<PageResponse> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader();
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(this.base + path, { method, headers, redirect: 'manual', ...(body ? { body: body.toString() } : {}) });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/i.test(set) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const html = await res.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? null;
    if (csrf) this.csrf = csrf;
    return { status: res.status, headers: res.headers, html, location: res.headers.get('location'), csrf };
  }

  get(path: string): Promise<PageResponse> {
    return this.send('GET', path);
  }

  /** Posts a form; adds the current CSRF token unless `_csrf` is given (null leaves it out). */
  post(path: string, fields: Record<string, string | string[]>, csrf: string | null | undefined = undefined): Promise<PageResponse> {
    const body = new URLSearchParams();
    const token = csrf === undefined ? this.csrf : csrf;
    if (token !== null) body.append('_csrf', token);
    for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
    return this.send('POST', path, body);
  }

  /** GET, then follow one redirect if there is one. */
  async open(path: string): Promise<PageResponse> {
    const first = await this.get(path);
    return first.location ? this.get(first.location) : first;
  }
}

/** The text of the page's <title>. */
export function titleOf(html: string): string {
  return /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';
}

/** The texts of the error summary's links, in order. */
export function summaryErrors(html: string): string[] {
  const summary = /<div class="error-summary"[\s\S]*?<\/div>/.exec(html)?.[0] ?? '';
  return [...summary.matchAll(/<a href="#([^"]+)">([^<]*)<\/a>/g)].map((m) => `${m[1]}: ${m[2]}`);
}
