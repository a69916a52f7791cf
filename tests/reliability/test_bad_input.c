/* Bad input: public functions called with invalid arguments return an
 * error (a negative NUMAPOOL_E* code, or NULL with errno) and run nothing.
 * Valid edge values, such as huge ranges with huge tiles, work. Cases already in tests/pool (dims 0
 * and 7, NULL range or task, a tile of 0 and flag 0x80 in
 * numapool_parallel_for, the 3-D overflow) are not repeated.
 *
 * Covered: numapool.h, memory.h, topology.h, counters.h, tasks.h and
 * layout.h; kernels.h and operators.h when the kernels are built
 * (NUMAPOOL_TEST_KERNELS). Not covered: mpi.h. */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/counters.h>
#include <numapool/kernels.h>
#include <numapool/layout.h>
#include <numapool/memory.h>
#include <numapool/numapool.h>
#include <numapool/operators.h>
#include <numapool/tasks.h>
#include <numapool/topology.h>

#include "check.h"

static atomic_size_t task_runs;

static void count_task(void *context, size_t thread_index, const size_t start[],
                       const size_t extent[]) {
  (void)context;
  (void)thread_index;
  (void)start;
  (void)extent;
  atomic_fetch_add(&task_runs, 1);
}

static void count_task_1d(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)context;
  (void)thread_index;
  (void)start;
  (void)extent;
  atomic_fetch_add(&task_runs, 1);
}

static void count_task_2d(void *context, size_t thread_index, size_t i, size_t j,
                          size_t extent_i, size_t extent_j) {
  (void)context;
  (void)thread_index;
  (void)i;
  (void)j;
  (void)extent_i;
  (void)extent_j;
  atomic_fetch_add(&task_runs, 1);
}

static void count_team_task(void *context, numapool_team_t *team, size_t thread_index,
                            size_t thread_count) {
  (void)context;
  (void)team;
  (void)thread_index;
  (void)thread_count;
  atomic_fetch_add(&task_runs, 1);
}

/* Creation with each invalid option fails with EINVAL. */
static unsigned check_create_options(void) {
  const numapool_options_t invalid[] = {
      {.flags = 1},
      {.flags = 0x80000000u},
      {.bind = (numapool_bind_t)-1},
      {.bind = (numapool_bind_t)4},
      {.bind = (numapool_bind_t)INT_MAX},
      {.spin_us = -2},
      {.spin_us = LONG_MIN},
      {.spin_us = 10000001},
      {.spin_us = LONG_MAX},
      {.thread_count = ((size_t)1 << 16) + 1},
      {.thread_count = SIZE_MAX},
      {.topology = "bogus"},
      {.topology = "synthetic:"},
      {.topology = "synthetic:pack:0"},
      {.topology = "xml:/nonexistent.xml"},
      {.topology = "SYNTHETIC:pack:2 pu:1"},
  };
  unsigned passed = 0;
  for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
    errno = 0;
    numapool_t *pool = numapool_create(&invalid[i]);
    if (pool != NULL) {
      fprintf(stderr, "invalid options case %zu was accepted\n", i);
      CHECK(pool == NULL);
    }
    CHECK_EQ(errno, EINVAL);
    passed++;
  }
  return passed;
}

/* Every flag bit other than the defined ones is rejected by each entry
 * point, and nothing runs. */
static unsigned check_unknown_flags(numapool_t *pool) {
  size_t range[2] = {4, 4};
  unsigned passed = 0;
  for (unsigned bit = 2; bit < 32; bit++) {
    uint32_t flags = 1u << bit;
    CHECK_EQ(numapool_parallel_for(pool, 2, range, NULL, count_task, NULL, flags),
             NUMAPOOL_EINVAL);
    CHECK_EQ(numapool_parallel_for_1d(pool, 4, 1, count_task_1d, NULL, flags), NUMAPOOL_EINVAL);
    CHECK_EQ(numapool_parallel_for_2d(pool, 4, 4, 1, 1, count_task_2d, NULL, flags),
             NUMAPOOL_EINVAL);
    CHECK_EQ(numapool_team_run(pool, count_team_task, NULL, flags), NUMAPOOL_EINVAL);
    passed += 4;
  }
  CHECK_EQ(numapool_team_run(pool, count_team_task, NULL, UINT32_MAX), NUMAPOOL_EINVAL);
  CHECK_UEQ(atomic_load(&task_runs), 0);
  return passed + 2;
}

