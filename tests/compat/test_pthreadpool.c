/* Every pthreadpool function, driven from the table in variants.c: each
 * item exactly once and in bounds, tiling, thread and uarch indexes,
 * repeated calls, contention, stealing, NULL pools, empty ranges, tile 0
 * and flags, on pools of 1, 2 and 3 threads and NULL. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/numapool.h>
#include <pthreadpool.h>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
/* MXCSR flush-to-zero (bit 15) and denormals-are-zero (bit 6). */
#define DENORMAL_BITS 0x8040u
#else
#define HAVE_MXCSR 0
#endif

#include "check.h"
#include "variants.h"

#define MAX_ITEMS 4096
#define MAX_THREADS 64

/* One call's expectations and what its tasks saw. Tasks write only the
 * atomics; the test thread sets the rest before the call. */
typedef struct state {
  const variant_t *variant;
  size_t range[6];
  size_t tile[6];
  size_t items;        /* product of range */
  size_t thread_count; /* thread indexes must be below it */
  bool must_steal;     /* the call holding item 0 waits for all others */
  bool wait_for_second_thread; /* each task waits until two threads ran one */
  bool expect_denormals_off; /* tasks must see FTZ/DAZ set, else clear */
  bool check_denormals;
  bool serial;         /* tasks must run on `caller`, in serial order */
  pthread_t caller;

  atomic_uint counts[MAX_ITEMS];
  atomic_size_t done;        /* items finished; the contended atomic */
  atomic_size_t calls;
  atomic_size_t empty_calls; /* calls with a count of 0 */
  atomic_size_t last_linear; /* serial order: linear index of the last call */
  atomic_uint errors;
  atomic_uint threads_seen[MAX_THREADS]; /* tasks per thread index */
  unsigned epoch;                 /* distinguishes this call from earlier ones */
  atomic_size_t distinct_threads; /* threads that ran a task of this call */
  char first_error[256];
  atomic_flag error_written;
} state_t;

static void fail(state_t *state, const char *format, size_t a, size_t b) {
  atomic_fetch_add(&state->errors, 1);
  if (!atomic_flag_test_and_set(&state->error_written))
    snprintf(state->first_error, sizeof(state->first_error), format, a, b);
}

/* Splits a task's arguments into thread index, starts and extents. */
static void parse_args(state_t *state, const size_t args[], size_t count, size_t *thread,
                       size_t start[], size_t extent[]) {
  const variant_t *variant = state->variant;
  size_t next = 0;
  *thread = SIZE_MAX;
  if (variant->prefix == PREFIX_THREAD || variant->prefix == PREFIX_UARCH_THREAD)
    *thread = args[next++];
  for (size_t d = 0; d < variant->dims; d++)
    start[d] = args[next++];
  for (size_t d = 0; d < variant->dims; d++)
    extent[d] = variant->tiled & (1u << d) ? args[next++] : 1;
  if (next != count)
    fail(state, "task got %zu size_t arguments, the table expects %zu", count, next);
}

/* Checks one dimension of a call: in bounds and tiled as promised. */
static void check_dimension(state_t *state, size_t d, size_t start, size_t extent) {
  const variant_t *variant = state->variant;
  size_t range = state->range[d];
  size_t tile = variant->tiled & (1u << d) ? state->tile[d] : 1;

  if (range == 0) {
    if (start != 0 || extent != 0)
      fail(state, "empty dimension got start %zu count %zu", start, extent);
    return;
  }
  if (start >= range || extent == 0 || extent > range - start)
    fail(state, "out of bounds: start %zu extent %zu", start, extent);
  if (start % tile != 0)
    fail(state, "start %zu is not a multiple of tile %zu", start, tile);
  if (variant->dynamic) {
    if (extent % tile != 0 && start + extent != range)
      fail(state, "dynamic count %zu is neither a multiple of the tile nor ends at %zu",
           extent, range);
  } else {
    size_t expected = range - start < tile ? range - start : tile;
    if (extent != expected)
      fail(state, "extent %zu, expected %zu", extent, expected);
  }
}

