#!/usr/bin/env bash
# The production install as an operator does it, for real, in a temporary directory:
#   npm ci --omit=dev && npm run build && npm run start:built
# on the committed HEAD of this checkout (git archive: uncommitted changes are not part of it). Then: no
# development tool in node_modules; the compiled broker starts in demo mode (a temporary SQLite database, free
# ports), answers /healthz and a demo evidence request; the compiled operator tools work from dist/ with node
# alone; the broker stops on SIGTERM. Exit 0 when all of it holds, 1 with the reason (and the log) otherwise.
#   bash scripts/check-production-install.sh      (npm run check:production-install)
# Slow (minutes): npm ci builds better-sqlite3 from source here. KEEP_TMP=1 keeps the directory for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# NOTE: started by `npm run`, the environment carries the outer npm's settings (npm_config_local_prefix names
# this checkout): the install under test must read its own, so they go; npm reads its config files again.
while read -r variable; do
  case "$variable" in npm_config_* | npm_package_* | npm_lifecycle_*) unset "$variable" ;; esac
done < <(compgen -e)
# The supported Node first on PATH (Node 24 from the npm registry where the machine's node is older).
. scripts/ensure-node.sh

tmp=$(mktemp -d "${TMPDIR:-/tmp}/production-install.XXXXXX")
app="$tmp/app"
log="$tmp/step.log"
broker_log="$tmp/broker.log"
broker_pid=""
started_at=$SECONDS