/* Tiles of 0, NULL tasks and overflowing tile counts through the typed
 * entry points; nothing runs. */
static unsigned check_typed_entry_points(numapool_t *pool) {
  CHECK_EQ(numapool_parallel_for_1d(pool, 4, 0, count_task_1d, NULL, 0), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_parallel_for_1d(pool, 4, 1, NULL, NULL, 0), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_parallel_for_2d(pool, 4, 4, 0, 1, count_task_2d, NULL, 0),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_parallel_for_2d(pool, 4, 4, 1, 0, count_task_2d, NULL, 0),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_parallel_for_2d(pool, 4, 4, 1, 1, NULL, NULL, 0), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_parallel_for_2d(pool, SIZE_MAX, SIZE_MAX, 1, 1, count_task_2d, NULL, 0),
           NUMAPOOL_EOVERFLOW);
  CHECK_EQ(numapool_team_run(pool, NULL, NULL, 0), NUMAPOOL_EINVAL);

  /* A tile of 0 is rejected even when the range is empty. */
  CHECK_EQ(numapool_parallel_for_1d(pool, 0, 0, count_task_1d, NULL, 0), NUMAPOOL_EINVAL);

  /* Six dimensions whose tile count overflows only in the last one. */
  size_t range[NUMAPOOL_MAX_DIMS] = {1u << 12, 1u << 12, 1u << 12, 1u << 12, 1u << 12, 1u << 12};
  CHECK_EQ(numapool_parallel_for(pool, 6, range, NULL, count_task, NULL, 0),
           NUMAPOOL_EOVERFLOW);
  CHECK_UEQ(atomic_load(&task_runs), 0);
  return 10;
}

/* Huge ranges with huge tiles are valid: few tiles, extents cut at the
 * range's end without overflow. */
typedef struct huge_tiles {
  atomic_uint calls;
  atomic_uint bad;
} huge_tiles_t;

static void check_huge_tile(void *context, size_t thread_index, const size_t start[],
                            const size_t extent[]) {
  (void)thread_index;
  huge_tiles_t *state = context;
  atomic_fetch_add(&state->calls, 1);
  const size_t half = SIZE_MAX / 2 + 1;
  for (size_t d = 0; d < 2; d++) {
    bool first = start[d] == 0 && extent[d] == half;
    bool second = start[d] == half && extent[d] == SIZE_MAX - half;
    if (!first && !second)
      atomic_fetch_add(&state->bad, 1);
  }
}

static unsigned check_huge_ranges(numapool_t *pool) {
  huge_tiles_t state = {0};
  size_t range[2] = {SIZE_MAX, SIZE_MAX};
  size_t tile[2] = {SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 1};
  CHECK_EQ(numapool_parallel_for(pool, 2, range, tile, check_huge_tile, &state, 0), 0);
  CHECK_UEQ(atomic_load(&state.calls), 4);
  CHECK_UEQ(atomic_load(&state.bad), 0);

  atomic_store(&task_runs, 0);
  CHECK_EQ(numapool_parallel_for_1d(pool, SIZE_MAX, SIZE_MAX, count_task_1d, NULL, 0), 0);
  CHECK_UEQ(atomic_load(&task_runs), 1);
  atomic_store(&task_runs, 0);
  return 5;
}

