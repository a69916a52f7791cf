/* Every tile of every shape runs exactly once, with the documented start
 * and extent, on every thread count. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/numapool.h>

#include "check.h"

typedef struct shape_case {
  size_t dims;
  size_t range[NUMAPOOL_MAX_DIMS];
  size_t tile[NUMAPOOL_MAX_DIMS];
} shape_case_t;

typedef struct visit_state {
  const shape_case_t *shape;
  size_t thread_count;
  atomic_uint *hits; /* one counter per item of the range */
  atomic_uint bad_tiles;
  atomic_uint bad_threads;
} visit_state_t;

static size_t item_total(const shape_case_t *shape) {
  size_t total = 1;
  for (size_t d = 0; d < shape->dims; d++)
    total *= shape->range[d];
  return total;
}

/* Marks every item of the tile, checking that the tile starts at a multiple
 * of the tile size and has extent min(tile, range - start). */
static void visit(void *context, size_t thread_index, const size_t start[],
                  const size_t extent[]) {
  visit_state_t *state = context;
  const shape_case_t *shape = state->shape;
  if (thread_index >= state->thread_count)
    atomic_fetch_add(&state->bad_threads, 1);

  for (size_t d = 0; d < shape->dims; d++) {
    size_t left = shape->range[d] - start[d];
    size_t expected = left < shape->tile[d] ? left : shape->tile[d];
    if (start[d] % shape->tile[d] != 0 || start[d] >= shape->range[d] || extent[d] != expected)
      atomic_fetch_add(&state->bad_tiles, 1);
  }

  size_t offset[NUMAPOOL_MAX_DIMS] = {0};
  for (;;) {
    size_t linear = 0;
    for (size_t d = 0; d < shape->dims; d++)
      linear = linear * shape->range[d] + start[d] + offset[d];
    atomic_fetch_add(&state->hits[linear], 1);

    size_t d = shape->dims;
    while (d-- > 0) {
      if (++offset[d] < extent[d])
        break;
      offset[d] = 0;
    }
    if (d == (size_t)-1)
      break;
  }
}

static unsigned run_shape(numapool_t *pool, const shape_case_t *shape) {
  size_t total = item_total(shape);
  visit_state_t state = {.shape = shape, .thread_count = numapool_get_thread_count(pool)};
  state.hits = calloc(total == 0 ? 1 : total, sizeof(atomic_uint));
  CHECK(state.hits != NULL);

  int status =
      numapool_parallel_for(pool, shape->dims, shape->range, shape->tile, visit, &state, 0);
  CHECK_EQ(status, 0);
  CHECK_UEQ(atomic_load(&state.bad_tiles), 0);
  CHECK_UEQ(atomic_load(&state.bad_threads), 0);
  for (size_t i = 0; i < total; i++) {
    if (atomic_load(&state.hits[i]) != 1) {
      fprintf(stderr, "dims %zu: item %zu ran %u times\n", shape->dims, i,
              atomic_load(&state.hits[i]));
      CHECK_UEQ(atomic_load(&state.hits[i]), 1);
    }
  }
  free(state.hits);
  return 1;
}

static const shape_case_t shapes[] = {
    {1, {1}, {1}},
    {1, {2}, {1}},
    {1, {1000}, {1}},
    {1, {1001}, {7}},
    {1, {5}, {100}},
    {2, {13, 17}, {1, 1}},
    {2, {13, 17}, {1, 5}},
    {2, {33, 40}, {4, 8}},
    {3, {3, 5, 7}, {1, 2, 3}},
    {3, {0, 5, 7}, {1, 1, 1}},
    {4, {2, 3, 4, 5}, {1, 1, 2, 2}},
    {5, {2, 3, 2, 3, 5}, {1, 1, 1, 2, 2}},
    {6, {2, 2, 3, 2, 3, 4}, {1, 1, 1, 1, 2, 3}},
    {6, {1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}},
};

int main(void) {
  unsigned passed = 0;
  size_t thread_counts[] = {1, 2, 3, 4, 7};

  for (size_t t = 0; t < sizeof(thread_counts) / sizeof(thread_counts[0]); t++) {
    numapool_options_t options = {.thread_count = thread_counts[t]};
    numapool_t *pool = numapool_create(&options);
    CHECK(pool != NULL);
    CHECK_UEQ(numapool_get_thread_count(pool), thread_counts[t]);
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
      for (int repeat = 0; repeat < 20; repeat++)
        passed += run_shape(pool, &shapes[s]);
    numapool_destroy(pool);
  }

  /* The NULL pool runs the same shapes serially. */
  for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
    passed += run_shape(NULL, &shapes[s]);

  /* Active-thread subsets: shrink and grow the same pool. */
  numapool_options_t options = {.thread_count = 4};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  size_t sequence[] = {4, 1, 3, 2, 4, 3};
  for (size_t i = 0; i < sizeof(sequence) / sizeof(sequence[0]); i++) {
    CHECK_UEQ(numapool_set_thread_count(pool, sequence[i]), sequence[i]);
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
      passed += run_shape(pool, &shapes[s]);
  }
  numapool_destroy(pool);
  return check_done("pool_parallel_for", passed);
}