/* Marks each item of the call's box once; returns the items marked. */
static size_t mark_items(state_t *state, const size_t start[], const size_t extent[]) {
  size_t dims = state->variant->dims;
  size_t box = 1;
  for (size_t d = 0; d < dims; d++)
    box *= extent[d];

  for (size_t n = 0; n < box; n++) {
    /* Row-major linear index of the n-th item of the box. */
    size_t linear = 0;
    size_t rest = n;
    size_t stride = 1;
    for (size_t d = dims; d-- > 0;) {
      linear += (start[d] + rest % extent[d]) * stride;
      rest /= extent[d];
      stride *= state->range[d];
    }
    if (linear < MAX_ITEMS)
      atomic_fetch_add(&state->counts[linear], 1);
  }
  return box;
}

static size_t linear_start(const state_t *state, const size_t start[]) {
  size_t linear = 0;
  for (size_t d = 0; d < state->variant->dims; d++)
    linear = linear * state->range[d] + start[d];
  return linear;
}

static size_t threads_seen(state_t *state) {
  size_t seen = 0;
  for (size_t t = 0; t < MAX_THREADS; t++)
    seen += atomic_load(&state->threads_seen[t]) != 0;
  return seen;
}

/* Counts the threads that run tasks of a call, with or without indexes. */
static void count_distinct_thread(state_t *state) {
  static _Thread_local unsigned last_epoch;
  if (last_epoch != state->epoch) {
    last_epoch = state->epoch;
    atomic_fetch_add(&state->distinct_threads, 1);
  }
}

static void check_thread(state_t *state, size_t thread, bool has_id, uint32_t id) {
  const variant_t *variant = state->variant;
  if (variant->prefix == PREFIX_THREAD_ID)
    thread = id;
  if (variant->prefix == PREFIX_UARCH || variant->prefix == PREFIX_UARCH_THREAD) {
    if (!has_id || id != TEST_DEFAULT_UARCH)
      fail(state, "uarch index %zu, expected %zu", id, TEST_DEFAULT_UARCH);
  }
  if (thread != SIZE_MAX) {
    if (thread >= state->thread_count)
      fail(state, "thread index %zu not below the thread count %zu", thread,
           state->thread_count);
    else if (thread < MAX_THREADS)
      atomic_fetch_add(&state->threads_seen[thread], 1);
  }
  if (state->serial && !pthread_equal(pthread_self(), state->caller))
    fail(state, "serial call ran on another thread (%zu of %zu)", thread, state->thread_count);
#if HAVE_MXCSR
  if (state->check_denormals) {
    unsigned bits = _mm_getcsr() & DENORMAL_BITS;
    unsigned expected = state->expect_denormals_off ? DENORMAL_BITS : 0;
    if (bits != expected)
      fail(state, "MXCSR denormal bits 0x%zx, expected 0x%zx", bits, expected);
  }
#endif
}

void test_task_record(void *context, bool has_id, uint32_t id, const size_t args[],
                      size_t count) {
  state_t *state = context;
  size_t thread, start[6], extent[6];
  parse_args(state, args, count, &thread, start, extent);
  check_thread(state, thread, has_id, id);
  count_distinct_thread(state);
  /* Hangs unless a second thread takes items. */
  while (state->wait_for_second_thread && atomic_load(&state->distinct_threads) < 2)
    sched_yield();

  bool empty = false;
  for (size_t d = 0; d < state->variant->dims; d++) {
    check_dimension(state, d, start[d], extent[d]);
    empty = empty || extent[d] == 0;
  }
  atomic_fetch_add(&state->calls, 1);
  if (empty) {
    atomic_fetch_add(&state->empty_calls, 1);
    return;
  }

  if (state->serial) {
    size_t linear = linear_start(state, start);
    size_t last = atomic_exchange(&state->last_linear, linear + 1);
    if (linear + 1 <= last)
      fail(state, "serial order broken: item %zu after %zu", linear, last - 1);
  }

  size_t box = 1;
  for (size_t d = 0; d < state->variant->dims; d++)
    box *= extent[d];
  bool first = linear_start(state, start) == 0;
  if (first && state->must_steal) {
    /* Every other item runs before this one finishes: the others must be
     * stolen from this thread's share, or the call hangs. */
    while (atomic_load(&state->done) != state->items - box)
      sched_yield();
  }
  mark_items(state, start, extent);
  atomic_fetch_add(&state->done, box);
}