/* Thread counts, minimum work size, places, scratch and statistics. */
static unsigned check_pool_queries(numapool_t *pool) {
  CHECK_UEQ(numapool_set_thread_count(NULL, 3), 0);
  CHECK_UEQ(numapool_get_thread_count(NULL), 1);
  CHECK_UEQ(numapool_get_min_work_size(NULL), 0);
  numapool_set_min_work_size(NULL, 5);

  size_t maximum = numapool_get_thread_count(pool);
  CHECK_UEQ(numapool_set_thread_count(pool, 0), 1);
  CHECK_UEQ(numapool_set_thread_count(pool, SIZE_MAX), maximum);
  CHECK_UEQ(numapool_get_thread_count(pool), maximum);

  numapool_thread_place_t place;
  CHECK_EQ(numapool_thread_place(pool, maximum, &place), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_thread_place(pool, SIZE_MAX, &place), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_thread_place(pool, 0, NULL), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_thread_place(NULL, 1, &place), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_thread_place(NULL, 0, &place), 0);
  CHECK_UEQ(place.domain_count, 1);

  CHECK(numapool_scratch(pool, maximum + 100, 64) == NULL);
  CHECK(numapool_scratch(pool, SIZE_MAX, 64) == NULL);
  CHECK(numapool_scratch(pool, 0, SIZE_MAX) == NULL);
  CHECK(numapool_scratch(pool, 0, SIZE_MAX - 62) == NULL);
  CHECK(numapool_scratch(NULL, 0, SIZE_MAX) == NULL);

  numapool_thread_stats_t stats;
  CHECK_EQ(numapool_get_thread_stats(NULL, 0, &stats), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_get_thread_stats(pool, 0, NULL), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_get_thread_stats(pool, SIZE_MAX, &stats), NUMAPOOL_EINVAL);

  /* Before any parallel-for, there are no statistics. */
  numapool_options_t options = {.thread_count = 2};
  numapool_t *fresh = numapool_create(&options);
  CHECK(fresh != NULL);
  CHECK_EQ(numapool_get_thread_stats(fresh, 0, &stats), NUMAPOOL_EINVAL);

  /* A minimum work size of SIZE_MAX runs everything inline. */
  numapool_set_min_work_size(fresh, SIZE_MAX);
  CHECK_UEQ(numapool_get_min_work_size(fresh), SIZE_MAX);
  CHECK_EQ(numapool_parallel_for_1d(fresh, 1000, 1, count_task_1d, NULL, 0), 0);
  CHECK_UEQ(atomic_load(&task_runs), 1000);
  atomic_store(&task_runs, 0);
  numapool_destroy(fresh);

  for (int code = -200; code <= 200; code++) {
    CHECK(numapool_strerror(code) != NULL);
    CHECK(numapool_strerror(code)[0] != '\0');
  }
  CHECK(numapool_strerror(INT_MIN) != NULL);
  CHECK(numapool_strerror(INT_MAX) != NULL);
  return 26;
}

/* Team helpers with NULL or out-of-range arguments do nothing or fail. */
static atomic_int team_errors;

static void team_bad_arguments(void *context, numapool_team_t *team, size_t thread_index,
                               size_t thread_count) {
  (void)context;
  numapool_thread_place_t place;
  if (numapool_team_place(team, thread_count, &place) != NUMAPOOL_EINVAL)
    atomic_fetch_add(&team_errors, 1);
  if (numapool_team_place(team, thread_index, NULL) != NUMAPOOL_EINVAL)
    atomic_fetch_add(&team_errors, 1);
  if (numapool_team_place(NULL, thread_index, &place) != NUMAPOOL_EINVAL)
    atomic_fetch_add(&team_errors, 1);
  /* An out-of-range index must not wait on any barrier. */
  numapool_team_domain_barrier(team, SIZE_MAX);
  numapool_team_barrier(team);
}

static unsigned check_team_arguments(numapool_t *pool) {
  numapool_team_barrier(NULL);
  numapool_team_domain_barrier(NULL, 0);
  CHECK_EQ(numapool_team_run(pool, team_bad_arguments, NULL, 0), 0);
  CHECK_EQ(numapool_team_run(NULL, team_bad_arguments, NULL, 0), 0);
  CHECK_EQ(atomic_load(&team_errors), 0);
  return 3;
}

