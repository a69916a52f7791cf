/* Stress: many random calls, pool lifetimes, resizes, concurrent
 * submitters and deep nesting, each checked for exactly-once execution.
 *
 * Usage: reliability_stress [seed [scale]]. The seed (default fixed) is
 * printed so that a failure can be replayed; scale multiplies the
 * iteration counts (default 1). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <numapool/numapool.h>

#include "check.h"

#define DEFAULT_SEED UINT64_C(0x6e756d61706f6f6c)
#define MAX_ITEMS 3000
#define MAX_POOL_THREADS 5

/* Calls finished so far, read by the watchdog. */
static atomic_size_t progress;

/* xorshift64*: a small generator whose sequence depends only on the seed. */
static uint64_t next_random(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * UINT64_C(2685821657736338717);
}

static size_t random_below(uint64_t *state, size_t bound) {
  return (size_t)(next_random(state) % bound);
}

/* One random call shape with its expected per-item counts. */
typedef struct shape {
  size_t dims;
  size_t range[NUMAPOOL_MAX_DIMS];
  size_t tile[NUMAPOOL_MAX_DIMS];
  size_t items;
} shape_t;

typedef struct visits {
  const shape_t *shape;
  size_t thread_limit; /* thread indices must be below this */
  atomic_uchar *hits;
  atomic_uint bad_tiles;
  atomic_uint bad_threads;
} visits_t;

static void random_shape(uint64_t *state, shape_t *shape) {
  shape->dims = 1 + random_below(state, NUMAPOOL_MAX_DIMS);
  size_t budget = MAX_ITEMS;
  shape->items = 1;
  for (size_t d = 0; d < shape->dims; d++) {
    /* Keep the product below MAX_ITEMS: each dimension takes a random
     * part of what is left; 1 in 40 dimensions is empty. */
    size_t limit = budget < 64 ? budget : 64;
    size_t range = random_below(state, 40) == 0 ? 0 : 1 + random_below(state, limit);
    shape->range[d] = range;
    shape->tile[d] = 1 + random_below(state, range + 2);
    shape->items *= range;
    if (range > 0)
      budget /= range;
    if (budget == 0)
      budget = 1;
  }
}

/* Marks each item of a tile and checks the tile's start and extent. */
static void visit(void *context, size_t thread_index, const size_t start[],
                  const size_t extent[]) {
  visits_t *visits = context;
  const shape_t *shape = visits->shape;
  if (thread_index >= visits->thread_limit)
    atomic_fetch_add(&visits->bad_threads, 1);
  for (size_t d = 0; d < shape->dims; d++) {
    size_t left = start[d] < shape->range[d] ? shape->range[d] - start[d] : 0;
    size_t expected = left < shape->tile[d] ? left : shape->tile[d];
    if (start[d] % shape->tile[d] != 0 || left == 0 || extent[d] != expected) {
      atomic_fetch_add(&visits->bad_tiles, 1);
      return;
    }
  }

  /* Walk the tile's items in row-major order. */
  size_t offset[NUMAPOOL_MAX_DIMS] = {0};
  for (;;) {
    size_t linear = 0;
    for (size_t d = 0; d < shape->dims; d++)
      linear = linear * shape->range[d] + start[d] + offset[d];
    atomic_fetch_add(&visits->hits[linear], 1);
    size_t d = shape->dims;
    while (d > 0 && ++offset[d - 1] == extent[d - 1])
      offset[--d] = 0;
    if (d == 0)
      return;
  }
}

static void visit_1d(void *context, size_t thread_index, size_t start, size_t extent) {
  visit(context, thread_index, &start, &extent);
}

static void visit_2d(void *context, size_t thread_index, size_t i, size_t j, size_t extent_i,
                     size_t extent_j) {
  size_t start[2] = {i, j};
  size_t extent[2] = {extent_i, extent_j};
  visit(context, thread_index, start, extent);
}

/* Runs one call of the shape through the entry point that fits it and
 * checks that every item ran once. */
static void run_and_check(numapool_t *pool, const shape_t *shape, uint32_t flags,
                          size_t thread_limit, int entry, atomic_uchar *hits) {
  visits_t visits = {.shape = shape, .thread_limit = thread_limit, .hits = hits};
  memset(hits, 0, MAX_ITEMS);
  int status;
  if (entry == 1 && shape->dims == 1)
    status = numapool_parallel_for_1d(pool, shape->range[0], shape->tile[0], visit_1d, &visits,
                                      flags);
  else if (entry == 2 && shape->dims == 2)
    status = numapool_parallel_for_2d(pool, shape->range[0], shape->range[1], shape->tile[0],
                                      shape->tile[1], visit_2d, &visits, flags);
  else
    status = numapool_parallel_for(pool, shape->dims, shape->range, shape->tile, visit, &visits,
                                   flags);
  CHECK_EQ(status, 0);
  atomic_fetch_add(&progress, 1);
  CHECK_UEQ(atomic_load(&visits.bad_tiles), 0);
  CHECK_UEQ(atomic_load(&visits.bad_threads), 0);
  for (size_t i = 0; i < shape->items; i++) {
    if (atomic_load(&hits[i]) != 1) {
      fprintf(stderr, "dims %zu, item %zu of %zu ran %u times\n", shape->dims, i, shape->items,
              (unsigned)atomic_load(&hits[i]));
      CHECK_UEQ(atomic_load(&hits[i]), 1);
    }
  }
}