/* Test configuration: ranges and tiles for up to 6 dimensions, chosen so
 * that the last tiles are partial. */
static const size_t base_range[6] = {7, 5, 4, 3, 2, 3};
static const size_t base_tile[6] = {3, 2, 3, 2, 1, 2};
static const size_t large_range[6] = {2000, 2, 1, 1, 1, 1};

static void prepare(state_t *state, const variant_t *variant, const size_t range[],
                    const size_t tile[], size_t thread_count) {
  static unsigned epoch;
  memset(state, 0, sizeof(*state));
  state->epoch = ++epoch;
  state->variant = variant;
  state->thread_count = thread_count;
  state->caller = pthread_self();
  state->items = 1;
  for (size_t d = 0; d < variant->dims; d++) {
    state->range[d] = range[d];
    state->tile[d] = tile[d];
    state->items *= range[d];
  }
}

static unsigned check_call_result(state_t *state, const char *pool_name) {
  if (atomic_load(&state->errors) != 0) {
    fprintf(stderr, "%s on %s: %s\n", state->variant->name, pool_name, state->first_error);
    CHECK_UEQ(atomic_load(&state->errors), 0);
  }
  for (size_t i = 0; i < state->items; i++) {
    if (atomic_load(&state->counts[i]) != 1) {
      fprintf(stderr, "%s on %s: item %zu of %zu ran %u times\n", state->variant->name,
              pool_name, i, state->items, atomic_load(&state->counts[i]));
      CHECK_UEQ(atomic_load(&state->counts[i]), 1);
    }
  }
  CHECK_UEQ(atomic_load(&state->done), state->items);
  return 2;
}

static uint32_t call_flags(const variant_t *variant, uint32_t flags) {
  return variant->legacy ? 0 : flags;
}

/* Each item once, bounds, tiling, thread indexes; repeated on one pool. */
static unsigned check_items(pthreadpool_t pool, const char *pool_name, size_t repeats) {
  unsigned passed = 0;
  static state_t state;
  size_t threads = pthreadpool_get_threads_count(pool);
  for (size_t v = 0; v < test_variant_count; v++) {
    const variant_t *variant = &test_variants[v];
    for (size_t r = 0; r < repeats; r++) {
      prepare(&state, variant, base_range, base_tile, threads);
      state.serial = pool == NULL;
      variant->call(pool, &state, base_range, base_tile, call_flags(variant, 0));
      passed += check_call_result(&state, pool_name);
    }
  }
  return passed;
}

/* A large 1-D-heavy range: all threads hammer state.done. */
static unsigned check_contention(pthreadpool_t pool, const char *pool_name) {
  unsigned passed = 0;
  static state_t state;
  size_t threads = pthreadpool_get_threads_count(pool);
  size_t tile[6] = {1, 1, 1, 1, 1, 1};
  for (size_t v = 0; v < test_variant_count; v++) {
    const variant_t *variant = &test_variants[v];
    prepare(&state, variant, large_range, tile, threads);
    variant->call(pool, &state, large_range, tile, call_flags(variant, 0));
    passed += check_call_result(&state, pool_name);
  }
  return passed;
}

/* The call holding item 0 waits for every other item. */
static unsigned check_must_steal(pthreadpool_t pool, const char *pool_name) {
  unsigned passed = 0;
  static state_t state;
  size_t threads = pthreadpool_get_threads_count(pool);
  for (size_t v = 0; v < test_variant_count; v++) {
    const variant_t *variant = &test_variants[v];
    prepare(&state, variant, base_range, base_tile, threads);
    state.must_steal = true;
    variant->call(pool, &state, base_range, base_tile, call_flags(variant, 0));
    passed += check_call_result(&state, pool_name);
  }
  return passed;
}

