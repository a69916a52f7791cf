#!/usr/bin/env bash
# Invalid command lines for the numapool-perf driver: each must be
# rejected with exit status 2 and a message on stderr naming the driver,
# before any benchmark runs, and never with a crash.
#
# Usage: perf_bad_options.sh PATH_TO_NUMAPOOL_PERF
set -uo pipefail

perf="$1"
overlong="$(head -c 100000 /dev/zero | tr '\0' '7')"
failures=0
cases=0

# Runs one command line and checks how it ends.
expect_rejected() {
  cases=$((cases + 1))
  local stderr_file
  stderr_file="$(mktemp)"
  timeout 60 "$perf" "$@" >/dev/null 2>"$stderr_file"
  local status=$?
  if [ "$status" -ne 2 ] || ! grep -q "numapool-perf" "$stderr_file"; then
    echo "perf_bad_options: '$(printf '%.80s' "$*")' ended with status $status, expected 2 and a message; stderr:" >&2
    head -c 400 "$stderr_file" >&2
    echo >&2
    failures=$((failures + 1))
  fi
  rm -f "$stderr_file"
}

expect_rejected bogus
expect_rejected --bogus
expect_rejected "$overlong"
for subcommand in forkjoin gemm conv eltwise tasks topology; do
  expect_rejected "$subcommand" --unknown
  expect_rejected "$subcommand" --threads
  for value in 0 abc -1 99999999999999999999 4097 "1,,2" "1," ",1" "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17" "$overlong"; do
    expect_rejected "$subcommand" --threads "$value"
  done
  for value in 0 -1 abc 99999999999999999999 "$overlong"; do
    expect_rejected "$subcommand" --repetitions "$value"
  done
  expect_rejected "$subcommand" --warmup -1
  expect_rejected "$subcommand" --spin-us abc
  expect_rejected "$subcommand" --bind banana
  expect_rejected "$subcommand" --topology bogus
  expect_rejected "$subcommand" --topology "$overlong"
done

echo "perf_bad_options: $((cases - failures)) of $cases command lines rejected cleanly"
[ "$failures" -eq 0 ]
