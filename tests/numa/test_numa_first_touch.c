/* A first-touch buffer has at least 99% of its pages on the node of the
 * thread that the pool's split gives them to. The calling thread (thread
 * 0) is bound to domain 0 first, because the pool never binds it. Pages
 * owned by a thread of a node without memory cannot be local and are left
 * out of the count. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "numa_support.h"

#define ITEM_SIZE 64
#define TILE_ITEMS 64

int main(void) {
  unsigned passed = 0;
  numapool_t *pool = numapool_create(NULL);
  CHECK(pool != NULL);
  const numapool_topology_t *topology = numapool_get_topology(pool);
  numa_test_bind_to_domain0(topology);
  size_t threads = numapool_get_thread_count(pool);

  /* At least eight placement units per thread, whatever the page size. */
  size_t granule = numapool_thp_mode() == NUMAPOOL_THP_ALWAYS ? numapool_huge_page_size()
                                                              : numapool_page_size();
  size_t bytes = (size_t)64 << 20;
  if (bytes < 8 * threads * granule)
    bytes = 8 * threads * granule;
  size_t range = bytes / ITEM_SIZE;
  size_t tile = TILE_ITEMS;
  unsigned char *buffer = numapool_memory_alloc_first_touch(pool, 1, &range, &tile, ITEM_SIZE);
  CHECK(buffer != NULL);

  /* Walk the buffer in runs of pages with the same expected node. */
  size_t page = numapool_page_size();
  size_t checked = 0, local = 0, skipped = 0;
  size_t nodes_seen[NUMA_TEST_MAX_NODES] = {0};
  for (size_t start = 0; start < bytes;) {
    size_t owner;
    CHECK_EQ(numapool_memory_owner(pool, 1, &range, &tile, ITEM_SIZE, start, &owner), 0);
    size_t end = start + page;
    size_t next_owner = owner;
    while (end < bytes &&
           numapool_memory_owner(pool, 1, &range, &tile, ITEM_SIZE, end, &next_owner) == 0 &&
           next_owner == owner)
      end += page;

    numapool_thread_place_t place;
    CHECK_EQ(numapool_thread_place(pool, owner, &place), 0);
    size_t pages = (end - start) / page;
    if (place.node < 0 || place.node >= NUMA_TEST_MAX_NODES ||
        numapool_topology_domain_memory(topology, place.domain) == 0) {
      skipped += pages;
    } else {
      size_t node_pages[NUMA_TEST_MAX_NODES];
      numapool_placement_t summary;
      numa_test_placement(buffer + start, end - start, node_pages, &summary);
      CHECK_UEQ(summary.absent, 0);
      checked += pages;
      local += node_pages[place.node];
      nodes_seen[place.node] += pages;
    }
    start = end;
  }

  size_t nodes = 0;
  for (size_t n = 0; n < NUMA_TEST_MAX_NODES; n++)
    nodes += nodes_seen[n] > 0;
  printf("first touch: %zu of %zu pages on the expected node (%zu threads, placement unit "
         "%zu bytes, %zu pages of memory-less nodes left out)\n",
         local, checked, threads, granule, skipped);
  CHECK(checked > 0);
  if (local * 100 < checked * 99)
    fprintf(stderr, "only %.2f%% of the pages are on the expected node\n",
            100.0 * (double)local / (double)checked);
  CHECK(local * 100 >= checked * 99);
  passed += 2;
  if (nodes < 2)
    printf("placement checked on 1 node only: this machine gives the pool one node with "
           "memory\n");
  else
    printf("placement checked on %zu nodes\n", nodes);

  numapool_memory_free(buffer, bytes);
  numapool_destroy(pool);
  return check_done("numa_first_touch", passed);
}
