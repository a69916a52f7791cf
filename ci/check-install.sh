#!/usr/bin/env bash
# Installs a numapool build tree into a prefix, then builds and runs a small
# program against the installed library twice: with find_package(numapool)
# and with pkg-config.
#
# Usage: ci/check-install.sh BUILD_DIR PREFIX
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:?usage: ci/check-install.sh BUILD_DIR PREFIX}
prefix=${2:?usage: ci/check-install.sh BUILD_DIR PREFIX}
example="$root/examples/hello"

rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null

echo "check-install: CMake package"
cmake -S "$example" -B "$prefix/hello-cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/hello-cmake" >/dev/null
LD_LIBRARY_PATH="$prefix/lib" "$prefix/hello-cmake/hello"
"$prefix/hello-cmake/hello_static"

echo "check-install: pkg-config"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046 # word splitting of the flags is intended
cc -std=c11 -Wall -Wextra -Werror -o "$prefix/hello-pkgconfig" "$example/hello.c" \
  $(pkg-config --cflags --libs numapool)
LD_LIBRARY_PATH="$prefix/lib" "$prefix/hello-pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -static-libgcc -o "$prefix/hello-pkgconfig-static" \
  "$example/hello.c" "$prefix/lib/libnumapool.a" $(pkg-config --cflags numapool) \
  $(pkg-config --libs-only-l --static numapool | sed 's/-lnumapool//')
"$prefix/hello-pkgconfig-static"
echo "check-install: both ways passed"

if command -v mpicc >/dev/null 2>&1 && [ -f "$prefix/lib/libnumapool_mpi.so" ]; then
  echo "check-install: MPI example"
  cmake -S "$root/examples/mpi" -B "$prefix/mpi-example" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$prefix/mpi-example" >/dev/null
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 LD_LIBRARY_PATH="$prefix/lib" \
    timeout 120 mpirun -np 2 --oversubscribe --bind-to core "$prefix/mpi-example/mpi_gemm" 256
fi