/* memory.h */
static unsigned check_memory(numapool_t *pool) {
  errno = 0;
  CHECK(numapool_aligned_alloc(3, 64) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_aligned_alloc(0, 64) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_aligned_alloc(64, 0) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_aligned_alloc(64, SIZE_MAX) == NULL);
  CHECK(errno == ENOMEM || errno == EINVAL);
  numapool_aligned_free(NULL);

  size_t range[2] = {8, 8};
  size_t zero_tile[2] = {1, 0};
  size_t empty[2] = {8, 0};
  size_t huge[2] = {SIZE_MAX, 2};
  errno = 0;
  CHECK(numapool_memory_alloc_first_touch(pool, 0, range, NULL, 4) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_memory_alloc_first_touch(pool, 7, range, NULL, 4) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_memory_alloc_first_touch(pool, 2, NULL, NULL, 4) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_memory_alloc_first_touch(pool, 2, range, zero_tile, 4) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_memory_alloc_first_touch(pool, 2, range, NULL, 0) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_memory_alloc_first_touch(pool, 2, empty, NULL, 4) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_memory_alloc_first_touch(pool, 2, huge, NULL, 4) == NULL);
  CHECK_EQ(errno, EOVERFLOW);

  size_t owner = 12345;
  CHECK_EQ(numapool_memory_owner(pool, 2, range, NULL, 4, 8 * 8 * 4, &owner), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_memory_owner(pool, 0, range, NULL, 4, 0, &owner), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_memory_owner(pool, 2, range, NULL, 4, 0, NULL), NUMAPOOL_EINVAL);
  CHECK(numapool_memory_owner(pool, 2, huge, NULL, 4, 0, &owner) < 0);

  errno = 0;
  CHECK(numapool_memory_alloc_local(0, 0) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_memory_alloc_local(4096, -1) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_memory_alloc_local(4096, INT_MAX) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_memory_alloc_interleaved(0, NULL, 0) == NULL);
  CHECK_EQ(errno, EINVAL);
  int bad_nodes[2] = {0, -5};
  errno = 0;
  CHECK(numapool_memory_alloc_interleaved(4096, bad_nodes, 2) == NULL);
  CHECK_EQ(errno, EINVAL);
  numapool_memory_free(NULL, 4096);

  numapool_placement_t summary;
  size_t node_pages[2];
  CHECK(numapool_memory_placement(NULL, 4096, node_pages, 2, &summary) < 0);
  char buffer[64];
  CHECK(numapool_memory_move(buffer, sizeof(buffer), -1) < 0);
  CHECK(numapool_memory_move(buffer, sizeof(buffer), INT_MAX) < 0);
  CHECK(numapool_memory_move(NULL, 4096, 0) < 0);
  return 31;
}

