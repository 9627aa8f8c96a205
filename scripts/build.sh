#!/bin/sh
# npm run build: compiles the TypeScript to plain JavaScript in dist/ (tsconfig.build.json) and copies what
# the code reads from beside itself at run time: the XSDs and code lists, the migrations, the pages' assets
# and the signature worker. `npm run start:built` then runs the broker with node alone, and the `*:built`
# scripts the operator tools (package.json).
# NOTE: tsc only emits here (--noCheck, TypeScript >= 5.5), so the production install (`npm ci --omit=dev`)
# builds without the @types/* packages; the type check is `npm run typecheck`, part of `npm test`.
# `npx --no-install`: a missing typescript fails here instead of npx fetching the unrelated package "tsc".
set -eu
cd "$(dirname "$0")/.."
rm -rf dist
npx --no-install tsc -p tsconfig.build.json --noCheck
cp -R xoev-schemas dist/xoev-schemas
for provider in sqlite postgresql; do
  mkdir -p "dist/prisma/$provider"
  cp -R "prisma/$provider/migrations" "dist/prisma/$provider/migrations"
done
cp -R broker/pages/kit/assets dist/broker/pages/kit/assets
cp adapters/signature-worker.mjs dist/adapters/signature-worker.mjs
echo "built dist/ (npm run start:built runs dist/broker/main.js)"
