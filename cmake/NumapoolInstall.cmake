# Installation: headers, both libraries, the exported CMake package
# (find_package(numapool) gives numapool::numapool and
# numapool::numapool_static) and a pkg-config file.

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/numapool"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.h")
install(FILES "${PROJECT_BINARY_DIR}/include/numapool/version.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/numapool")

install(TARGETS numapool numapool_static
        EXPORT numapoolTargets
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

set(NUMAPOOL_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/numapool")
install(EXPORT numapoolTargets
        NAMESPACE numapool::
        DESTINATION "${NUMAPOOL_CMAKE_DIR}")

# numapool_mpi has its own export set, so that consumers who do not use it
# need no MPI.
if(TARGET numapool_mpi)
  install(TARGETS numapool_mpi
          EXPORT numapoolMpiTargets
          LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
          INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(EXPORT numapoolMpiTargets
          NAMESPACE numapool::
          DESTINATION "${NUMAPOOL_CMAKE_DIR}")
endif()

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/templates/numapoolConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/numapoolConfig.cmake"
  INSTALL_DESTINATION "${NUMAPOOL_CMAKE_DIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/numapoolConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/numapoolConfig.cmake"
              "${PROJECT_BINARY_DIR}/numapoolConfigVersion.cmake"
        DESTINATION "${NUMAPOOL_CMAKE_DIR}")

# pkg-config: the static library's dependencies go to Libs.private.
set(NUMAPOOL_PC_LIBS_PRIVATE "")
foreach(lib IN LISTS NUMAPOOL_EXTERNAL_LIBRARIES)
  if(lib MATCHES "^/")
    get_filename_component(name "${lib}" NAME_WE)
    string(REGEX REPLACE "^lib" "" name "${name}")
    string(APPEND NUMAPOOL_PC_LIBS_PRIVATE " -l${name}")
  else()
    string(APPEND NUMAPOOL_PC_LIBS_PRIVATE " -l${lib}")
  endif()
endforeach()
# The prefix is written relative to the .pc file, so the installed tree can
# be moved.
file(RELATIVE_PATH NUMAPOOL_PC_PREFIX_FROM_PCDIR
     "/numapool-prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/numapool-prefix")
configure_file("${PROJECT_SOURCE_DIR}/cmake/templates/numapool.pc.in"
               "${PROJECT_BINARY_DIR}/numapool.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/numapool.pc"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
