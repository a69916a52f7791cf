#!/usr/bin/env bash
# Installs every Debian 12 package numapool builds, tests and benchmarks
# with. Safe to run more than once: apt-get skips what is installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libhwloc-dev hwloc libnuma-dev numactl
  libpapi-dev papi-tools
  libopenblas-dev
  libopenmpi-dev openmpi-bin
  qemu-system-x86 busybox-static
  libpthreadpool-dev libtbb-dev libblis-dev gnuplot-nox python3
  libxnnpack-dev
  libdnnl-dev libomp-dev
  valgrind
)

if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
else
  sudo=
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