/* An empty range in each dimension in turn. */
static unsigned check_empty_ranges(pthreadpool_t pool, const char *pool_name) {
  unsigned passed = 0;
  static state_t state;
  size_t threads = pthreadpool_get_threads_count(pool);
  for (size_t v = 0; v < test_variant_count; v++) {
    const variant_t *variant = &test_variants[v];
    for (size_t zero = 0; zero < variant->dims; zero++) {
      size_t range[6];
      memcpy(range, base_range, sizeof(range));
      range[zero] = 0;
      prepare(&state, variant, range, base_tile, threads);
      variant->call(pool, &state, range, base_tile, call_flags(variant, 0));

      /* Dynamic variants with only tiled dimensions empty make one count-0
       * call per untiled index; everything else makes no call. */
      size_t expected = 0;
      if (variant->dynamic && (variant->tiled & (1u << zero))) {
        expected = 1;
        for (size_t d = 0; d < variant->dims; d++)
          if (!(variant->tiled & (1u << d)))
            expected *= range[d];
      }
      if (atomic_load(&state.calls) != expected)
        fprintf(stderr, "%s on %s with range %zu empty: %zu calls, expected %zu\n",
                variant->name, pool_name, zero, atomic_load(&state.calls), expected);
      CHECK_UEQ(atomic_load(&state.calls), expected);
      CHECK_UEQ(atomic_load(&state.empty_calls), expected);
      CHECK_UEQ(atomic_load(&state.errors), 0);
      passed += 3;
    }
  }
  return passed;
}

/* A tile of 0 is rejected: nothing runs, nothing crashes. */
static unsigned check_zero_tile(pthreadpool_t pool) {
  unsigned passed = 0;
  static state_t state;
  for (size_t v = 0; v < test_variant_count; v++) {
    const variant_t *variant = &test_variants[v];
    if (variant->tiled == 0)
      continue;
    size_t tile[6];
    memcpy(tile, base_tile, sizeof(tile));
    for (size_t d = 0; d < variant->dims; d++)
      if (variant->tiled & (1u << d))
        tile[d] = 0;
    prepare(&state, variant, base_range, tile, pthreadpool_get_threads_count(pool));
    variant->call(pool, &state, base_range, tile, call_flags(variant, 0));
    CHECK_UEQ(atomic_load(&state.calls), 0);
    passed++;
  }
  return passed;
}

/* DISABLE_DENORMALS sets FTZ/DAZ on every thread that runs a task and
 * restores it; a later call without the flag sees it clear everywhere.
 * The other flags change no result. */
static unsigned check_flags(pthreadpool_t pool, const char *pool_name) {
  unsigned passed = 0;
  static state_t state;
  size_t threads = pthreadpool_get_threads_count(pool);
  const uint32_t plain_flags[] = {PTHREADPOOL_FLAG_YIELD_WORKERS,
                                  PTHREADPOOL_FLAG_DONT_SPIN_WORKERS, 0x100};

  for (size_t v = 0; v < test_variant_count; v++) {
    const variant_t *variant = &test_variants[v];
    if (variant->legacy)
      continue;
#if HAVE_MXCSR
    unsigned before = _mm_getcsr();
    for (int pass = 0; pass < 2; pass++) {
      prepare(&state, variant, large_range, base_tile, threads);
      state.check_denormals = true;
      state.expect_denormals_off = pass == 0;
      /* Make sure a worker is among the threads checked. */
      state.wait_for_second_thread = threads > 1;
      variant->call(pool, &state, large_range, base_tile,
                    pass == 0 ? PTHREADPOOL_FLAG_DISABLE_DENORMALS : 0);
      passed += check_call_result(&state, pool_name);
      CHECK_UEQ(_mm_getcsr(), before);
      passed++;
    }
#endif
    for (size_t f = 0; f < sizeof(plain_flags) / sizeof(plain_flags[0]); f++) {
      prepare(&state, variant, base_range, base_tile, threads);
      variant->call(pool, &state, base_range, base_tile, plain_flags[f]);
      passed += check_call_result(&state, pool_name);
    }
  }
  return passed;
}

