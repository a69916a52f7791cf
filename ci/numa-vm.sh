#!/usr/bin/env bash
# Runs test programs inside an emulated multi-node NUMA machine: QEMU with
# software emulation (TCG), a Debian cloud kernel and an initramfs built on
# the fly from static busybox, the tests and the libraries ldd lists for
# them. All tests run in one boot. Exits 0 only if every test passed.
# Run with --help for the options; docs/NUMA-VM.md explains the design.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root_dir=$(cd "$script_dir/.." && pwd)
program=numa-vm

# Exit status when QEMU is missing, so ctest can report the test as skipped.
skip_status=77

nodes=2
cpus=4
memory=1G
timeout_seconds=240
test_timeout=120
thp=always
kernel=
cache_dir=${NUMAVM_CACHE:-$script_dir/vm-cache}
tests_files=()
tests=()
guest_env=()
extra_files=()
selfcheck=0
allow_skip=0
keep_dir=

usage() {
  cat <<EOF
Usage: ci/numa-vm.sh [OPTIONS] --tests FILE
       ci/numa-vm.sh [OPTIONS] --selfcheck

Boots QEMU (software emulation, no network device) with the given NUMA
nodes and CPUs and runs every listed test program inside, in one boot.
Prints each test's output and a summary. Exit status: 0 if every test
exited 0, 1 otherwise, $skip_status if qemu-system-x86_64 is missing.

Options:
  --nodes N          NUMA nodes, 1 to 16 (default $nodes). Node i to node j
                     is at distance 10 + 10 * (i XOR j), so each node sees
                     its peers at distinct distances (2 nodes: 10/20).
  --cpus N           virtual CPUs, 1 to 64 (default $cpus), split into
                     contiguous blocks across the nodes; with fewer CPUs
                     than nodes the last nodes have memory only.
  --memory SIZE      guest memory in MiB, or with suffix M or G (default
                     $memory), split evenly across the nodes; at least
                     128 MiB per node.
  --tests FILE       file listing test programs, one per line: a path and
                     optional arguments separated by spaces; blank lines
                     and lines starting with # are ignored. Relative paths
                     are relative to the current directory. Repeatable.
  --test PATH        one test program, no arguments. Repeatable.
  --selfcheck        also compile and run tests/numa-vm/vm_selfcheck.c,
                     which checks the guest's nodes, CPUs, distances and
                     the placement of numa_alloc_onnode memory.
  --env NAME=VALUE   set a variable in the tests' environment. Repeatable.
  --file PATH        copy a file or folder the tests read into the guest,
                     at the same absolute path. Repeatable. Tests run in /.
  --timeout S        seconds before QEMU is killed (default $timeout_seconds).
  --test-timeout S   seconds before one test is killed inside the guest
                     (default $test_timeout).
  --thp MODE         transparent huge pages in the guest: always, madvise
                     or never (default $thp, the kernel's own default).
  --kernel PATH      boot this kernel image instead of the Debian cloud
                     kernel fetched with apt-get download.
  --cache DIR        where the fetched kernel is kept (default
                     ci/vm-cache, or \$NUMAVM_CACHE).
  --allow-skip       exit 0 when tests were skipped (exit status 77) and
                     the rest passed; by default a skip fails the run.
  --keep DIR         keep the initramfs and the serial logs in DIR.
  -h, --help         print this help.

Inside the guest the tests see NUMAPOOL_VM_NODES, NUMAPOOL_VM_CPUS,
NUMAPOOL_VM_CPU_NODES (node of each CPU) and NUMAPOOL_VM_DISTANCES (the
distance matrix, row-major).
EOF
}

fail() {
  echo "$program: $*" >&2
  exit 1
}

# require_value OPTION ARGUMENT_COUNT: an option needs a value after it.
require_value() {
  if [ "$2" -lt 2 ]; then
    fail "option $1 needs a value; see --help"
  fi
}

parse_options() {
  while [ "$#" -gt 0 ]; do
    local option=$1
    local value=
    if [[ $option == --*=* ]]; then
      value=${option#*=}
      option=${option%%=*}
      shift
      set -- "$option" "$value" "$@"
    fi
    case $option in
      --nodes) require_value "$1" "$#"; nodes=$2; shift 2 ;;
      --cpus) require_value "$1" "$#"; cpus=$2; shift 2 ;;
      --memory) require_value "$1" "$#"; memory=$2; shift 2 ;;
      --tests) require_value "$1" "$#"; tests_files+=("$2"); shift 2 ;;
      --test) require_value "$1" "$#"; tests+=("$2"); shift 2 ;;
      --selfcheck) selfcheck=1; shift ;;
      --env) require_value "$1" "$#"; guest_env+=("$2"); shift 2 ;;
      --file) require_value "$1" "$#"; extra_files+=("$2"); shift 2 ;;
      --timeout) require_value "$1" "$#"; timeout_seconds=$2; shift 2 ;;
      --test-timeout) require_value "$1" "$#"; test_timeout=$2; shift 2 ;;
      --thp) require_value "$1" "$#"; thp=$2; shift 2 ;;
      --kernel) require_value "$1" "$#"; kernel=$2; shift 2 ;;
      --cache) require_value "$1" "$#"; cache_dir=$2; shift 2 ;;
      --allow-skip) allow_skip=1; shift ;;
      --keep) require_value "$1" "$#"; keep_dir=$2; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) fail "unknown option '$1'; see --help" ;;
    esac
  done
}

