/* Call semantics: errors, nesting, stealing, visibility and flags. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xmmintrin.h>

#include <numapool/numapool.h>

#include "check.h"

static void count_task(void *context, size_t thread_index, const size_t start[],
                       const size_t extent[]) {
  (void)thread_index;
  (void)start;
  atomic_fetch_add((atomic_size_t *)context, extent[0]);
}

static unsigned check_errors(numapool_t *pool) {
  atomic_size_t count = 0;
  size_t range[NUMAPOOL_MAX_DIMS + 1] = {4, 4, 4, 4, 4, 4, 4};
  size_t zero_tile[2] = {1, 0};
  size_t huge[3] = {SIZE_MAX, SIZE_MAX, 2};

  CHECK_EQ(numapool_parallel_for(pool, 0, range, NULL, count_task, &count, 0), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_parallel_for(pool, 7, range, NULL, count_task, &count, 0), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_parallel_for(pool, 1, NULL, NULL, count_task, &count, 0), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_parallel_for(pool, 1, range, NULL, NULL, &count, 0), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_parallel_for(pool, 2, range, zero_tile, count_task, &count, 0),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_parallel_for(pool, 1, range, NULL, count_task, &count, 0x80),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_parallel_for(pool, 3, huge, NULL, count_task, &count, 0),
           NUMAPOOL_EOVERFLOW);
  CHECK_UEQ(atomic_load(&count), 0);

  /* A range of 0 is valid and makes no call. */
  size_t empty[2] = {0, 5};
  CHECK_EQ(numapool_parallel_for(pool, 2, empty, NULL, count_task, &count, 0), 0);
  CHECK_UEQ(atomic_load(&count), 0);
  return 9;
}

/* The first item waits until every other item has run: without stealing
 * from the caller's share, the call would hang. */
typedef struct steal_state {
  size_t items;
  atomic_size_t done;
} steal_state_t;

static void wait_for_others(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)thread_index;
  steal_state_t *state = context;
  if (start == 0) {
    while (atomic_load(&state->done) != state->items - 1)
      sched_yield();
  } else {
    atomic_fetch_add(&state->done, extent);
  }
}

/* A nested call on the same pool runs inline on the calling thread. */
typedef struct nested_state {
  numapool_t *pool;
  atomic_size_t inner_items;
  atomic_uint wrong_thread;
} nested_state_t;

static void inner_task(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)start;
  nested_state_t *state = context;
  if (thread_index != 0)
    atomic_fetch_add(&state->wrong_thread, 1);
  atomic_fetch_add(&state->inner_items, extent);
}

static void outer_task(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)thread_index;
  (void)start;
  (void)extent;
  nested_state_t *state = context;
  CHECK_EQ(numapool_parallel_for_1d(state->pool, 10, 1, inner_task, state, 0), 0);
}

/* Plain writes by tasks are visible to the caller after the call. */
static void write_task(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)thread_index;
  uint32_t *values = context;
  for (size_t i = start; i < start + extent; i++)
    values[i] = (uint32_t)(i * 2654435761u);
}

/* Records the MXCSR denormal bits seen by each task. */
static void denormal_task(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)thread_index;
  (void)extent;
  unsigned *modes = context;
  modes[start] = _mm_getcsr() & 0x8040u;
}

typedef struct caller_state {
  pthread_t caller;
  atomic_uint caller_ran;
  atomic_uint thread0_not_caller;
} caller_state_t;

static void caller_task(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)start;
  (void)extent;
  caller_state_t *state = context;
  bool is_caller = pthread_equal(pthread_self(), state->caller);
  if (is_caller)
    atomic_fetch_add(&state->caller_ran, 1);
  if ((thread_index == 0) != is_caller)
    atomic_fetch_add(&state->thread0_not_caller, 1);
}

