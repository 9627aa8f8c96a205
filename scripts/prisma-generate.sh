#!/bin/sh
# Generates the Prisma clients for both databases (run by `npm install` / `npm ci` through postinstall).
# Prisma 7 generates without a native engine; the CLI only needs PRISMA_SCHEMA_ENGINE_BINARY to exist.
# We point it at a stand-in that fails loudly, so no other schema-engine command can "succeed" silently.
set -e
cd "$(dirname "$0")/.."
export PRISMA_SCHEMA_ENGINE_BINARY="$PWD/scripts/no-schema-engine.sh"
for provider in sqlite postgresql; do
  npx --no-install prisma generate --schema "prisma/$provider/schema.prisma"
done
