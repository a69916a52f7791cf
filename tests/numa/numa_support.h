/* Helpers of the placement tests: the nodes of the machine and the page
 * counts of a buffer. */
#ifndef NUMAPOOL_TESTS_NUMA_SUPPORT_H
#define NUMAPOOL_TESTS_NUMA_SUPPORT_H

#include <stddef.h>

#include <numapool/memory.h>
#include <numapool/topology.h>

/* Node indices the tests count pages for: 0 .. NUMA_TEST_MAX_NODES - 1. */
#define NUMA_TEST_MAX_NODES 64

/* Counts the pages of [pointer, pointer + size) per node; exits with
 * status 1 when the query fails. */
void numa_test_placement(const void *pointer, size_t size,
                         size_t node_pages[NUMA_TEST_MAX_NODES],
                         numapool_placement_t *summary);

/* Binds the calling thread to the CPUs of domain 0 of the topology. */
void numa_test_bind_to_domain0(const numapool_topology_t *topology);

#endif /* NUMAPOOL_TESTS_NUMA_SUPPORT_H */
