# Registers numa_vm_2nodes and numa_vm_4nodes (label numa): each runs
# ci/numa-vm.sh, which boots an emulated NUMA machine in QEMU and runs
# vm_selfcheck and every program named in vm-tests.txt inside it, in one
# boot. tests/numa/CMakeLists.txt includes this file after it defines the
# test targets. Without qemu-system-x86_64 the script prints why and exits
# with 77, which ctest reports as skipped.

set(NUMAPOOL_VM_TEST_LIST "${CMAKE_CURRENT_LIST_DIR}/vm-tests.txt")
set(NUMAPOOL_VM_RUNNER "${CMAKE_CURRENT_LIST_DIR}/../../ci/numa-vm.sh")

if(NOT NUMAPOOL_HAVE_LIBNUMA)
  message(STATUS "numa_vm tests not registered: vm_selfcheck needs libnuma (libnuma-dev)")
  return()
endif()

find_program(NUMAPOOL_QEMU_X86_64 qemu-system-x86_64)
if(NOT NUMAPOOL_QEMU_X86_64)
  message(STATUS "qemu-system-x86_64 not found: numa_vm tests will be skipped (install qemu-system-x86)")
endif()

add_executable(numa_vm_selfcheck "${CMAKE_CURRENT_LIST_DIR}/../numa-vm/vm_selfcheck.c")
numapool_target_warnings(numa_vm_selfcheck)
target_include_directories(numa_vm_selfcheck PRIVATE ${NUMA_INCLUDE_DIR})
target_link_libraries(numa_vm_selfcheck PRIVATE ${NUMA_LIBRARY})

# vm-tests.txt names one test target a line; blank lines and # comments
# are ignored. A name that is no target stops the configuration, so no
# listed test silently stays out of the emulated machine.
set(vm_test_files "$<TARGET_FILE:numa_vm_selfcheck>\n")
if(EXISTS "${NUMAPOOL_VM_TEST_LIST}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${NUMAPOOL_VM_TEST_LIST}")
  file(STRINGS "${NUMAPOOL_VM_TEST_LIST}" vm_test_lines)
  foreach(line IN LISTS vm_test_lines)
    string(STRIP "${line}" name)
    if(name STREQUAL "" OR name MATCHES "^#")
      continue()
    endif()
    if(NOT TARGET ${name})
      message(FATAL_ERROR "${NUMAPOOL_VM_TEST_LIST} names '${name}', which is not a target; "
                          "add the test before including vm.cmake, or remove the line")
    endif()
    string(APPEND vm_test_files "$<TARGET_FILE:${name}>\n")
  endforeach()
endif()

# One list per configuration, so multi-config generators work too.
set(vm_test_list_output "${CMAKE_CURRENT_BINARY_DIR}/numa-vm-tests-$<CONFIG>.txt")
file(GENERATE OUTPUT "${vm_test_list_output}" CONTENT "${vm_test_files}")

# The runner's own --timeout stays below the ctest TIMEOUT, so a hung guest
# is reported by the runner with its kernel log.
foreach(vm_nodes 2 4)
  add_test(NAME numa_vm_${vm_nodes}nodes
           COMMAND "${NUMAPOOL_VM_RUNNER}" --nodes ${vm_nodes} --cpus 4 --memory 1G
                   --timeout 270 --test-timeout 120 --tests "${vm_test_list_output}")
  set_tests_properties(numa_vm_${vm_nodes}nodes PROPERTIES
                       LABELS numa TIMEOUT 300 SKIP_RETURN_CODE 77
                       PROCESSORS 2 RESOURCE_LOCK numa_vm)
endforeach()