/* A second thread takes part, and reports an index of its own. */
static unsigned check_second_thread(pthreadpool_t pool) {
  static state_t state;
  size_t threads = pthreadpool_get_threads_count(pool);
  const variant_t *variant = &test_variants[1]; /* parallelize_1d_with_thread */
  CHECK(variant->prefix == PREFIX_THREAD);
  prepare(&state, variant, base_range, base_tile, threads);
  state.wait_for_second_thread = true;
  variant->call(pool, &state, base_range, base_tile, 0);
  CHECK_UEQ(atomic_load(&state.errors), 0);
  CHECK(threads_seen(&state) >= 2);
  return 3;
}

static unsigned check_pool(pthreadpool_t pool, const char *pool_name) {
  unsigned passed = 0;
  size_t threads = pthreadpool_get_threads_count(pool);
  passed += check_items(pool, pool_name, pool == NULL ? 1 : 20);
  passed += check_contention(pool, pool_name);
  if (threads > 1) {
    passed += check_must_steal(pool, pool_name);
    passed += check_second_thread(pool);
  }
  passed += check_empty_ranges(pool, pool_name);
  passed += check_zero_tile(pool);
  passed += check_flags(pool, pool_name);
  return passed;
}

static unsigned check_management(void) {
  unsigned passed = 0;
  CHECK_UEQ(pthreadpool_get_threads_count(NULL), 1);
  CHECK_UEQ(pthreadpool_set_threads_count(NULL, 4), 1);
  pthreadpool_destroy(NULL);
  passed += 2;

  pthreadpool_t pool = pthreadpool_create(0);
  CHECK(pool != NULL);
  CHECK_UEQ(pthreadpool_get_threads_count(pool), numapool_default_thread_count());
  pthreadpool_destroy(pool);
  passed += 2;

  pool = pthreadpool_create(3);
  CHECK(pool != NULL);
  CHECK_UEQ(pthreadpool_get_threads_count(pool), 3);
  CHECK_UEQ(pthreadpool_set_threads_count(pool, 1), 1);
  CHECK_UEQ(pthreadpool_get_threads_count(pool), 1);
  passed += check_items(pool, "pool of 3 set to 1", 2);
  CHECK_UEQ(pthreadpool_set_threads_count(pool, 2), 2);
  passed += check_items(pool, "pool of 3 set to 2", 2);
  /* 0 and too many both give the maximum. */
  size_t max = pthreadpool_set_threads_count(pool, 0);
  CHECK(max >= 3);
  CHECK_UEQ(pthreadpool_set_threads_count(pool, 100000), max);
  passed += check_items(pool, "pool of 3 set to max", 2);
  pthreadpool_destroy(pool);
  return passed + 7;
}

/* A NULL task logs an error and runs nothing. */
static unsigned check_null_task(void) {
  pthreadpool_t pool = pthreadpool_create(2);
  CHECK(pool != NULL);
  pthreadpool_parallelize_1d(pool, NULL, NULL, 10, 0);
  pthreadpool_parallelize_1d_tile_1d_dynamic(pool, NULL, NULL, 0, 1, 0);
  pthreadpool_destroy(pool);
  return 1;
}

int main(void) {
  unsigned passed = 0;
  passed += check_management();
  passed += check_null_task();

  passed += check_pool(NULL, "NULL pool");
  const size_t sizes[] = {1, 2, 3};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    char name[32];
    snprintf(name, sizeof(name), "pool of %zu", sizes[i]);
    pthreadpool_t pool = pthreadpool_create(sizes[i]);
    CHECK(pool != NULL);
    CHECK_UEQ(pthreadpool_get_threads_count(pool), sizes[i]);
    passed += 2 + check_pool(pool, name);
    pthreadpool_destroy(pool);
  }
  return check_done("compat_pthreadpool", passed);
}
