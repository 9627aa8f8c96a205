#!/bin/sh
# npm run lint:openapi: writes the OpenAPI document the broker serves (broker/http/openapi.ts) to a temporary
# file and lints it with Redocly's recommended rules (redocly.yaml); any error, or any warning not justified
# there, fails. REDOCLY may name another redocly binary (default: the project's devDependency).
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
node --import tsx --input-type=module -e "
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from './broker/http/openapi.ts';
writeFileSync(process.argv[1], JSON.stringify(buildOpenApiDocument(), null, 2));
" "$tmp/openapi.json"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true "${REDOCLY:-node_modules/.bin/redocly}" lint --config redocly.yaml --max-problems 1000 "$tmp/openapi.json"
