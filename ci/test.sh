#!/usr/bin/env bash
# Builds numapool three ways (Release, ASan+UBSan, TSan) with warnings as
# errors, runs the CTest suite on each, then builds a small program against
# the installed library with CMake and with pkg-config.
#
# Usage: ci/test.sh [release|asan|tsan|install|fuzz ...]   (default: all)
# Build trees go to $NUMAPOOL_CI_DIR (default: build-ci/ in the checkout).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${NUMAPOOL_CI_DIR:-$root/build-ci}
jobs=$(nproc)
stages=("$@")
if [ "${#stages[@]}" -eq 0 ]; then
  stages=(release asan tsan install fuzz)
fi

passed_stages=0
failed_stages=()

log() { printf '\n=== %s: %s\n' "$(date +%H:%M:%S)" "$*"; }

# configure_and_build NAME CMAKE_ARGS...
configure_and_build() {
  local name=$1
  shift
  cmake -S "$root" -B "$work/$name" -DNUMAPOOL_WERROR=ON "$@" >"$work/$name.configure.log" 2>&1 ||
    { cat "$work/$name.configure.log"; return 1; }
  cmake --build "$work/$name" -j "$jobs"
}

# run_ctest NAME CTEST_ARGS...
run_ctest() {
  local name=$1
  shift
  (cd "$work/$name" && ctest --output-on-failure --no-tests=error -j "$jobs" "$@")
}

stage_release() {
  configure_and_build release -DCMAKE_BUILD_TYPE=Release &&
    run_ctest release
}

stage_asan() {
  configure_and_build asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DNUMAPOOL_SANITIZE=address,undefined &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
      run_ctest asan -LE 'perf|numa' -E '^numa_vm_'
}

# compat_abi_swap runs its client against Debian's uninstrumented
# libpthreadpool too, whose synchronization ThreadSanitizer cannot see, so
# it reports races in that run only; the Release and ASan stages run it.
stage_tsan() {
  configure_and_build tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DNUMAPOOL_SANITIZE=thread &&
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
      run_ctest tsan -LE 'perf|numa|mpi' -E '^numa_vm_|^compat_abi_swap$'
}

stage_install() {
  [ -d "$work/release" ] || configure_and_build release -DCMAKE_BUILD_TYPE=Release
  bash "$root/ci/check-install.sh" "$work/release" "$work/install"
}

stage_fuzz() {
  if [ -x "$root/ci/fuzz.sh" ] || [ -f "$root/ci/fuzz.sh" ]; then
    FUZZ_SECONDS="${NUMAPOOL_FUZZ_SECONDS:-15}" BUILD_DIR="$work/fuzz" bash "$root/ci/fuzz.sh"
  else
    echo "no fuzz targets in this checkout"
  fi
}

mkdir -p "$work"
start=$(date +%s)
for stage in "${stages[@]}"; do
  log "stage $stage"
  if "stage_$stage"; then
    passed_stages=$((passed_stages + 1))
  else
    failed_stages+=("$stage")
    log "stage $stage FAILED"
  fi
done

log "finished in $(($(date +%s) - start)) s"
if [ "${#failed_stages[@]}" -gt 0 ]; then
  echo "failed stages: ${failed_stages[*]}"
fi
echo "stages: ${passed_stages} passed, ${#failed_stages[@]} failed"
[ "${#failed_stages[@]}" -eq 0 ]
