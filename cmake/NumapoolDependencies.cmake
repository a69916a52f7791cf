# Finds the Debian packages numapool builds on. hwloc and pthreads are
# required; libnuma and PAPI are optional and their absence is reported by
# the library at run time as a documented fallback.

find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET hwloc>=2.0)

find_path(NUMA_INCLUDE_DIR numa.h)
find_library(NUMA_LIBRARY numa)
if(NUMA_INCLUDE_DIR AND NUMA_LIBRARY)
  set(NUMAPOOL_HAVE_LIBNUMA 1)
else()
  set(NUMAPOOL_HAVE_LIBNUMA 0)
  message(STATUS "libnuma not found: node-local allocation falls back to first touch")
endif()

find_path(PAPI_INCLUDE_DIR papi.h)
find_library(PAPI_LIBRARY papi)
if(PAPI_INCLUDE_DIR AND PAPI_LIBRARY)
  set(NUMAPOOL_HAVE_PAPI 1)
else()
  set(NUMAPOOL_HAVE_PAPI 0)
  message(STATUS "PAPI not found: counters report 'counters unavailable'")
endif()

pkg_check_modules(OPENBLAS IMPORTED_TARGET openblas)