/* Random shapes, tiles, flags, thread counts and minimum work sizes. */
static unsigned stress_random_calls(uint64_t *state, size_t calls) {
  static atomic_uchar hits[MAX_ITEMS];
  numapool_options_t options = {.thread_count = MAX_POOL_THREADS};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  size_t max_threads = numapool_get_thread_count(pool);
  CHECK_UEQ(max_threads, MAX_POOL_THREADS);

  for (size_t call = 0; call < calls; call++) {
    if (random_below(state, 16) == 0) {
      size_t wanted = random_below(state, MAX_POOL_THREADS + 2);
      size_t expected = wanted;
      if (expected == 0)
        expected = 1;
      if (expected > max_threads)
        expected = max_threads;
      CHECK_UEQ(numapool_set_thread_count(pool, wanted), expected);
      CHECK_UEQ(numapool_get_thread_count(pool), expected);
    }
    if (random_below(state, 32) == 0)
      numapool_set_min_work_size(pool, random_below(state, 3) == 0 ? 1 : random_below(state, 500));

    shape_t shape;
    random_shape(state, &shape);
    uint32_t flags = (uint32_t)random_below(state, 4);
    int entry = (int)random_below(state, 3);
    /* Every fourth call goes to the NULL pool, which runs serially. */
    bool serial = random_below(state, 4) == 0;
    numapool_t *target = serial ? NULL : pool;
    run_and_check(target, &shape, flags, numapool_get_thread_count(target), entry, hits);
  }
  numapool_destroy(pool);
  return 1;
}

/* Team task: each thread checks in once, passes a barrier, then checks
 * that everyone had checked in. */
typedef struct team_state {
  size_t expected_count;
  atomic_uint arrivals;
  atomic_uint errors;
} team_state_t;

static void team_task(void *context, numapool_team_t *team, size_t thread_index,
                      size_t thread_count) {
  team_state_t *state = context;
  if (thread_count != state->expected_count || thread_index >= thread_count)
    atomic_fetch_add(&state->errors, 1);
  atomic_fetch_add(&state->arrivals, 1);
  numapool_team_barrier(team);
  if (atomic_load(&state->arrivals) != thread_count)
    atomic_fetch_add(&state->errors, 1);
  numapool_team_domain_barrier(team, thread_index);
  numapool_team_barrier(team);
}

static void check_team(numapool_t *pool) {
  team_state_t state = {.expected_count = numapool_get_thread_count(pool)};
  CHECK_EQ(numapool_team_run(pool, team_task, &state, 0), 0);
  CHECK_UEQ(atomic_load(&state.errors), 0);
  CHECK_UEQ(atomic_load(&state.arrivals), state.expected_count);
}

/* Pools created and destroyed in a loop, some never used, some used once,
 * some resized first. */
static unsigned stress_lifetimes(uint64_t *state, size_t cycles) {
  static atomic_uchar hits[MAX_ITEMS];
  for (size_t cycle = 0; cycle < cycles; cycle++) {
    numapool_options_t options = {
        .thread_count = 1 + random_below(state, 4),
        .spin_us = random_below(state, 2) == 0 ? NUMAPOOL_SPIN_NONE : 0,
    };
    numapool_t *pool = numapool_create(&options);
    CHECK(pool != NULL);
    switch (random_below(state, 4)) {
    case 0:
      break;
    case 1: {
      shape_t shape;
      random_shape(state, &shape);
      run_and_check(pool, &shape, 0, options.thread_count, 0, hits);
      break;
    }
    case 2:
      numapool_set_thread_count(pool, 1 + random_below(state, 4));
      check_team(pool);
      break;
    default:
      check_team(pool);
      break;
    }
    numapool_destroy(pool);
  }
  return 1;
}

