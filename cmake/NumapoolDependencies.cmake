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

# MPI (Open MPI from Debian) builds the numapool_mpi library and the MPI
# tests; without it they are left out.
set(NUMAPOOL_HAVE_MPI 0)
if(NUMAPOOL_WITH_MPI)
  find_package(MPI COMPONENTS C)
  if(MPI_C_FOUND)
    set(NUMAPOOL_HAVE_MPI 1)
  else()
    message(STATUS "MPI not found: numapool_mpi and the mpi tests are not built")
  endif()
endif()
