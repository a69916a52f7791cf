#include <sched.h>
#include <stdlib.h>

#include "topology/topology.h"

size_t numapool__affinity_cpus(int *cpus, size_t capacity) {
  /* The mask may be larger than a cpu_set_t on machines with over 1024
   * CPUs, so grow it until sched_getaffinity accepts the size. */
  for (int max_cpus = 1024; max_cpus <= (1 << 20); max_cpus *= 2) {
    cpu_set_t *set = CPU_ALLOC(max_cpus);
    if (set == NULL)
      return 0;
    size_t set_size = CPU_ALLOC_SIZE(max_cpus);
    CPU_ZERO_S(set_size, set);
    if (sched_getaffinity(0, set_size, set) != 0) {
      CPU_FREE(set);
      continue;
    }

    size_t count = 0;
    for (int cpu = 0; cpu < max_cpus && count < capacity; cpu++) {
      if (CPU_ISSET_S(cpu, set_size, set))
        cpus[count++] = cpu;
    }
    CPU_FREE(set);
    return count;
  }
  return 0;
}