/* topology.h */
static unsigned check_topology(void) {
  const char *sources[] = {"bogus", "synthetic:", "synthetic:garbage", "xml:/nonexistent.xml",
                           "xml:"};
  for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
    errno = 0;
    CHECK(numapool_topology_create(sources[i]) == NULL);
    CHECK_EQ(errno, EINVAL);
  }
  numapool_topology_destroy(NULL);
  CHECK(numapool_get_topology(NULL) == NULL);
  CHECK_UEQ(numapool_topology_domain_count(NULL), 0);
  CHECK_EQ(numapool_topology_domain_node(NULL, 0), -1);
  int cpus[4];
  CHECK_UEQ(numapool_topology_domain_cpus(NULL, 0, cpus, 4), 0);
  CHECK_UEQ(numapool_topology_domain_memory(NULL, 0), UINT64_MAX);
  CHECK_UEQ(numapool_topology_memory_nodes(NULL, cpus, 4), 0);

  numapool_topology_t *topology = numapool_topology_create("synthetic:pack:2 numa:1 core:2 pu:1");
  CHECK(topology != NULL);
  size_t domains = numapool_topology_domain_count(topology);
  CHECK_UEQ(domains, 2);
  CHECK_EQ(numapool_topology_domain_node(topology, domains), -1);
  CHECK_EQ(numapool_topology_domain_node(topology, SIZE_MAX), -1);
  CHECK_UEQ(numapool_topology_domain_cpus(topology, domains, cpus, 4), 0);
  CHECK_UEQ(numapool_topology_domain_cpus(topology, 0, NULL, 0), 2);
  CHECK_UEQ(numapool_topology_domain_memory(topology, SIZE_MAX), UINT64_MAX);
  numapool_topology_destroy(topology);

  char text[16];
  numapool_options_t invalid = {.flags = 1};
  CHECK_EQ(numapool_topology_describe(&invalid, text, sizeof(text)), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_topology_describe(NULL, NULL, 16), NUMAPOOL_EINVAL);
  int length = numapool_topology_describe(NULL, text, sizeof(text));
  CHECK(length >= (int)sizeof(text));
  CHECK_UEQ(strlen(text), sizeof(text) - 1);
  return 25;
}

/* counters.h */
static unsigned check_counters(numapool_t *pool) {
  const char *events[NUMAPOOL_COUNTERS_MAX_EVENTS + 1];
  for (size_t i = 0; i <= NUMAPOOL_COUNTERS_MAX_EVENTS; i++)
    events[i] = "PAPI_TOT_INS";
  const char *empty_name[1] = {""};
  const char *null_name[1] = {NULL};
  errno = 0;
  CHECK(numapool_counters_create(pool, NULL, 1) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_counters_create(pool, events, 0) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_counters_create(pool, events, NUMAPOOL_COUNTERS_MAX_EVENTS + 1) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_counters_create(pool, empty_name, 1) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_counters_create(pool, null_name, 1) == NULL);
  CHECK_EQ(errno, EINVAL);

  numapool_counters_destroy(NULL);
  CHECK_EQ(numapool_counters_start(NULL), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_counters_stop(NULL), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_counters_reset(NULL), NUMAPOOL_EINVAL);
  CHECK_UEQ(numapool_counters_event_count(NULL), 0);
  CHECK_UEQ(numapool_counters_thread_count(NULL), 0);
  CHECK(numapool_counters_event_name(NULL, 0) == NULL);
  numapool_counter_value_t value;
  CHECK(numapool_counters_total(NULL, 0, &value) < 0);
  CHECK(numapool_counters_thread_value(NULL, 0, 0, &value) < 0);
  CHECK(numapool_counters_backend() != NULL);

  /* A valid set with out-of-range indices. */
  const char *one[1] = {"perf::TASK-CLOCK"};
  numapool_counters_t *counters = numapool_counters_create(pool, one, 1);
  CHECK(counters != NULL);
  CHECK_EQ(numapool_counters_stop(counters), NUMAPOOL_EINVAL);
  CHECK(numapool_counters_event_name(counters, 1) == NULL);
  CHECK(numapool_counters_total(counters, 1, &value) < 0);
  CHECK(numapool_counters_total(counters, 0, NULL) < 0);
  CHECK(numapool_counters_thread_value(counters, SIZE_MAX, 0, &value) < 0);
  CHECK(numapool_counters_thread_value(counters, 0, 5, &value) < 0);
  int node;
  CHECK(numapool_counters_domain_value(counters, SIZE_MAX, 0, &node, &value) < 0);
  numapool_counters_destroy(counters);
  return 25;
}

/* tasks.h and layout.h */
static void group_task(void *context) { (void)context; }

