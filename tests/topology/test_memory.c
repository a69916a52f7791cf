/* Memory functions on any host: aligned allocation, the first-touch split
 * matching the parallel-for's, argument checks, and the placement query
 * on buffers written and not written. */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <numapool/memory.h>

#include "check.h"
#include "fixtures.h"

static unsigned passed;

static void test_aligned(void) {
  size_t alignments[] = {NUMAPOOL_CACHE_LINE_SIZE, numapool_page_size(),
                         numapool_huge_page_size()};
  for (size_t i = 0; i < 3; i++) {
    size_t size = alignments[i] * 2 + 3;
    unsigned char *pointer = numapool_aligned_alloc(alignments[i], size);
    CHECK(pointer != NULL);
    CHECK_UEQ((uintptr_t)pointer % alignments[i], 0);
    memset(pointer, 0xab, size);
    numapool_aligned_free(pointer);
  }
  errno = 0;
  CHECK(numapool_aligned_alloc(48, 64) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_aligned_alloc(64, 0) == NULL);
  CHECK_EQ(errno, EINVAL);
  numapool_aligned_free(NULL);
  passed += 7;
}

static void test_sizes(void) {
  CHECK_UEQ(numapool_page_size(), (size_t)sysconf(_SC_PAGESIZE));
  size_t huge = numapool_huge_page_size();
  CHECK(huge >= numapool_page_size());
  CHECK_UEQ(huge & (huge - 1), 0);
  numapool_thp_mode_t mode = numapool_thp_mode();
  if (access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK) == 0)
    CHECK(mode == NUMAPOOL_THP_NEVER || mode == NUMAPOOL_THP_MADVISE ||
          mode == NUMAPOOL_THP_ALWAYS);
  passed += 3;
}

/* Records the first tile each thread runs. Every thread waits in its first
 * tile until all have started one, so no thread steals before each one has
 * claimed the front of its own share. */
typedef struct first_tiles {
  atomic_size_t arrived;
  size_t threads;
  size_t first[64];
  atomic_bool timed_out;
} first_tiles_t;

static void record_first(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)extent;
  first_tiles_t *tiles = context;
  if (tiles->first[thread_index] != SIZE_MAX)
    return;
  tiles->first[thread_index] = start;
  atomic_fetch_add(&tiles->arrived, 1);
  time_t deadline = time(NULL) + 20;
  while (atomic_load(&tiles->arrived) < tiles->threads)
    if (time(NULL) > deadline) {
      atomic_store(&tiles->timed_out, true);
      return;
    }
}

/* The owner the first-touch buffer uses for each tile is the thread that
 * starts the tile's share in a parallel-for of the same shape. Items are
 * one placement unit each, so each item's pages have the owner of its
 * tile. */
static void test_first_touch_split(const char *source, size_t threads) {
  numapool_options_t options = {.topology = source, .thread_count = threads};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  size_t unit = numapool_thp_mode() == NUMAPOOL_THP_ALWAYS ? numapool_huge_page_size()
                                                           : numapool_page_size();
  size_t range = 5 * threads + 3, tile = 2;

  first_tiles_t tiles = {.threads = threads};
  for (size_t t = 0; t < 64; t++)
    tiles.first[t] = SIZE_MAX;
  CHECK_EQ(numapool_parallel_for_1d(pool, range, tile, record_first, &tiles, 0), 0);
  CHECK(!atomic_load(&tiles.timed_out));
  for (size_t t = 0; t < threads; t++) {
    size_t owner = SIZE_MAX;
    CHECK_EQ(numapool_memory_owner(pool, 1, &range, &tile, unit, tiles.first[t] * unit, &owner),
             0);
    CHECK_UEQ(owner, t);
  }

  /* Owners never decrease along a 1-D buffer, and every byte has one. */
  size_t previous = 0;
  for (size_t item = 0; item < range; item++) {
    size_t owner;
    CHECK_EQ(numapool_memory_owner(pool, 1, &range, &tile, unit, item * unit + unit / 2, &owner),
             0);
    CHECK(owner >= previous);
    CHECK(owner < threads);
    previous = owner;
  }

  unsigned char *buffer = numapool_memory_alloc_first_touch(pool, 1, &range, &tile, unit);
  CHECK(buffer != NULL);
  for (size_t i = 0; i < range * unit; i += 997)
    CHECK_EQ(buffer[i], 0);
  numapool_placement_t summary;
  int status = numapool_memory_placement(buffer, range * unit, NULL, 0, &summary);
  if (status != NUMAPOOL_ENOTSUP) {
    CHECK_EQ(status, 0);
    CHECK_UEQ(summary.pages, range * unit / numapool_page_size());
    CHECK_UEQ(summary.absent, 0);
  }
  numapool_memory_free(buffer, range * unit);
  numapool_destroy(pool);
  passed += 6;
}

