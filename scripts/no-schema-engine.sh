#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded here.
# `prisma generate` only needs the path to exist; every other schema-engine command must fail loudly.
echo "prisma schema engine is not available on this machine: migrations run through broker/db/migrate.ts (npm run migrate)" >&2
exit 1
