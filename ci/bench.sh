#!/usr/bin/env bash
# Runs every benchmark recorded in docs/BENCHMARKS.md and keeps the raw
# output and JSON reports in one folder. Run it on a quiet machine: each
# figure is compared only with peers measured in the same run.
#
# Usage: ci/bench.sh [BUILD_DIR] [OUTPUT_DIR]
#   BUILD_DIR   a Release build tree (default: build-bench, configured and
#               built when missing)
#   OUTPUT_DIR  where the results go (default: bench-results/<date>)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-bench}
out=${2:-$root/bench-results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"

if [ ! -x "$build/perf/numapool-perf" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j"$(nproc)"
fi
perf="$build/perf/numapool-perf"

# run NAME COMMAND...: runs one benchmark, saving its output as NAME.txt.
run() {
  local name=$1
  shift
  echo "== $name: $*" | tee "$out/$name.txt"
  echo "   load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/$name.txt"
  "$@" 2>&1 | tee -a "$out/$name.txt"
}

run forkjoin "$perf" forkjoin --threads 1,2 --report "$out/forkjoin.json"
run forkjoin-pthreadpool "$perf" forkjoin --api pthreadpool --threads 2 \
  --report "$out/forkjoin-pthreadpool.json"
run gemm-square "$perf" gemm --threads 1,2 --sizes 256,512,1024,2048 \
  --report "$out/gemm-square.json"
run gemm-ml "$perf" gemm --threads 1,2 --sizes 64x3136x576,128x3136x1152,256x3136x2304 \
  --report "$out/gemm-ml.json"
run conv "$perf" conv --threads 1,2 --report "$out/conv.json"
run eltwise "$perf" eltwise --threads 1,2 --report "$out/eltwise.json"
run tasks "$perf" tasks --threads 1,2 --report "$out/tasks.json"
run suite "$perf" --report "$out/suite.json"

# The development benchmarks of the kernels and task groups, built with
# the tests when their peers are installed.
if [ -x "$build/tests/kernels/bench_gemm" ]; then
  run bench-gemm "$build/tests/kernels/bench_gemm" -r 5
fi
if [ -x "$build/tests/kernels/bench_ops" ]; then
  run bench-ops-conv env OMP_WAIT_POLICY=passive "$build/tests/kernels/bench_ops" conv 5
  run bench-ops-eltwise env OMP_WAIT_POLICY=passive NUMAPOOL_ELTWISE_STREAM_BYTES=33554432 \
    "$build/tests/kernels/bench_ops" eltwise 5
fi
if [ -x "$build/tests/tasks/bench_tasks" ]; then
  run bench-tasks "$build/tests/tasks/bench_tasks" 1000000 5
fi
if [ -x "$build/tests/compat/bench_pthreadpool" ]; then
  run bench-pthreadpool-debian "$build/tests/compat/bench_pthreadpool" 2
  run bench-pthreadpool-numapool env LD_LIBRARY_PATH="$build/compat" \
    "$build/tests/compat/bench_pthreadpool" 2
fi
echo "results in $out"
