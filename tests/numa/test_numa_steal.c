/* Steal order: a thread steals from the threads of its own domain first,
 * and from another domain only when no thread of its own domain has
 * unclaimed tiles left. The per-call statistics count each kind of steal.
 *
 * The topology is the machine's, or NUMAPOOL_TOPOLOGY's when set. One
 * thread of domain 0 gets slow tiles, so the others run dry and steal. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <numapool/topology.h>

#include "check.h"

#define TILES_PER_THREAD 100

typedef struct record {
  atomic_size_t sequence; /* incremented as each tile starts */
  size_t threads;
  size_t total;
  size_t slow_thread;     /* its tiles are slow; SIZE_MAX for none */
  size_t *domain_of_thread;
  size_t *ran_by;         /* per tile: the thread that ran it */
  size_t *started_at;     /* per tile: its start sequence number */
} record_t;

/* The thread whose share contains tile `tile`, computed the way the
 * parallel-for documents its split: equal contiguous shares in thread
 * order, boundaries at floor(total * i / threads). */
static size_t share_owner(const record_t *record, size_t tile) {
  size_t owner = 0;
  while (owner + 1 < record->threads &&
         (size_t)((unsigned __int128)record->total * (owner + 1) / record->threads) <= tile)
    owner++;
  return owner;
}

static void spin_us(unsigned microseconds) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000000L + (now.tv_nsec - start.tv_nsec) / 1000 <
           microseconds);
}

static void run_tile(void *context, size_t thread_index, size_t start, size_t extent) {
  record_t *record = context;
  (void)extent;
  record->started_at[start] = atomic_fetch_add(&record->sequence, 1);
  record->ran_by[start] = thread_index;

  size_t owner = share_owner(record, start);
  if (owner == record->slow_thread)
    spin_us(200);
  else if (record->domain_of_thread[owner] != 0)
    spin_us(20);
}

/* Checks the statistics of thread t against the tiles it ran. */
static void check_stats(numapool_t *pool, const record_t *record, size_t t) {
  numapool_thread_stats_t stats;
  CHECK_EQ(numapool_get_thread_stats(pool, t, &stats), 0);
  uint64_t items = 0, local = 0, remote = 0;
  for (size_t tile = 0; tile < record->total; tile++) {
    if (record->ran_by[tile] != t)
      continue;
    items++;
    size_t owner = share_owner(record, tile);
    if (owner != t && record->domain_of_thread[owner] == record->domain_of_thread[t])
      local++;
    else if (owner != t)
      remote++;
  }
  CHECK_UEQ(stats.items, items);
  CHECK_UEQ(stats.steals_local, local);
  CHECK_UEQ(stats.steals_remote, remote);
  printf("thread %zu (domain %zu): %llu tiles, %llu stolen in its domain, %llu from "
         "other domains\n",
         t, record->domain_of_thread[t], (unsigned long long)stats.items,
         (unsigned long long)stats.steals_local, (unsigned long long)stats.steals_remote);
}

/* After thread t's first steal from another domain, at most threads - 1
 * tiles of its own domain may still start: those claimed just before, by
 * threads that had not called the task yet. Returns the remote steals. */
static size_t check_order(const record_t *record, size_t t) {
  size_t own_domain = record->domain_of_thread[t];
  size_t first_remote = SIZE_MAX;
  size_t remote = 0;
  for (size_t tile = 0; tile < record->total; tile++) {
    size_t owner = share_owner(record, tile);
    if (record->ran_by[tile] == t && record->domain_of_thread[owner] != own_domain) {
      remote++;
      if (record->started_at[tile] < first_remote)
        first_remote = record->started_at[tile];
    }
  }
  if (remote == 0)
    return 0;

  size_t late = 0;
  for (size_t tile = 0; tile < record->total; tile++)
    if (record->domain_of_thread[share_owner(record, tile)] == own_domain &&
        record->started_at[tile] > first_remote)
      late++;
  if (late > record->threads - 1)
    fprintf(stderr, "thread %zu stole from another domain while %zu tiles of its own "
                    "domain were unclaimed\n", t, late);
  CHECK(late <= record->threads - 1);
  return remote;
}

static size_t topology_cpus(void) {
  numapool_topology_t *topology = numapool_topology_create(NULL);
  CHECK(topology != NULL);
  size_t cpus = 0;
  for (size_t d = 0; d < numapool_topology_domain_count(topology); d++)
    cpus += numapool_topology_domain_cpus(topology, d, NULL, 0);
  numapool_topology_destroy(topology);
  return cpus;
}

int main(void) {
  unsigned passed = 0;
  numapool_options_t options = {.thread_count = topology_cpus()};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  size_t threads = numapool_get_thread_count(pool);
  size_t domains_used = 0;

  record_t record = {.threads = threads, .total = threads * TILES_PER_THREAD,
                     .slow_thread = SIZE_MAX};
  record.domain_of_thread = calloc(threads, sizeof(size_t));
  record.ran_by = calloc(record.total, sizeof(size_t));
  record.started_at = calloc(record.total, sizeof(size_t));
  CHECK(record.domain_of_thread != NULL);
  CHECK(record.ran_by != NULL);
  CHECK(record.started_at != NULL);
  for (size_t t = 0; t < threads; t++) {
    numapool_thread_place_t place;
    CHECK_EQ(numapool_thread_place(pool, t, &place), 0);
    record.domain_of_thread[t] = place.domain;
    if (t == 0 || place.domain != record.domain_of_thread[t - 1])
      domains_used++;
    if (place.domain == 0 && t > 0)
      record.slow_thread = t;
  }

  size_t remote_steals = 0;
  for (int round = 0; round < 5; round++) {
    atomic_store(&record.sequence, 0);
    CHECK_EQ(numapool_parallel_for_1d(pool, record.total, 1, run_tile, &record, 0), 0);
    for (size_t t = 0; t < threads; t++) {
      if (round == 0)
        check_stats(pool, &record, t);
      remote_steals += check_order(&record, t);
    }
    passed += (unsigned)threads;
  }

  if (domains_used < 2)
    printf("steal order checked on 1 domain only (%zu threads): no steal across domains "
           "was possible\n", threads);
  else
    printf("steal order checked on %zu domains, %zu threads: %zu tiles stolen across "
           "domains, each after its thief's domain ran dry\n",
           domains_used, threads, remote_steals);
  free(record.domain_of_thread);
  free(record.ran_by);
  free(record.started_at);
  numapool_destroy(pool);
  return check_done("numa_steal_order", passed);
}
