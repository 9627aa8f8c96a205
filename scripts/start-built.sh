#!/bin/sh
# npm run start:built: the compiled broker (npm run build) with node alone, with the process settings a
# deployment should have (bench/README.md, "Memory" and "Garbage collection", has what each saves and costs):
# - glibc malloc: at most 2 arenas, and blocks of 32 KiB or more from mmap (freed, they go back to the system);
# - V8: the old generation capped at 512 MB, before the operator's own NODE_OPTIONS (which win);
# - V8: on a machine with 2 cores or fewer (nproc: what this process may run on), garbage collection on the
#   main thread alone (--single-threaded-gc): there, V8's concurrent marking and parallel scavenging on helper
#   threads compete with the signing worker for the same cores and cost more CPU per request than they save.
#   GC_THREADS=parallel keeps V8's default, GC_THREADS=single forces it.
# Each environment variable set by the caller is kept. bench/child-process.ts runs the bench's processes the
# same way (keep the two in step).
set -eu
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-32768}"
export NODE_OPTIONS="--max-old-space-size=512 ${NODE_OPTIONS:-}"
case "${GC_THREADS:-auto}" in
  single) gc_flags="--single-threaded-gc" ;;
  parallel) gc_flags="" ;;
  auto) if [ "$(nproc)" -le 2 ]; then gc_flags="--single-threaded-gc"; else gc_flags=""; fi ;;
  *) echo "GC_THREADS must be auto, single or parallel, not '${GC_THREADS}'" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086 # gc_flags is one flag or none
exec node $gc_flags "$(dirname "$0")/../dist/broker/main.js" "$@"
