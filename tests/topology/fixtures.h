/* Topology sources for the tests: synthetic descriptions and hwloc XML
 * files written by hand into a temporary folder. */
#ifndef NUMAPOOL_TESTS_TOPOLOGY_FIXTURES_H
#define NUMAPOOL_TESTS_TOPOLOGY_FIXTURES_H

#include <stddef.h>

/* Two packages of two NUMA nodes, 4 PUs per node. */
#define FIXTURE_TWO_BY_TWO "synthetic:pack:2 numa:2 core:2 pu:2"
/* 144 PUs in four nodes: more CPUs than a 64-bit mask holds. */
#define FIXTURE_MANY_CPUS "synthetic:pack:2 numa:2 core:18 pu:2"
/* Three nodes of unequal size is not expressible in a synthetic
 * description, so this one has three equal nodes of 3 PUs. */
#define FIXTURE_THREE_NODES "synthetic:numa:3 core:3 pu:1"

/* Writes the XML fixtures and returns their "xml:<path>" sources, valid
 * until fixtures_remove(). */
typedef struct fixtures {
  char folder[64];
  /* Four nodes of 2 PUs with a latency matrix (10 local; 20, 30 and 40 to
   * the others as in fixture_distances). */
  char distances[128];
  /* Two packages and three nodes. Node 0 has memory and PUs 0-3. Node 1
   * has PUs 4-7 and no memory, and PU 7 is not allowed, so core 3 is
   * partly allowed. Node 2 has memory and no CPU and hangs off the
   * Machine. */
  char odd[128];
  /* Invalid files: text that is not XML, and an empty file. */
  char garbage[128];
  char empty[128];
} fixtures_t;

/* The latency matrix of the distances fixture, row-major. */
extern const unsigned fixture_distances[16];

void fixtures_write(fixtures_t *fixtures);
void fixtures_remove(const fixtures_t *fixtures);

#endif /* NUMAPOOL_TESTS_TOPOLOGY_FIXTURES_H */