int main(void) {
  unsigned passed = 0;
  numapool_options_t options = {.thread_count = 2};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);

  passed += check_errors(pool);
  passed += check_errors(NULL);

  for (int repeat = 0; repeat < 200; repeat++) {
    steal_state_t steal = {.items = 64};
    CHECK_EQ(numapool_parallel_for_1d(pool, steal.items, 1, wait_for_others, &steal, 0), 0);
    CHECK_UEQ(atomic_load(&steal.done), steal.items - 1);
  }
  passed++;

  nested_state_t nested = {.pool = pool};
  CHECK_EQ(numapool_parallel_for_1d(pool, 8, 1, outer_task, &nested, 0), 0);
  CHECK_UEQ(atomic_load(&nested.inner_items), 80);
  CHECK_UEQ(atomic_load(&nested.wrong_thread), 0);
  passed += 2;

  enum { VALUES = 100000 };
  static uint32_t values[VALUES];
  for (int repeat = 0; repeat < 50; repeat++) {
    memset(values, 0, sizeof(values));
    CHECK_EQ(numapool_parallel_for_1d(pool, VALUES, 64, write_task, values, 0), 0);
    for (size_t i = 0; i < VALUES; i++)
      if (values[i] != (uint32_t)(i * 2654435761u))
        CHECK_UEQ(values[i], (uint32_t)(i * 2654435761u));
  }
  passed++;

  unsigned before = _mm_getcsr();
  unsigned modes[64];
  memset(modes, 0xff, sizeof(modes));
  CHECK_EQ(numapool_parallel_for_1d(pool, 64, 1, denormal_task, modes,
                                    NUMAPOOL_FLAG_DISABLE_DENORMALS),
           0);
  for (size_t i = 0; i < 64; i++)
    CHECK_UEQ(modes[i], 0x8040u);
  CHECK_UEQ(_mm_getcsr(), before);
  CHECK_EQ(numapool_parallel_for_1d(pool, 64, 1, denormal_task, modes, 0), 0);
  for (size_t i = 0; i < 64; i++)
    CHECK_UEQ(modes[i], before & 0x8040u);
  CHECK_EQ(numapool_parallel_for_1d(NULL, 4, 1, denormal_task, modes,
                                    NUMAPOOL_FLAG_DISABLE_DENORMALS),
           0);
  CHECK_UEQ(modes[0], 0x8040u);
  CHECK_UEQ(_mm_getcsr(), before);
  passed += 6;

  caller_state_t caller = {.caller = pthread_self()};
  CHECK_EQ(numapool_parallel_for_1d(pool, 1000, 1, caller_task, &caller, 0), 0);
  /* The caller may find its share already stolen, so only the mapping of
   * thread 0 to the caller is checked, and the stats add up. */
  CHECK_UEQ(atomic_load(&caller.thread0_not_caller), 0);
  numapool_thread_stats_t stats0, stats1;
  CHECK_EQ(numapool_get_thread_stats(pool, 0, &stats0), 0);
  CHECK_EQ(numapool_get_thread_stats(pool, 1, &stats1), 0);
  CHECK_UEQ(stats0.items + stats1.items, 1000);
  CHECK_UEQ(stats0.items, atomic_load(&caller.caller_ran));
  CHECK_EQ(numapool_get_thread_stats(pool, 2, &stats1), NUMAPOOL_EINVAL);
  passed += 5;

  /* Minimum work size: a smaller range runs inline on the caller. */
  numapool_set_min_work_size(pool, 100);
  CHECK_UEQ(numapool_get_min_work_size(pool), 100);
  caller_state_t small = {.caller = pthread_self()};
  CHECK_EQ(numapool_parallel_for_1d(pool, 99, 1, caller_task, &small, 0), 0);
  CHECK_UEQ(atomic_load(&small.caller_ran), 99);
  numapool_set_min_work_size(pool, 1);
  passed += 2;

  CHECK_UEQ(numapool_get_thread_count(NULL), 1);
  CHECK_UEQ(numapool_set_thread_count(NULL, 4), 0);
  CHECK(numapool_default_thread_count() >= 1);
  CHECK(strcmp(numapool_strerror(NUMAPOOL_EINVAL), "invalid argument") == 0);
  CHECK(numapool_strerror(12345) != NULL);
  numapool_destroy(NULL);
  passed += 5;

  numapool_destroy(pool);
  return check_done("pool_semantics", passed);
}