/* A 2-D shape tiled on both dimensions: the buffer is fully written. */
static void test_first_touch_2d(void) {
  numapool_options_t options = {.topology = FIXTURE_TWO_BY_TWO, .thread_count = 4};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  size_t range[2] = {300, 700}, tile[2] = {16, 32};
  float *buffer = numapool_memory_alloc_first_touch(pool, 2, range, tile, sizeof(float));
  CHECK(buffer != NULL);
  numapool_placement_t summary;
  int status = numapool_memory_placement(buffer, sizeof(float) * 300 * 700, NULL, 0, &summary);
  if (status != NUMAPOOL_ENOTSUP) {
    CHECK_EQ(status, 0);
    CHECK_UEQ(summary.absent, 0);
  }
  numapool_memory_free(buffer, sizeof(float) * 300 * 700);
  numapool_destroy(pool);
  passed += 2;
}

static void check_first_touch_rejected(size_t dims, const size_t *range, const size_t *tile,
                                       size_t item_size, int expected_errno) {
  errno = 0;
  CHECK(numapool_memory_alloc_first_touch(NULL, dims, range, tile, item_size) == NULL);
  CHECK_EQ(errno, expected_errno);
  passed += 2;
}

static void test_invalid(void) {
  size_t range[2] = {10, 10}, zero[2] = {0, 10}, huge[2] = {SIZE_MAX / 2, 4};
  check_first_touch_rejected(0, range, NULL, 4, EINVAL);
  check_first_touch_rejected(7, range, NULL, 4, EINVAL);
  check_first_touch_rejected(2, NULL, NULL, 4, EINVAL);
  check_first_touch_rejected(2, range, zero, 4, EINVAL);
  check_first_touch_rejected(2, zero, NULL, 4, EINVAL);
  check_first_touch_rejected(2, range, NULL, 0, EINVAL);
  check_first_touch_rejected(2, huge, NULL, 4, EOVERFLOW);

  size_t owner;
  CHECK_EQ(numapool_memory_owner(NULL, 2, range, NULL, 4, 400, &owner), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_memory_owner(NULL, 2, range, NULL, 4, 0, NULL), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_memory_owner(NULL, 2, range, NULL, 4, 399, &owner), 0);
  CHECK_UEQ(owner, 0);

  errno = 0;
  CHECK(numapool_memory_alloc_local(4096, -1) == NULL);
  CHECK_EQ(errno, EINVAL);
  errno = 0;
  CHECK(numapool_memory_alloc_local(0, 0) == NULL);
  CHECK_EQ(errno, EINVAL);
  CHECK_EQ(numapool_memory_placement(NULL, 4096, NULL, 0, NULL), NUMAPOOL_EINVAL);
  numapool_memory_free(NULL, 4096);
  passed += 9;
}

/* Node 0 always exists: a node-local buffer there is usable; before it is
 * written every page is absent from the query. */
static void test_local_and_query(void) {
  size_t size = 64 * numapool_page_size() + 1;
  unsigned char *buffer = numapool_memory_alloc_local(size, 0);
  CHECK(buffer != NULL);
  size_t node_pages[4];
  numapool_placement_t summary;
  int status = numapool_memory_placement(buffer, size, node_pages, 4, &summary);
  if (status == NUMAPOOL_ENOTSUP) {
    printf("placement query: not checked, no NUMA support in this build or kernel\n");
  } else {
    CHECK_EQ(status, 0);
    CHECK_UEQ(summary.pages, 65);
    CHECK_UEQ(summary.absent, 65);
    memset(buffer, 1, size);
    CHECK_EQ(numapool_memory_placement(buffer, size, node_pages, 4, &summary), 0);
    CHECK_UEQ(summary.absent, 0);
    CHECK_UEQ(node_pages[0], 65);
    CHECK_EQ(numapool_memory_move(buffer, size, 0), 0);
    passed += 6;
  }
  numapool_memory_free(buffer, size);

  buffer = numapool_memory_alloc_interleaved(size, NULL, 0);
  CHECK(buffer != NULL);
  memset(buffer, 1, size);
  numapool_memory_free(buffer, size);
  passed += 2;
}

int main(void) {
  test_aligned();
  test_sizes();
  test_first_touch_split(NULL, 2);
  test_first_touch_split(FIXTURE_TWO_BY_TWO, 4);
  test_first_touch_split(FIXTURE_THREE_NODES, 7);
  test_first_touch_2d();
  test_invalid();
  test_local_and_query();
  return check_done("topology_memory", passed);
}