# check_integer NAME VALUE MIN MAX
check_integer() {
  if ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
    fail "invalid $1 '$2': expected an integer from $3 to $4"
  fi
}

# Prints the guest memory in MiB from a size such as 1G, 1536M or 2048.
memory_mib() {
  local size=$1
  case $size in
    *[gG]) size=${size%[gG]}; [[ $size =~ ^[0-9]+$ ]] && echo $((size * 1024)) ;;
    *[mM]) size=${size%[mM]}; [[ $size =~ ^[0-9]+$ ]] && echo "$size" ;;
    *) [[ $size =~ ^[0-9]+$ ]] && echo "$size" ;;
  esac
}

validate_options() {
  check_integer --nodes "$nodes" 1 16
  check_integer --cpus "$cpus" 1 64
  check_integer --timeout "$timeout_seconds" 10 86400
  check_integer --test-timeout "$test_timeout" 1 86400
  case $thp in
    always | madvise | never) ;;
    *) fail "invalid --thp '$thp': expected always, madvise or never" ;;
  esac

  memory_total_mib=$(memory_mib "$memory") ||
    fail "invalid --memory '$memory': expected MiB, or a number with suffix M or G"
  node_memory_mib=$((memory_total_mib / nodes))
  if [ "$node_memory_mib" -lt 128 ]; then
    fail "--memory $memory gives $node_memory_mib MiB per node; give at least $((128 * nodes))M for $nodes nodes"
  fi
  memory_total_mib=$((node_memory_mib * nodes))
  # Linux turns transparent huge pages off when it finds under 512 MiB of
  # RAM, and the kernel itself takes some of the guest memory.
  if [ "$thp" != never ] && [ "$memory_total_mib" -lt 640 ]; then
    echo "$program: note: with --memory under 640M the guest kernel turns transparent huge" \
      "pages off, whatever --thp says"
  fi

  local assignment
  for assignment in "${guest_env[@]}"; do
    [[ $assignment =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] ||
      fail "invalid --env '$assignment': expected NAME=VALUE"
  done
  if [ "${#tests_files[@]}" -eq 0 ] && [ "${#tests[@]}" -eq 0 ] && [ "$selfcheck" -eq 0 ]; then
    fail "no tests given; use --tests FILE, --test PATH or --selfcheck"
  fi
}

# Stops with the skip status when QEMU is missing and with an error when
# another tool is missing, naming the Debian package to install.
check_tools() {
  if ! command -v qemu-system-x86_64 >/dev/null; then
    echo "$program: SKIP: qemu-system-x86_64 not found; install the Debian package" \
      "qemu-system-x86 (ci/install-deps.sh) to run tests in the emulated NUMA machine"
    exit "$skip_status"
  fi

  busybox_path=$(command -v busybox || true)
  if [ -z "$busybox_path" ] || ldd "$busybox_path" >/dev/null 2>&1; then
    fail "a statically linked busybox is needed for the guest; install busybox-static"
  fi
  # busybox also provides cpio for the initramfs.
  local tool
  for tool in ldd numactl flock timeout; do
    command -v "$tool" >/dev/null || fail "$tool not found; run ci/install-deps.sh"
  done
}

# shellcheck source=numa-vm/kernel.sh
source "$script_dir/numa-vm/kernel.sh"
# shellcheck source=numa-vm/initramfs.sh
source "$script_dir/numa-vm/initramfs.sh"
# shellcheck source=numa-vm/machine.sh
source "$script_dir/numa-vm/machine.sh"

main() {
  parse_options "$@"
  validate_options
  check_tools
  plan_topology

  local start
  start=$(date +%s.%N)
  work_dir=$(mktemp -d "${TMPDIR:-/tmp}/numa-vm.XXXXXX")
  trap 'rm -rf "$work_dir"' EXIT

  fetch_kernel
  collect_tests
  build_initramfs
  run_machine
  report_results "$start"
}

main "$@"