cleanup() {
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -KILL -- "-$broker_pid" 2>/dev/null || true
  fi
  if [ "${KEEP_TMP:-}" = 1 ]; then echo "check-production-install: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# The reason comes last, after the logs, so it is the line a CI summary shows.
fail() {
  for f in "$broker_log" "$log"; do
    if [ -s "$f" ]; then
      echo "--- last lines of $(basename "$f"):" >&2
      tail -n 40 "$f" >&2
    fi
  done
  echo "check-production-install: FAILED: $*" >&2
  exit 1
}

step() { echo "check-production-install: [$((SECONDS - started_at)) s] $*"; }

# Runs a command in the install with its output in $log; fails the check when it does.
run() {
  local what=$1
  shift
  (cd "$app" && "$@") >"$log" 2>&1 || fail "$what (exit $?)"
}

# Runs an operator tool of the install (npm run -s <script> -- args), expecting exit code $1 and output
# (stdout and stderr) matching the extended regular expression $2 (empty: any output, or none).
tool() {
  local expect_code=$1 expect_output=$2 script=$3
  shift 3
  local code=0
  (cd "$app" && npm run -s "$script" -- "$@") >"$log" 2>&1 || code=$?
  [ "$code" = "$expect_code" ] || fail "npm run $script -- $* exited $code, expected $expect_code"
  [ -z "$expect_output" ] || grep -Eq -- "$expect_output" "$log" || fail "npm run $script -- $* did not print /$expect_output/"
  echo "  npm run $script -- $*: exit $code, as expected"
}

step "node $(node -v), npm $(npm -v); HEAD $(git rev-parse --short HEAD) into $app"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "check-production-install: NOTE: uncommitted changes are not part of the check (it installs HEAD)"
fi
mkdir -p "$app"
git -C "$repo" archive --format=tar HEAD | tar -x -C "$app"

step "npm ci --omit=dev"
run "npm ci --omit=dev" npm ci --omit=dev --no-audit --no-fund
# (@types/node may be there: @prisma/adapter-pg depends on @types/pg, which depends on it.)
for dev_tool in tsx mocha eslint chai typescript-eslint @types/mocha; do
  [ ! -e "$app/node_modules/$dev_tool" ] || fail "npm ci --omit=dev installed the development tool $dev_tool"
done
for needed in prisma/generated/sqlite/client.ts prisma/generated/postgresql/client.ts; do
  [ -e "$app/$needed" ] || fail "npm ci --omit=dev did not generate $needed (postinstall: npm run generate)"
done

step "npm run build"
run "npm run build" npm run build
[ -f "$app/dist/broker/main.js" ] || fail "npm run build made no dist/broker/main.js"

step "npm run start:built (demo mode, SQLite in $tmp/db, free ports)"
# One port per evidence type for the demo's register simulators, all 0 (free ones).
simulator_ports=$(cd "$app" && node --input-type=module -e "const { EVIDENCE_TYPES } = await import('./dist/adapters/index.js'); console.log(EVIDENCE_TYPES.map(() => 0).join(','))") ||
  fail "dist/adapters/index.js does not load with node alone"
export DATABASE_URL="file:$tmp/db/broker.db"
# The compiled witness makes its key on a first run (no log to reach yet: exit 1) and prints the cosigner key,
# which the broker is given, so the round against the running broker below ends cosigned.
mkdir -p "$tmp/witness"
tool 1 'cannot reach the log' witness:built --log http://127.0.0.1:1 --key "$tmp/witness/witness.key" --store "$tmp/witness/store" --once
export WITNESS_KEYS="$(sed -n 's/^cosigner key: //p' "$log")"
[ -n "$WITNESS_KEYS" ] || fail "the compiled witness printed no cosigner key"
# Its own process group (set -m), so stopping it reaches npm, the launcher and node alike.
set -m
(cd "$app" && exec env PORT=0 HOST=127.0.0.1 SIMULATOR_PORTS="$simulator_ports" npm run start:built) >"$broker_log" 2>&1 &
broker_pid=$!
set +m

url=""
for _ in $(seq 1 180); do
  url=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$broker_log" | head -n 1)
  if [ -n "$url" ] && grep -q '^Try it:' "$broker_log"; then break; fi
  kill -0 "$broker_pid" 2>/dev/null || fail "npm run start:built exited before it listened"
  url=""
  sleep 1
done
[ -n "$url" ] || fail "npm run start:built printed no 'listening on' and demo banner within 180 s"

# /healthz answers 200 (bounded), and the demo's printed evidence request is answered complete: the compiled
# broker, its register simulators, the signature worker and the XSDs copied into dist/ all work.
(cd "$app" && node --input-type=module - "$url" "$broker_log") >"$log" 2>&1 <<'EOF' || fail "the compiled broker did not answer as expected"
import { readFileSync } from 'node:fs';
const [url, bannerFile] = process.argv.slice(2);
let health = 0;
for (let i = 0; i < 30 && health !== 200; i++) {
  health = await fetch(`${url}/healthz`).then((r) => r.status, () => 0);
  if (health !== 200) await new Promise((resolve) => setTimeout(resolve, 1000));
}
if (health !== 200) throw new Error(`GET ${url}/healthz answered ${health || 'nothing'} for 30 s`);
console.log(`GET ${url}/healthz: 200`);
const banner = readFileSync(bannerFile, 'utf8').split('Try it:')[1] ?? '';
const token = /Authorization: Bearer (\S+?)'/.exec(banner)?.[1];
const body = /-d '(\{.*\})'/.exec(banner)?.[1];
if (!token || !body) throw new Error('the demo banner has no example request after "Try it:"');
const res = await fetch(`${url}/v1/evidence-requests`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body,
});
const answer = await res.json().catch(() => null);
if (res.status !== 201 || answer?.status !== 'complete') throw new Error(`POST /v1/evidence-requests answered ${res.status}: ${JSON.stringify(answer)}`);
console.log('POST /v1/evidence-requests (the demo example): 201, complete');
EOF
sed 's/^/  /' "$log"

step "the compiled operator tools (dist/, node alone)"
tool 0 'Usage: broker-admin' admin:built --help
tool 0 'audit chain verifies: [1-9][0-9]* entries' admin:built audit verify
tool 0 'database is up to date' migrate:built
tool 0 '' clerks:built list
tool 2 "required option '--log" witness:built
tool 0 'cosigned the checkpoint of [1-9][0-9]* leaves' witness:built --log "$url" --key "$tmp/witness/witness.key" --store "$tmp/witness/store" --once
tool 2 'give exactly one bundle file' verify-proof:built
tool 1 "Unknown option '--no-such-option'" simulators:built --no-such-option

step "SIGTERM stops the broker"
kill -TERM -- "-$broker_pid"
for _ in $(seq 1 30); do
  kill -0 "$broker_pid" 2>/dev/null || break
  sleep 1
done
if kill -0 "$broker_pid" 2>/dev/null; then fail "npm run start:built still runs 30 s after SIGTERM"; fi
broker_pid=""

step "production install works: npm ci --omit=dev, npm run build, npm run start:built and the *:built tools"
