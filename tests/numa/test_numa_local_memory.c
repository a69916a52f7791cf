/* Node-local buffers have all their pages on the requested node,
 * interleaved buffers spread theirs over every node with memory, and a
 * buffer moved to a node ends up there whole. Nodes with CPUs and no
 * memory get a first-touch buffer instead, which is only checked to be
 * usable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "numa_support.h"

#define BUFFER_BYTES ((size_t)8 << 20)
/* 16 huge pages of 2 MiB, so interleaving by huge page spreads them too. */
#define INTERLEAVED_BYTES ((size_t)32 << 20)

static unsigned passed;

/* The nodes with memory, from the domains and the memory-only nodes. */
static size_t memory_nodes(const numapool_topology_t *topology, int *nodes,
                           size_t *memoryless) {
  size_t count = 0;
  *memoryless = 0;
  for (size_t d = 0; d < numapool_topology_domain_count(topology); d++) {
    int node = numapool_topology_domain_node(topology, d);
    if (numapool_topology_domain_memory(topology, d) == 0)
      (*memoryless)++;
    else if (node >= 0 && node < NUMA_TEST_MAX_NODES)
      nodes[count++] = node;
  }
  int extra[NUMA_TEST_MAX_NODES];
  size_t extra_count = numapool_topology_memory_nodes(topology, extra, NUMA_TEST_MAX_NODES);
  for (size_t i = 0; i < extra_count && i < NUMA_TEST_MAX_NODES; i++)
    if (extra[i] < NUMA_TEST_MAX_NODES && count < NUMA_TEST_MAX_NODES)
      nodes[count++] = extra[i];
  return count;
}

static void check_local(int node) {
  unsigned char *buffer = numapool_memory_alloc_local(BUFFER_BYTES, node);
  CHECK(buffer != NULL);
  memset(buffer, 1, BUFFER_BYTES);
  size_t node_pages[NUMA_TEST_MAX_NODES];
  numapool_placement_t summary;
  numa_test_placement(buffer, BUFFER_BYTES, node_pages, &summary);
  printf("node-local on node %d: %zu of %zu pages there\n", node, node_pages[node],
         summary.pages);
  CHECK_UEQ(node_pages[node], summary.pages);
  numapool_memory_free(buffer, BUFFER_BYTES);
  passed++;
}

static void check_interleaved(const int *nodes, size_t count) {
  unsigned char *buffer = numapool_memory_alloc_interleaved(INTERLEAVED_BYTES, NULL, 0);
  CHECK(buffer != NULL);
  memset(buffer, 1, INTERLEAVED_BYTES);
  size_t node_pages[NUMA_TEST_MAX_NODES];
  numapool_placement_t summary;
  numa_test_placement(buffer, INTERLEAVED_BYTES, node_pages, &summary);
  CHECK_UEQ(summary.absent, 0);

  /* Round-robin by page, or by huge page under THP: each node gets at
   * least half of an equal share. */
  for (size_t i = 0; i < count; i++) {
    printf("interleaved: node %d holds %zu of %zu pages\n", nodes[i], node_pages[nodes[i]],
           summary.pages);
    CHECK(node_pages[nodes[i]] * 2 * count >= summary.pages);
  }
  numapool_memory_free(buffer, INTERLEAVED_BYTES);
  passed++;
}

static void check_move(int from, int to) {
  unsigned char *buffer = numapool_memory_alloc_local(BUFFER_BYTES, from);
  CHECK(buffer != NULL);
  memset(buffer, 1, BUFFER_BYTES);
  int status = numapool_memory_move(buffer, BUFFER_BYTES, to);
  CHECK_EQ(status, 0);
  size_t node_pages[NUMA_TEST_MAX_NODES];
  numapool_placement_t summary;
  numa_test_placement(buffer, BUFFER_BYTES, node_pages, &summary);
  printf("moved from node %d to node %d: %zu of %zu pages there\n", from, to, node_pages[to],
         summary.pages);
  CHECK_UEQ(node_pages[to], summary.pages);
  numapool_memory_free(buffer, BUFFER_BYTES);
  passed++;
}

/* A domain without memory: the allocation falls back and still works. */
static void check_memoryless(const numapool_topology_t *topology) {
  for (size_t d = 0; d < numapool_topology_domain_count(topology); d++) {
    int node = numapool_topology_domain_node(topology, d);
    if (numapool_topology_domain_memory(topology, d) != 0 || node < 0)
      continue;
    unsigned char *buffer = numapool_memory_alloc_local(BUFFER_BYTES, node);
    CHECK(buffer != NULL);
    memset(buffer, 1, BUFFER_BYTES);
    numapool_memory_free(buffer, BUFFER_BYTES);
    printf("node %d has no memory: node-local allocation fell back to first touch\n", node);
    passed++;
  }
}

int main(void) {
  numapool_topology_t *topology = numapool_topology_create(NULL);
  CHECK(topology != NULL);
  int nodes[NUMA_TEST_MAX_NODES];
  size_t memoryless;
  size_t count = memory_nodes(topology, nodes, &memoryless);
  CHECK(count >= 1);

  for (size_t i = 0; i < count; i++)
    check_local(nodes[i]);
  check_interleaved(nodes, count);
  check_move(nodes[0], nodes[count - 1]);
  check_memoryless(topology);

  if (count < 2)
    printf("placement checked on 1 node only: this machine has one node with memory\n");
  else
    printf("placement checked on %zu nodes with memory (%zu without)\n", count, memoryless);
  numapool_topology_destroy(topology);
  return check_done("numa_local_memory", passed);
}
