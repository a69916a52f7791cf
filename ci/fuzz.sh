#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang, AddressSanitizer and
# UBSan, and runs each one for a bounded time on a copy of its seed corpus.
#
#   ci/fuzz.sh                      # 20 s per target, as in CI
#   FUZZ_SECONDS=600 ci/fuzz.sh     # longer, on demand
#   ci/fuzz.sh parse_long           # only the named targets
#
# Environment: FUZZ_SECONDS (time per target, default 20), NUMAPOOL_FUZZ_XML
# (1: topology_source also feeds XML files to hwloc, whose parser crashes
# on some of them in hwloc 2.9.0; off by default), BUILD_DIR
# (default build-fuzz), FUZZ_JOBS (parallel fuzzing processes per target,
# default 1; more than 1 writes fuzz-<n>.log files in the current
# directory). Exits non-zero when a target crashes, hangs or leaks; the
# reproducer is left in BUILD_DIR/fuzz-artifacts/<target>/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build-fuzz}"
seconds="${FUZZ_SECONDS:-20}"
jobs="${FUZZ_JOBS:-1}"
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  targets=(topology_source parse_long tiled_mapping)
fi

if ! command -v clang >/dev/null; then
  echo "fuzz: clang not found; run ci/install-deps.sh" >&2
  exit 1
fi

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNUMAPOOL_BUILD_FUZZERS=ON -DNUMAPOOL_SANITIZE=address,undefined -DBUILD_TESTING=OFF \
  -DNUMAPOOL_BUILD_PERF=OFF -DNUMAPOOL_BUILD_KERNELS=OFF -DNUMAPOOL_BUILD_PTHREADPOOL=OFF \
  -DNUMAPOOL_WITH_MPI=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

status=0
for target in "${targets[@]}"; do
  corpus="$build/fuzz-corpus/$target"
  artifacts="$build/fuzz-artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  echo "fuzz: $target for ${seconds}s"
  # New inputs go to the working corpus; the seeds in fuzz/corpus stay as
  # they are. Leak checking stays on: a leak fails the run.
  parallel=()
  if [ "$jobs" -gt 1 ]; then
    parallel=(-jobs="$jobs" -workers="$jobs")
  fi
  if ! NUMAPOOL_LOG=none "$build/fuzz/fuzz_$target" -max_total_time="$seconds" \
      -timeout=20 -rss_limit_mb=2048 "${parallel[@]}" \
      -artifact_prefix="$artifacts/" -print_final_stats=1 \
      "$corpus" "$root/fuzz/corpus/$target"; then
    echo "fuzz: $target failed; reproducers in $artifacts" >&2
    status=1
  fi
done
exit "$status"
