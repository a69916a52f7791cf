# shellcheck shell=bash
# Boots the emulated NUMA machine and reads back the results for
# ci/numa-vm.sh (sourced by it). The guest writes its kernel log to the
# first serial port, test outputs to the second and progress and exit
# statuses to the third; QEMU stores each port in a file.

# Plans the machine: cpu_nodes gets the node of each CPU, distances the
# row-major distance matrix.
plan_topology() {
  local cpu from to
  cpu_nodes=()
  for ((cpu = 0; cpu < cpus; cpu++)); do
    if [ "$cpus" -ge "$nodes" ]; then
      cpu_nodes+=($((cpu * nodes / cpus)))
    else
      cpu_nodes+=("$cpu")
    fi
  done

  # 10 + 10 * (i XOR j) gives each node its peers at distinct distances,
  # so a nearest-first order is never a tie (2 nodes: 10/20; 4 nodes: 20,
  # 30 and 40).
  distances=()
  for ((from = 0; from < nodes; from++)); do
    for ((to = 0; to < nodes; to++)); do
      if [ "$from" -eq "$to" ]; then
        distances+=(10)
      else
        distances+=($((10 + 10 * (from ^ to))))
      fi
    done
  done
}

# Prints the QEMU -smp value: one socket per node when the CPUs divide
# evenly, else one socket per CPU, so no socket spans two nodes.
smp_value() {
  if [ "$cpus" -ge "$nodes" ] && [ $((cpus % nodes)) -eq 0 ]; then
    echo "$cpus,sockets=$nodes,cores=$((cpus / nodes)),threads=1"
  else
    echo "$cpus,sockets=$cpus,cores=1,threads=1"
  fi
}

# Appends the -object and -numa options to qemu_args.
add_numa_options() {
  local node cpu first last from to
  for ((node = 0; node < nodes; node++)); do
    first=
    last=
    for ((cpu = 0; cpu < cpus; cpu++)); do
      if [ "${cpu_nodes[$cpu]}" -eq "$node" ]; then
        first=${first:-$cpu}
        last=$cpu
      fi
    done
    qemu_args+=(-object "memory-backend-ram,id=ram$node,size=${node_memory_mib}M")
    qemu_args+=(-numa "node,nodeid=$node,memdev=ram$node${first:+,cpus=$first-$last}")
  done

  for ((from = 0; from < nodes; from++)); do
    for ((to = 0; to < nodes; to++)); do
      if [ "$from" -ne "$to" ]; then
        qemu_args+=(-numa "dist,src=$from,dst=$to,val=${distances[from * nodes + to]}")
      fi
    done
  done
}

# Boots the guest under a hard timeout and sets qemu_status and
# qemu_seconds.
run_machine() {
  local append="console=ttyS0 panic=-1 numa_balancing=disable transparent_hugepage=$thp"
  qemu_args=(
    -accel tcg -machine pc -cpu max -smp "$(smp_value)" -m "${memory_total_mib}M"
    -nodefaults -no-user-config -display none -monitor none -nic none -no-reboot
    -kernel "$kernel" -initrd "$work_dir/initramfs.cpio" -append "$append"
    -serial "file:$work_dir/console.log" -serial "file:$work_dir/output.log"
    -serial "file:$work_dir/status.log"
  )
  add_numa_options

  echo "$program: booting $nodes nodes, $cpus CPUs, ${memory_total_mib} MiB, ${#test_commands[@]} tests," \
    "kernel ${kernel##*/}, timeout ${timeout_seconds} s"
  local start end
  start=$(date +%s.%N)
  qemu_status=0
  timeout --kill-after=10 "$timeout_seconds" qemu-system-x86_64 "${qemu_args[@]}" \
    >"$work_dir/qemu.log" 2>&1 || qemu_status=$?
  end=$(date +%s.%N)
  qemu_seconds=$(awk -v start="$start" -v end="$end" 'BEGIN { printf "%.1f", end - start }')

  # Serial output can carry "\r"; the protocol lines are plain.
  local log
  for log in console output status; do
    touch "$work_dir/$log.log"
    tr -d '\r' <"$work_dir/$log.log" >"$work_dir/$log.txt"
  done
  if [ -n "$keep_dir" ]; then
    mkdir -p "$keep_dir"
    cp "$work_dir"/*.log "$work_dir/initramfs.cpio" "$keep_dir/"
  fi
}

# print_output INDEX: prints the output the guest sent for test INDEX.
print_output() {
  awk -v index_="$1" '
    $1 == "numavm-output-end" && $2 == index_ { inside = 0 }
    inside { print }
    $1 == "numavm-output-begin" && $2 == index_ { inside = 1 }
  ' "$work_dir/output.txt"
}

# status_field KEY INDEX FIELD: prints FIELD of the status line "numavm-KEY INDEX ...".
status_field() {
  awk -v key="numavm-$1" -v index_="$2" -v field="$3" \
    '$1 == key && $2 == index_ { print $field; exit }' "$work_dir/status.txt"
}

# Prints the guest uptime from the status line that starts with KEY.
guest_uptime() {
  sed -n "s/^numavm-$1 .*uptime=\([0-9.]*\).*/\1/p" "$work_dir/status.txt" | head -n 1
}