static unsigned check_tasks_and_layout(numapool_t *pool) {
  CHECK_EQ(numapool_group_init(NULL, pool), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_group_submit(NULL, group_task, NULL, NULL), NUMAPOOL_EINVAL);
  CHECK(numapool_group_wait(NULL) < 0);
  CHECK(numapool_group_destroy(NULL) < 0);
  numapool_group_t group;
  CHECK_EQ(numapool_group_init(&group, pool), 0);
  CHECK_EQ(numapool_group_submit(&group, NULL, NULL, NULL), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_group_destroy(&group), 0);
  CHECK_EQ(numapool_group_submit(&group, group_task, NULL, NULL), NUMAPOOL_EINVAL);

  size_t count = 0;
  CHECK(numapool_thread_count_for_blocking(4, 0.0, 1.0, &count) < 0);
  CHECK(numapool_thread_count_for_blocking(4, 1.5, 1.0, &count) < 0);
  CHECK(numapool_thread_count_for_blocking(4, 0.5, -1.0, &count) < 0);
  CHECK(numapool_thread_count_for_blocking(4, 0.5, 1.0, NULL) < 0);

  size_t begin;
  size_t length;
  CHECK(numapool_block_range(10, 0, 0, &begin, &length) < 0);
  CHECK(numapool_block_range(10, 3, 3, &begin, &length) < 0);
  CHECK(numapool_block_range(10, 3, 0, NULL, &length) < 0);
  numapool_block_2d_t block;
  CHECK(numapool_block_2d(10, 10, 0, 2, 0, &block) < 0);
  CHECK(numapool_block_2d(10, 10, 2, 2, 4, &block) < 0);
  CHECK(numapool_block_2d(10, 10, 2, 2, 0, NULL) < 0);
  errno = 0;
  CHECK(numapool_block_alloc(pool, SIZE_MAX, 2, 8) == NULL);
  numapool_block_free(NULL);
  return 18;
}

#if NUMAPOOL_TEST_KERNELS
/* kernels.h and operators.h: invalid values, sizes, pointers and
 * overlaps; the outputs stay unchanged. */