/* Resizes up and down between parallel-for and team calls. */
static unsigned stress_resizes(uint64_t *state, size_t resizes) {
  static atomic_uchar hits[MAX_ITEMS];
  numapool_options_t options = {.thread_count = 4};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  for (size_t i = 0; i < resizes; i++) {
    size_t wanted = 1 + random_below(state, 4);
    CHECK_UEQ(numapool_set_thread_count(pool, wanted), wanted);
    /* A same-size call changes nothing. */
    CHECK_UEQ(numapool_set_thread_count(pool, wanted), wanted);
    shape_t shape;
    random_shape(state, &shape);
    run_and_check(pool, &shape, 0, wanted, 0, hits);
    check_team(pool);
  }
  numapool_destroy(pool);
  return 1;
}

/* Several application threads call one pool at once; each checks its own
 * calls. */
typedef struct submitter {
  numapool_t *pool;
  uint64_t seed;
  size_t calls;
  size_t pool_threads;
} submitter_t;

static void *submit_calls(void *argument) {
  submitter_t *submitter = argument;
  atomic_uchar *hits = calloc(MAX_ITEMS, sizeof(atomic_uchar));
  CHECK(hits != NULL);
  uint64_t state = submitter->seed;
  for (size_t call = 0; call < submitter->calls; call++) {
    if (random_below(&state, 8) == 0) {
      team_state_t team = {.expected_count = submitter->pool_threads};
      CHECK_EQ(numapool_team_run(submitter->pool, team_task, &team, 0), 0);
      CHECK_UEQ(atomic_load(&team.errors), 0);
      continue;
    }
    shape_t shape;
    random_shape(&state, &shape);
    run_and_check(submitter->pool, &shape, (uint32_t)random_below(&state, 4),
                  submitter->pool_threads, (int)random_below(&state, 3), hits);
  }
  free(hits);
  return NULL;
}

static unsigned stress_submitters(uint64_t *state, size_t calls_each) {
  enum { SUBMITTERS = 4 };
  numapool_options_t options = {.thread_count = 3};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  pthread_t threads[SUBMITTERS];
  submitter_t submitters[SUBMITTERS];
  for (size_t i = 0; i < SUBMITTERS; i++) {
    submitters[i] = (submitter_t){
        .pool = pool, .seed = next_random(state) | 1, .calls = calls_each, .pool_threads = 3};
    CHECK_EQ(pthread_create(&threads[i], NULL, submit_calls, &submitters[i]), 0);
  }
  for (size_t i = 0; i < SUBMITTERS; i++)
    CHECK_EQ(pthread_join(threads[i], NULL), 0);
  numapool_destroy(pool);
  return 1;
}

/* Parallel-for calls alternating with team calls, from two application
 * threads: a worker that misses a short parallel-for must not join the
 * next team call twice, so each thread index of a team call runs once. */
typedef struct index_runs {
  atomic_uint runs[MAX_POOL_THREADS];
} index_runs_t;

static void count_index_run(void *context, numapool_team_t *team, size_t thread_index,
                            size_t thread_count) {
  (void)team;
  (void)thread_count;
  index_runs_t *runs = context;
  atomic_fetch_add(&runs->runs[thread_index], 1);
}

static void empty_task(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)context;
  (void)thread_index;
  (void)start;
  (void)extent;
}

static void *alternate_calls(void *argument) {
  submitter_t *submitter = argument;
  for (size_t call = 0; call < submitter->calls; call++) {
    CHECK_EQ(numapool_parallel_for_1d(submitter->pool, 3, 1, empty_task, NULL, 0), 0);
    index_runs_t runs = {0};
    CHECK_EQ(numapool_team_run(submitter->pool, count_index_run, &runs, 0), 0);
    for (size_t i = 0; i < submitter->pool_threads; i++) {
      if (atomic_load(&runs.runs[i]) != 1) {
        fprintf(stderr, "team call %zu: thread index %zu ran %u times\n", call, i,
                atomic_load(&runs.runs[i]));
        CHECK_UEQ(atomic_load(&runs.runs[i]), 1);
      }
    }
    atomic_fetch_add(&progress, 1);
  }
  return NULL;
}

static unsigned stress_alternating_calls(size_t calls_each) {
  enum { SUBMITTERS = 2 };
  numapool_options_t options = {.thread_count = 4};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  pthread_t threads[SUBMITTERS];
  submitter_t submitters[SUBMITTERS];
  for (size_t i = 0; i < SUBMITTERS; i++) {
    submitters[i] = (submitter_t){.pool = pool, .calls = calls_each, .pool_threads = 4};
    CHECK_EQ(pthread_create(&threads[i], NULL, alternate_calls, &submitters[i]), 0);
  }
  for (size_t i = 0; i < SUBMITTERS; i++)
    CHECK_EQ(pthread_join(threads[i], NULL), 0);
  numapool_destroy(pool);
  return 1;
}

/* Fails the test when no call finished for WATCHDOG_SECONDS, so a hang
 * is reported as one instead of running into the CTest timeout. */
#define WATCHDOG_SECONDS 60

