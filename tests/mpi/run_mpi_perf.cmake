# Runs numapool-perf gemm --mpi on 2 ranks and checks the merged report.
file(REMOVE "${REPORT}")
execute_process(
  COMMAND "${MPIEXEC}" -np 2 --oversubscribe --bind-to core "${PERF}" gemm --mpi
          --sizes 192,130x70x90 --precision both --threads 1 --repetitions 2 --warmup 0
          --events none --report "${REPORT}"
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "numapool-perf gemm --mpi exited with ${status}")
endif()
execute_process(COMMAND "${PYTHON}" "${CHECKER}" "${REPORT}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the merged report failed its check (${status})")
endif()
