#!/bin/sh
# npm run build: compiles the TypeScript to plain JavaScript in dist/ (tsconfig.build.json) and copies what
# the code reads from beside itself at run time: the XSDs and code lists, the migrations, the pages' assets
# and the signature worker. `npm run start:built` then runs the broker with node alone.
set -eu
cd "$(dirname "$0")/.."
rm -rf dist
npx tsc -p tsconfig.build.json
cp -R xoev-schemas dist/xoev-schemas
for provider in sqlite postgresql; do
  mkdir -p "dist/prisma/$provider"
  cp -R "prisma/$provider/migrations" "dist/prisma/$provider/migrations"
done
cp -R broker/pages/kit/assets dist/broker/pages/kit/assets
cp adapters/signature-worker.mjs dist/adapters/signature-worker.mjs
echo "built dist/ (npm run start:built runs dist/broker/main.js)"
