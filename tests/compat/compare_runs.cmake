# Runs PROGRAM twice: as linked (Debian's libpthreadpool.so.0), then with
# LIBRARY_DIR (numapool's build) first on LD_LIBRARY_PATH. Each run prints
# "library: <path>" for the libpthreadpool it loaded and its results on
# other lines. Fails unless each run loaded the expected library and both
# printed the same results.
#   cmake -DPROGRAM=... -DLIBRARY_DIR=... -P compare_runs.cmake

foreach(variable PROGRAM LIBRARY_DIR)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "compare_runs.cmake: -D${variable}=... is missing")
  endif()
endforeach()
get_filename_component(library_dir "${LIBRARY_DIR}" REALPATH)

# Runs the program; sets <prefix>_library and <prefix>_results.
function(run_program prefix)
  execute_process(COMMAND ${ARGN} "${PROGRAM}"
                  RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${prefix} run of ${PROGRAM} failed (${status}):\n${output}\n${errors}")
  endif()
  string(REGEX MATCH "library: [^\n]*" library_line "${output}")
  if(library_line STREQUAL "")
    message(FATAL_ERROR "${prefix} run printed no 'library:' line:\n${output}")
  endif()
  string(REPLACE "library: " "" library "${library_line}")
  get_filename_component(library "${library}" REALPATH)
  string(REGEX REPLACE "library: [^\n]*\n" "" results "${output}")
  if(NOT results MATCHES "checksum: ")
    message(FATAL_ERROR "${prefix} run printed no 'checksum:' line:\n${output}")
  endif()
  set(${prefix}_library "${library}" PARENT_SCOPE)
  set(${prefix}_results "${results}" PARENT_SCOPE)
  message(STATUS "${prefix} run loaded ${library}")
endfunction()

run_program(system)
run_program(numapool ${CMAKE_COMMAND} -E env "LD_LIBRARY_PATH=${library_dir}")

string(FIND "${system_library}" "${library_dir}/" system_in_build)
string(FIND "${numapool_library}" "${library_dir}/" numapool_in_build)
if(NOT system_in_build EQUAL -1)
  message(FATAL_ERROR "the plain run loaded ${system_library}, not the system's library")
endif()
if(NOT numapool_in_build EQUAL 0)
  message(FATAL_ERROR "the swapped run loaded ${numapool_library}, not numapool's build in "
                      "${library_dir}")
endif()
if(NOT system_results STREQUAL numapool_results)
  message(FATAL_ERROR "results differ.\nsystem library:\n${system_results}\n"
                      "numapool's build:\n${numapool_results}")
endif()
message(STATUS "identical results:\n${numapool_results}")
