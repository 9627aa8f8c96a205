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
  auto)
    # The cores this process may run on (nproc without the OpenMP variables it would also obey, as Node's
    # os.availableParallelism() counts them; getconf where there is no nproc). NOTE: neither sees a container's
    # CPU quota: a container limited to 2 CPUs on a larger host should set GC_THREADS=single.
    cores=$( (unset OMP_NUM_THREADS OMP_THREAD_LIMIT; nproc) 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 0)
    case "$cores" in '' | *[!0-9]*) cores=0 ;; esac
    if [ "$cores" -ge 1 ] && [ "$cores" -le 2 ]; then gc_flags="--single-threaded-gc"; else gc_flags=""; fi
    ;;
  *) echo "GC_THREADS must be auto, single or parallel, not '${GC_THREADS}'" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086 # gc_flags is one flag or none
exec node $gc_flags "$(dirname "$0")/../dist/broker/main.js" "$@"