# report_results START: prints every test's output, the summary and the
# timings, and exits 0 only if every test passed.
report_results() {
  local start=$1 index count=${#test_commands[@]} status name
  local passed=0 failed=0 skipped=0

  echo "=== machine seen by the guest"
  print_output 0
  for ((index = 1; index <= count; index++)); do
    name=${test_commands[index - 1]##*/}
    status=$(status_field status "$index" 3)
    if [ -z "$status" ]; then
      if [ -n "$(status_field start "$index" 3)" ]; then
        echo "=== [$index/$count] $name: FAIL (still running when the guest stopped)"
      else
        echo "=== [$index/$count] $name: FAIL (never started)"
      fi
      failed=$((failed + 1))
    elif [ "$status" -eq 0 ]; then
      echo "=== [$index/$count] $name: PASS"
      passed=$((passed + 1))
    elif [ "$status" -eq "$skip_status" ]; then
      echo "=== [$index/$count] $name: SKIP (exit status $skip_status)"
      skipped=$((skipped + 1))
    else
      echo "=== [$index/$count] $name: FAIL (exit status $status$(signal_hint "$status"))"
      failed=$((failed + 1))
    fi
    print_output "$index"
  done

  report_machine_failure
  local total_seconds
  total_seconds=$(awk -v start="$start" -v end="$(date +%s.%N)" 'BEGIN { printf "%.1f", end - start }')
  echo "$program: $nodes nodes, $cpus CPUs: $passed passed, $failed failed, $skipped skipped of $count"
  echo "$program: /init started at $(guest_uptime boot || true) s, the last test ended at" \
    "$(guest_uptime "done" || true) s (guest clock, empty if never); QEMU ran $qemu_seconds s;" \
    "whole run $total_seconds s"

  if [ "$failed" -ne 0 ] || [ -z "$(guest_uptime "done")" ]; then
    exit 1
  fi
  if [ "$skipped" -ne 0 ] && [ "$allow_skip" -eq 0 ]; then
    echo "$program: $skipped tests were skipped inside the emulated machine; a skip is not a pass" \
      "(pass --allow-skip to accept skips)"
    exit 1
  fi
  exit 0
}

# Prints a hint for exit statuses that mean a signal.
signal_hint() {
  if [ "$1" -eq 137 ]; then
    echo ", killed: SIGKILL, as the per-test timeout of $test_timeout s sends"
  elif [ "$1" -gt 128 ]; then
    echo ", killed by signal $(($1 - 128))"
  fi
}

# Explains a guest that did not finish: QEMU timed out, failed to start,
# or the kernel stopped; shows the end of the kernel log.
report_machine_failure() {
  if [ -n "$(guest_uptime "done")" ] && [ "$qemu_status" -eq 0 ]; then
    return
  fi
  if [ "$qemu_status" -eq 124 ] || [ "$qemu_status" -eq 137 ]; then
    echo "$program: FAIL: QEMU timed out after $timeout_seconds s and was killed (--timeout)"
  elif [ "$qemu_status" -ne 0 ]; then
    echo "$program: FAIL: QEMU exited with status $qemu_status:"
    cat "$work_dir/qemu.log"
  else
    echo "$program: FAIL: the guest stopped before it ran every test"
  fi
  echo "--- last 40 lines of the guest kernel log"
  tail -n 40 "$work_dir/console.txt"
  echo "---"
}
