# Compiler warnings and sanitizers for every target of the project.

set(NUMAPOOL_WARNING_FLAGS -Wall -Wextra -Wshadow -Wpointer-arith -Wvla)
set(NUMAPOOL_C_WARNING_FLAGS -Wstrict-prototypes -Wmissing-prototypes)
if(NUMAPOOL_WERROR)
  list(APPEND NUMAPOOL_WARNING_FLAGS -Werror)
endif()

# Applies the project's warning flags to a target.
function(numapool_target_warnings target)
  target_compile_options(${target} PRIVATE ${NUMAPOOL_WARNING_FLAGS}
    $<$<COMPILE_LANGUAGE:C>:${NUMAPOOL_C_WARNING_FLAGS}>)
endfunction()

if(NUMAPOOL_SANITIZE)
  set(_numapool_san_flags -fsanitize=${NUMAPOOL_SANITIZE} -fno-omit-frame-pointer -g)
  if(NUMAPOOL_SANITIZE MATCHES "undefined")
    list(APPEND _numapool_san_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${_numapool_san_flags})
  add_link_options(-fsanitize=${NUMAPOOL_SANITIZE})
endif()
