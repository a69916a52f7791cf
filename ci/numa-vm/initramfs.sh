# shellcheck shell=bash
# Builds the guest's initramfs for ci/numa-vm.sh (sourced by it). It
# contains static busybox, ci/numa-vm/init as /init, numactl and
# lstopo-no-graphics for the diagnostic dump, the test programs, and every
# library ldd lists for these programs. Each file keeps its absolute path
# from the host, so RPATHs into a build tree still resolve.
# NOTE: libraries a program opens with dlopen are not listed by ldd and
# are therefore missing in the guest.

# Test commands to run, each "PATH [ARGUMENTS...]" with an absolute PATH.
test_commands=()

# add_test_command SOURCE PATH [ARGUMENTS...]: SOURCE names where the test
# came from in error messages.
add_test_command() {
  local source=$1 path=$2
  shift 2
  [[ $path == /* ]] || path=$PWD/$path
  [[ $path != *[[:space:]]* ]] || fail "test program path '$path' ($source) contains white space"
  if [ ! -f "$path" ] || [ ! -x "$path" ]; then
    fail "test program '$path' ($source) not found or not executable; build it first"
  fi
  test_commands+=("$path${*:+ $*}")
}

# read_tests_file FILE: adds the tests FILE lists.
read_tests_file() {
  local file=$1 line number=0
  [ -r "$file" ] || fail "tests file '$file' not found or not readable"
  while IFS= read -r line || [ -n "$line" ]; do
    number=$((number + 1))
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    # Word splitting of $line is intended: a path and its arguments.
    # shellcheck disable=SC2086
    add_test_command "$file:$number" $line
  done <"$file"
}

# Compiles tests/numa-vm/vm_selfcheck.c for --selfcheck.
build_selfcheck() {
  local source=$root_dir/tests/numa-vm/vm_selfcheck.c
  local binary=$work_dir/selfcheck/vm_selfcheck
  mkdir -p "$work_dir/selfcheck"
  command -v cc >/dev/null || fail "--selfcheck needs a C compiler (cc); run ci/install-deps.sh"
  cc -std=c11 -O2 -Wall -Wextra -Werror "$source" -lnuma -o "$binary" ||
    fail "compiling $source failed; it needs libnuma-dev"
  add_test_command --selfcheck "$binary"
}

collect_tests() {
  if [ "$selfcheck" -eq 1 ]; then
    build_selfcheck
  fi
  local file path
  for file in "${tests_files[@]}"; do
    read_tests_file "$file"
  done
  for path in "${tests[@]}"; do
    add_test_command --test "$path"
  done
  [ "${#test_commands[@]}" -gt 0 ] || fail "the tests files list no tests"
}

# Paths already copied into the initramfs, so each is copied once.
declare -A initramfs_files=()

# add_file PATH: copies PATH, following links, to the same path in the guest.
add_file() {
  local path=$1
  [ -z "${initramfs_files[$path]:-}" ] || return 0
  initramfs_files[$path]=1
  mkdir -p "$initramfs_root$(dirname "$path")"
  cp -L --preserve=mode "$path" "$initramfs_root$path" || fail "copying $path into the initramfs failed"
}

# Prints the absolute paths of the libraries ldd lists for a program, the
# dynamic loader included; stops when one is not found.
list_libraries() {
  local program_path=$1 output
  # ldd fails on static programs, which need no libraries.
  output=$(ldd "$program_path" 2>/dev/null) || return 0
  if grep -q '=> not found' <<<"$output"; then
    fail "ldd $program_path: $(grep '=> not found' <<<"$output" | tr -s ' \t' ' ')"
  fi
  awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$output"
}

# add_program PATH: copies a program and its libraries.
add_program() {
  local program_path=$1 libraries library
  add_file "$program_path"
  libraries=$(list_libraries "$program_path")
  for library in $libraries; do
    add_file "$library"
  done
}

# add_extra_file PATH: copies a file or folder for --file.
add_extra_file() {
  local path=$1
  [[ $path == /* ]] || path=$PWD/$path
  [ -e "$path" ] || fail "--file '$path' not found"
  mkdir -p "$initramfs_root$(dirname "$path")"
  cp -RL --preserve=mode "$path" "$initramfs_root$path" || fail "copying $path into the initramfs failed"
}

# Prints a shell word that reads back as $1 in busybox sh.
shell_quote() {
  local quote="'" escaped="'\\''"
  printf "'%s'" "${1//$quote/$escaped}"
}

write_guest_files() {
  local directory=$initramfs_root/numavm assignment index
  mkdir -p "$directory"
  echo "test_timeout=$test_timeout" >"$directory/config"

  {
    echo "export NUMAPOOL_VM_NODES=$nodes"
    echo "export NUMAPOOL_VM_CPUS=$cpus"
    echo "export NUMAPOOL_VM_CPU_NODES=$(shell_quote "${cpu_nodes[*]}")"
    echo "export NUMAPOOL_VM_DISTANCES=$(shell_quote "${distances[*]}")"
    for assignment in "${guest_env[@]}"; do
      echo "export ${assignment%%=*}=$(shell_quote "${assignment#*=}")"
    done
  } >"$directory/env"

  for index in "${!test_commands[@]}"; do
    echo "$((index + 1)) ${test_commands[$index]}"
  done >"$directory/tests"
}

# Builds $work_dir/initramfs.cpio (uncompressed: the kernel unpacks it
# faster than a compressed one, and QEMU loads it from the host's memory).
build_initramfs() {
  initramfs_root=$work_dir/root
  local directory command path
  mkdir -p "$initramfs_root"/usr/{bin,sbin,lib,lib64} "$initramfs_root"/{dev,proc,sys,tmp}
  for directory in bin sbin lib lib64; do
    ln -s "usr/$directory" "$initramfs_root/$directory"
  done

  cp "$busybox_path" "$initramfs_root/usr/bin/busybox"
  cp "$script_dir/numa-vm/init" "$initramfs_root/init"
  chmod 755 "$initramfs_root/init"
  add_program "$(command -v numactl)"
  if command -v lstopo-no-graphics >/dev/null; then
    add_program "$(command -v lstopo-no-graphics)"
  else
    echo "$program: lstopo-no-graphics not found (package hwloc); the dump shows numactl only"
  fi
  for command in "${test_commands[@]}"; do
    add_program "${command%% *}"
  done
  for path in "${extra_files[@]}"; do
    add_extra_file "$path"
  done
  write_guest_files

  (cd "$initramfs_root" && find . | busybox cpio -o -H newc 2>/dev/null) >"$work_dir/initramfs.cpio" ||
    fail "building the initramfs with busybox cpio failed"
}
