// The pages' static files (a stylesheet, two small scripts, an icon), read once at start and served from memory.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Router } from 'express';
import { FAVICON, SCRIPTS, STYLESHEET } from './layout.ts';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');

const ASSETS: Record<string, { type: string; body: string }> = {
  [STYLESHEET]: { type: 'text/css; charset=utf-8', body: readFileSync(path.join(DIR, 'site.css'), 'utf8') },
  [SCRIPTS.print]: { type: 'text/javascript; charset=utf-8', body: readFileSync(path.join(DIR, 'print.js'), 'utf8') },
  [SCRIPTS['routing-fields']]: { type: 'text/javascript; charset=utf-8', body: readFileSync(path.join(DIR, 'routing-fields.js'), 'utf8') },
  [FAVICON]: { type: 'image/svg+xml', body: readFileSync(path.join(DIR, 'favicon.svg'), 'utf8') },
};

export function mountAssets(router: Router): void {
  for (const [url, asset] of Object.entries(ASSETS)) {
    router.get(url, (_req, res) => {
      // Public, identical for everyone: unlike pages, these may be cached for a while.
      res.set('Cache-Control', 'public, max-age=3600').type(asset.type).send(asset.body);
    });
  }
}
