/* Worker grouping and exactly-once under every test topology and thread
 * count: threads sit in contiguous per-domain groups sized in proportion
 * to the domains' CPUs, and every tile runs once whatever steals. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <numapool/topology.h>

#include "check.h"
#include "fixtures.h"

static unsigned passed;

/* Threads follow domain order, numbered from 0 inside each domain, and
 * each domain gets the floor or the ceiling of its proportional share. */
static void check_grouping(numapool_t *pool, size_t threads) {
  const numapool_topology_t *topology = numapool_get_topology(pool);
  size_t domains = numapool_topology_domain_count(topology);
  size_t cpus_total = 0;
  for (size_t d = 0; d < domains; d++)
    cpus_total += numapool_topology_domain_cpus(topology, d, NULL, 0);

  size_t *counts = calloc(domains, sizeof(size_t));
  CHECK(counts != NULL);
  size_t previous_domain = 0;
  for (size_t t = 0; t < threads; t++) {
    numapool_thread_place_t place;
    CHECK_EQ(numapool_thread_place(pool, t, &place), 0);
    CHECK(place.domain < domains);
    CHECK(place.domain >= previous_domain);
    CHECK_UEQ(place.index_in_domain, counts[place.domain]);
    CHECK_EQ(place.node, numapool_topology_domain_node(topology, place.domain));
    counts[place.domain]++;
    previous_domain = place.domain;
  }
  for (size_t d = 0; d < domains && threads > 1; d++) {
    size_t cpus = numapool_topology_domain_cpus(topology, d, NULL, 0);
    size_t floor_share = threads * cpus / cpus_total;
    CHECK(counts[d] == floor_share || counts[d] == floor_share + 1);
  }
  free(counts);
  passed++;
}

typedef struct visits {
  atomic_uint *hits;
  size_t range_j;
} visits_t;

static void visit(void *context, size_t thread_index, size_t i, size_t j, size_t extent_i,
                  size_t extent_j) {
  (void)thread_index;
  visits_t *visits = context;
  for (size_t a = i; a < i + extent_i; a++)
    for (size_t b = j; b < j + extent_j; b++)
      atomic_fetch_add_explicit(&visits->hits[a * visits->range_j + b], 1,
                                memory_order_relaxed);
}

/* Every item runs once; the statistics add up to the tile count, and each
 * thread's domain is the one its place reports. */
static void check_exactly_once(numapool_t *pool, size_t threads) {
  const size_t range_i = 37, range_j = 53, tile_i = 3, tile_j = 5;
  visits_t visits = {.hits = calloc(range_i * range_j, sizeof(atomic_uint)),
                     .range_j = range_j};
  CHECK(visits.hits != NULL);
  CHECK_EQ(numapool_parallel_for_2d(pool, range_i, range_j, tile_i, tile_j, visit, &visits, 0),
           0);
  for (size_t k = 0; k < range_i * range_j; k++)
    CHECK_UEQ(atomic_load(&visits.hits[k]), 1);
  free(visits.hits);

  /* A one-thread pool runs inline and keeps no statistics. */
  if (threads == 1) {
    passed++;
    return;
  }
  size_t tiles = ((range_i + tile_i - 1) / tile_i) * ((range_j + tile_j - 1) / tile_j);
  uint64_t items = 0;
  for (size_t t = 0; t < threads && t < tiles; t++) {
    numapool_thread_stats_t stats;
    numapool_thread_place_t place;
    CHECK_EQ(numapool_get_thread_stats(pool, t, &stats), 0);
    CHECK_EQ(numapool_thread_place(pool, t, &place), 0);
    CHECK_UEQ(stats.domain, place.domain);
    CHECK(stats.steals_local + stats.steals_remote <= stats.items);
    items += stats.items;
  }
  CHECK_UEQ(items, tiles);
  passed++;
}

/* Every thread count from 1 to max_threads on one pool: growing and
 * shrinking both rewrite the placement. */
static void check_topology(const char *source, size_t max_threads) {
  numapool_options_t options = {.topology = source, .thread_count = max_threads};
  numapool_t *pool = numapool_create(&options);
  CHECK_MSG(pool != NULL, source);
  for (size_t threads = 1; threads <= max_threads; threads++) {
    CHECK_UEQ(numapool_set_thread_count(pool, threads), threads);
    check_grouping(pool, threads);
    check_exactly_once(pool, threads);
  }
  for (size_t threads = max_threads; threads >= 1; threads -= threads > 8 ? 7 : 1) {
    CHECK_UEQ(numapool_set_thread_count(pool, threads), threads);
    check_grouping(pool, threads);
    check_exactly_once(pool, threads);
  }
  numapool_destroy(pool);
  printf("%s: thread counts 1 to %zu checked\n", source != NULL ? source : "machine",
         max_threads);
}

int main(void) {
  fixtures_t fixtures;
  fixtures_write(&fixtures);
  check_topology(NULL, 4);
  check_topology(FIXTURE_TWO_BY_TWO, 10);
  check_topology(FIXTURE_THREE_NODES, 9);
  check_topology(fixtures.distances, 8);
  check_topology(fixtures.odd, 7);
  check_topology(FIXTURE_MANY_CPUS, 72);
  fixtures_remove(&fixtures);
  return check_done("topology_schedule", passed);
}
