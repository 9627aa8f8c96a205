import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { buildOpenApiDocument } from '../openapi.ts';

/** GET /openapi.json — the OpenAPI 3.1 document, generated from the validating zod schemas. */
export default function getOpenApi(router: Router, _ctx: Context): void {
  let document: string | undefined;
  router.get('/openapi.json', (_req, res) => {
    document ??= JSON.stringify(buildOpenApiDocument());
    res.type('application/json').send(document);
  });
}
