#include "numa_support.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

void numa_test_placement(const void *pointer, size_t size,
                         size_t node_pages[NUMA_TEST_MAX_NODES],
                         numapool_placement_t *summary) {
  int status = numapool_memory_placement(pointer, size, node_pages, NUMA_TEST_MAX_NODES,
                                         summary);
  if (status != 0)
    fprintf(stderr, "the page placement query failed: %s\n", numapool_strerror(status));
  CHECK_EQ(status, 0);
}

void numa_test_bind_to_domain0(const numapool_topology_t *topology) {
  size_t count = numapool_topology_domain_cpus(topology, 0, NULL, 0);
  int *cpus = malloc(count * sizeof(int));
  CHECK(cpus != NULL);
  numapool_topology_domain_cpus(topology, 0, cpus, count);
  cpu_set_t set;
  CPU_ZERO(&set);
  for (size_t i = 0; i < count; i++)
    if (cpus[i] >= 0 && cpus[i] < CPU_SETSIZE)
      CPU_SET(cpus[i], &set);
  free(cpus);
  CHECK(sched_setaffinity(0, sizeof(set), &set) == 0);
}