static void *watch_progress(void *argument) {
  (void)argument;
  size_t last = atomic_load(&progress);
  unsigned idle = 0;
  for (;;) {
    sleep(1);
    size_t now = atomic_load(&progress);
    idle = now == last ? idle + 1 : 0;
    last = now;
    if (idle == WATCHDOG_SECONDS) {
      fprintf(stderr, "reliability_stress: no call finished for %d s: a call hangs\n",
              WATCHDOG_SECONDS);
      _exit(1);
    }
  }
  return NULL;
}

/* Nesting: every level runs a parallel-for or a team call on one of two
 * pools; levels below the first must run inline on the calling thread as
 * thread 0 of 1. */
#define NEST_DEPTH 5
#define NEST_RANGE 3

typedef struct nest_state {
  numapool_t *pools[2];
  atomic_size_t leaves;
  atomic_uint errors;
} nest_state_t;

typedef struct nest_frame {
  nest_state_t *state;
  size_t level;
  pthread_t owner; /* the thread that made the call of this level */
} nest_frame_t;

static void nest_descend(nest_state_t *state, size_t level);

static void nest_check(nest_frame_t *frame, size_t thread_index) {
  if (frame->level > 0 && (thread_index != 0 || !pthread_equal(pthread_self(), frame->owner)))
    atomic_fetch_add(&frame->state->errors, 1);
}

static void nest_for_task(void *context, size_t thread_index, size_t start, size_t extent) {
  nest_frame_t *frame = context;
  nest_check(frame, thread_index);
  for (size_t i = start; i < start + extent; i++)
    nest_descend(frame->state, frame->level + 1);
}

static void nest_team_task(void *context, numapool_team_t *team, size_t thread_index,
                           size_t thread_count) {
  nest_frame_t *frame = context;
  nest_check(frame, thread_index);
  if (frame->level > 0 && thread_count != 1)
    atomic_fetch_add(&frame->state->errors, 1);
  /* Only thread 0 descends, so the leaf count does not depend on the
   * team's size; the barrier must not block in a nested team. */
  numapool_team_barrier(team);
  if (thread_index == 0)
    for (size_t i = 0; i < NEST_RANGE; i++)
      nest_descend(frame->state, frame->level + 1);
}

static void nest_descend(nest_state_t *state, size_t level) {
  if (level == NEST_DEPTH) {
    atomic_fetch_add(&state->leaves, 1);
    return;
  }
  nest_frame_t frame = {.state = state, .level = level, .owner = pthread_self()};
  numapool_t *pool = state->pools[level % 2];
  int status = level % 3 == 1 ? numapool_team_run(pool, nest_team_task, &frame, 0)
                              : numapool_parallel_for_1d(pool, NEST_RANGE, 1, nest_for_task,
                                                         &frame, 0);
  if (status != 0)
    atomic_fetch_add(&state->errors, 1);
}

static unsigned stress_nesting(size_t repeats) {
  numapool_options_t options = {.thread_count = 3};
  nest_state_t state = {0};
  state.pools[0] = numapool_create(&options);
  state.pools[1] = numapool_create(&options);
  CHECK(state.pools[0] != NULL);
  CHECK(state.pools[1] != NULL);
  for (size_t r = 0; r < repeats; r++) {
    atomic_store(&state.leaves, 0);
    nest_descend(&state, 0);
    CHECK_UEQ(atomic_load(&state.errors), 0);
    /* Every level multiplies by NEST_RANGE. */
    size_t expected = 1;
    for (size_t level = 0; level < NEST_DEPTH; level++)
      expected *= NEST_RANGE;
    CHECK_UEQ(atomic_load(&state.leaves), expected);
  }
  numapool_destroy(state.pools[0]);
  numapool_destroy(state.pools[1]);
  return 1;
}

int main(int argc, char **argv) {
  uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : DEFAULT_SEED;
  size_t scale = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
  if (seed == 0)
    seed = DEFAULT_SEED;
  if (scale == 0)
    scale = 1;
  printf("reliability_stress: seed 0x%llx, scale %zu (replay with: reliability_stress 0x%llx)\n",
         (unsigned long long)seed, scale, (unsigned long long)seed);
  fflush(stdout);

  pthread_t watchdog;
  CHECK_EQ(pthread_create(&watchdog, NULL, watch_progress, NULL), 0);
  CHECK_EQ(pthread_detach(watchdog), 0);

  uint64_t state = seed;
  unsigned passed = 0;
  passed += stress_random_calls(&state, 10000 * scale);
  passed += stress_lifetimes(&state, 1000 * scale);
  passed += stress_resizes(&state, 1000 * scale);
  passed += stress_submitters(&state, 1000 * scale);
  passed += stress_nesting(20 * scale);
  passed += stress_alternating_calls(20000 * scale);
  return check_done("reliability_stress", passed);
}