static unsigned check_kernels_and_operators(numapool_t *pool) {
  float a[16] = {0};
  float b[16] = {0};
  float c[16];
  for (size_t i = 0; i < 16; i++)
    c[i] = 7.0f;
  const numapool_layout_t row = NUMAPOOL_ROW_MAJOR;
  const numapool_transpose_t no = NUMAPOOL_NO_TRANS;
  CHECK_EQ(numapool_sgemm(pool, (numapool_layout_t)999, no, no, 4, 4, 4, 1, a, 4, b, 4, 0, c, 4),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_sgemm(pool, row, (numapool_transpose_t)999, no, 4, 4, 4, 1, a, 4, b, 4, 0, c,
                          4),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_sgemm(pool, row, no, no, -1, 4, 4, 1, a, 4, b, 4, 0, c, 4), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_sgemm(pool, row, no, no, 4, 4, -4, 1, a, 4, b, 4, 0, c, 4), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_sgemm(pool, row, no, no, 4, 4, 4, 1, a, 3, b, 4, 0, c, 4), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_sgemm(pool, row, no, no, 4, 4, 4, 1, a, 4, b, 4, 0, c, 0), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_sgemm(pool, row, no, no, 4, 4, 4, 1, NULL, 4, b, 4, 0, c, 4),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_sgemm(pool, row, no, no, 4, 4, 4, 1, a, 4, b, 4, 0, NULL, 4),
           NUMAPOOL_EINVAL);
  double da[4] = {0};
  CHECK_EQ(numapool_dgemm(pool, row, no, no, 2, 2, 2, 1, da, 1, da, 2, 0, da, 2),
           NUMAPOOL_EINVAL);
  for (size_t i = 0; i < 16; i++)
    CHECK(c[i] == 7.0f);

  numapool_tensor_t tensor;
  size_t shape[NUMAPOOL_MAX_DIMS + 1] = {2, 2, 2, 2, 2, 2, 2};
  size_t huge_shape[2] = {SIZE_MAX, 2};
  CHECK_EQ(numapool_tensor_init(NULL, 1, shape), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_tensor_init(&tensor, NUMAPOOL_MAX_DIMS + 1, shape), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_tensor_init(&tensor, 2, NULL), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_tensor_init(&tensor, 2, huge_shape), NUMAPOOL_EOVERFLOW);

  CHECK(numapool_unary(pool, (numapool_unary_op_t)999, 1, 0, 4, a, c) < 0);
  CHECK(numapool_unary(pool, NUMAPOOL_UNARY_COPY, 1, 0, 4, NULL, c) < 0);
  CHECK(numapool_unary(pool, NUMAPOOL_UNARY_COPY, 1, 0, 4, a, NULL) < 0);
  CHECK_EQ(numapool_unary(pool, NUMAPOOL_UNARY_COPY, 1, 0, 4, c, c + 1), NUMAPOOL_EINVAL);
  CHECK(numapool_axpy(pool, 4, 1, NULL, 1, c, 1) < 0);
  CHECK(numapool_axpy(pool, 4, 1, a, 1, NULL, 1) < 0);
  CHECK(numapool_softmax(pool, NULL, a, NULL, c) < 0);
  size_t vector[1] = {4};
  CHECK_EQ(numapool_tensor_init(&tensor, 1, vector), 0);
  CHECK(numapool_reduce(pool, NUMAPOOL_REDUCE_SUM, &tensor, a, 5, &tensor, c) < 0);
  CHECK(numapool_binary(pool, (numapool_binary_op_t)999, &tensor, a, &tensor, b, &tensor, c) <
        0);
  for (size_t i = 0; i < 16; i++)
    CHECK(c[i] == 7.0f);

  numapool_conv2d_desc_t desc = {
      .batch = 1, .in_channels = 4, .in_height = 4, .in_width = 4, .out_channels = 4,
      .kernel_height = 3, .kernel_width = 3};
  size_t height;
  size_t width;
  CHECK_EQ(numapool_conv2d_output_size(&desc, &height, &width), 0);
  CHECK_EQ(numapool_conv2d_output_size(NULL, &height, &width), NUMAPOOL_EINVAL);
  numapool_conv2d_desc_t flagged = desc;
  flagged.flags = 1;
  CHECK_EQ(numapool_conv2d_output_size(&flagged, &height, &width), NUMAPOOL_EINVAL);
  numapool_conv2d_desc_t bad_groups = desc;
  bad_groups.groups = 3;
  CHECK_EQ(numapool_conv2d_output_size(&bad_groups, &height, &width), NUMAPOOL_EINVAL);
  numapool_conv2d_desc_t big_kernel = desc;
  big_kernel.kernel_height = 9;
  CHECK_EQ(numapool_conv2d_output_size(&big_kernel, &height, &width), NUMAPOOL_EINVAL);
  numapool_conv2d_desc_t huge = desc;
  huge.in_height = SIZE_MAX / 2;
  huge.in_width = SIZE_MAX / 2;
  CHECK(numapool_conv2d_output_size(&huge, &height, &width) < 0);
  CHECK_EQ(numapool_conv2d(pool, &desc, NULL, a, NULL, c), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_conv2d(pool, &flagged, a, a, NULL, c), NUMAPOOL_EINVAL);
  return 33;
}
#endif

int main(void) {
  unsigned passed = 0;
  numapool_options_t options = {.thread_count = 3};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);

  passed += check_create_options();
  passed += check_unknown_flags(pool);
  passed += check_unknown_flags(NULL);
  passed += check_typed_entry_points(pool);
  passed += check_typed_entry_points(NULL);
  passed += check_huge_ranges(pool);
  passed += check_huge_ranges(NULL);
  passed += check_pool_queries(pool);
  passed += check_team_arguments(pool);
  passed += check_memory(pool);
  passed += check_topology();
  passed += check_counters(pool);
  passed += check_tasks_and_layout(pool);
#if NUMAPOOL_TEST_KERNELS
  passed += check_kernels_and_operators(pool);
#endif

  numapool_destroy(pool);
  return check_done("reliability_bad_input", passed);
}
