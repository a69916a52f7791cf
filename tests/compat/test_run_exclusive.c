/* numapool_run_exclusive: other threads' calls wait, the owner's own calls
 * (parallel, resizing, nested) run without deadlock, NULL and nested-task
 * cases run at once. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <numapool/numapool.h>

#include "check.h"

typedef struct exclusive_state {
  numapool_t *pool;
  atomic_bool inside;       /* the exclusive function is running */
  atomic_bool other_ready;  /* the other thread is about to call */
  atomic_uint overlaps;     /* other-thread tasks that ran while inside */
  atomic_size_t items;
  atomic_uint threads_seen; /* bit t: thread index t ran a task */
  atomic_uint calls;
  pthread_t other; /* the thread whose call must wait */
} exclusive_state_t;

static void sleep_ms(long ms) {
  struct timespec delay = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  nanosleep(&delay, NULL);
}

static void other_task(void *context, size_t thread_index, size_t start, size_t extent) {
  exclusive_state_t *state = context;
  (void)thread_index;
  (void)start;
  if (atomic_load(&state->inside))
    atomic_fetch_add(&state->overlaps, 1);
  atomic_fetch_add(&state->items, extent);
}

static void *other_thread(void *argument) {
  exclusive_state_t *state = argument;
  atomic_store(&state->other_ready, true);
  CHECK_EQ(numapool_parallel_for_1d(state->pool, 64, 1, other_task, state, 0), 0);
  return NULL;
}

/* Item 0 waits until every other item ran, so another thread must help. */
static void steal_task(void *context, size_t thread_index, size_t start, size_t extent) {
  exclusive_state_t *state = context;
  atomic_fetch_or(&state->threads_seen, 1u << (thread_index & 31));
  if (start == 0) {
    while (atomic_load(&state->items) != 63)
      sched_yield();
  } else {
    atomic_fetch_add(&state->items, extent);
  }
}

static void count_call(void *context, numapool_t *pool) {
  exclusive_state_t *state = context;
  (void)pool;
  atomic_fetch_add(&state->calls, 1);
}

/* The exclusive function: blocks another thread's call meanwhile, and
 * makes its own calls on the pool. */
static void exclusive_work(void *context, numapool_t *pool) {
  exclusive_state_t *state = context;
  CHECK(pool == state->pool);
  atomic_store(&state->inside, true);

  CHECK_EQ(pthread_create(&state->other, NULL, other_thread, state), 0);
  while (!atomic_load(&state->other_ready))
    sched_yield();
  sleep_ms(100); /* long enough for the other call to start if it could */

  /* Own calls: parallel on every thread, a resize, a nested exclusive. */
  atomic_store(&state->items, 0);
  CHECK_EQ(numapool_parallel_for_1d(pool, 64, 1, steal_task, state, 0), 0);
  CHECK_UEQ(atomic_load(&state->items), 63);
  CHECK(atomic_load(&state->threads_seen) & 2u);
  CHECK_UEQ(numapool_set_thread_count(pool, 1), 1);
  CHECK_UEQ(numapool_set_thread_count(pool, 2), 2);
  numapool_set_min_work_size(pool, 1);
  CHECK_EQ(numapool_run_exclusive(pool, count_call, state), 0);
  CHECK_UEQ(atomic_load(&state->calls), 1);

  atomic_store(&state->items, 0);
  atomic_store(&state->inside, false);
}

static void nested_task(void *context, size_t thread_index, size_t start, size_t extent) {
  exclusive_state_t *state = context;
  (void)thread_index;
  (void)start;
  (void)extent;
  CHECK_EQ(numapool_run_exclusive(state->pool, count_call, state), 0);
}

int main(void) {
  unsigned passed = 0;
  static exclusive_state_t state;

  CHECK_EQ(numapool_run_exclusive(NULL, NULL, NULL), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_run_exclusive(NULL, count_call, &state), 0);
  CHECK_UEQ(atomic_load(&state.calls), 1);
  passed += 3;

  numapool_options_t options = {.thread_count = 2};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  state.pool = pool;
  atomic_store(&state.calls, 0);
  CHECK_EQ(numapool_run_exclusive(pool, exclusive_work, &state), 0);
  passed += 8;

  /* The other thread's call ran, after the exclusive function. */
  CHECK_EQ(pthread_join(state.other, NULL), 0);
  CHECK_UEQ(atomic_load(&state.items), 64);
  CHECK_UEQ(atomic_load(&state.overlaps), 0);
  passed += 3;

  /* From inside a task it runs at once, once per task. */
  atomic_store(&state.calls, 0);
  CHECK_EQ(numapool_parallel_for_1d(pool, 8, 1, nested_task, &state, 0), 0);
  CHECK_UEQ(atomic_load(&state.calls), 8);
  passed += 2;

  /* The pool still works for everyone afterwards. */
  atomic_store(&state.items, 0);
  CHECK_EQ(numapool_parallel_for_1d(pool, 64, 1, other_task, &state, 0), 0);
  CHECK_UEQ(atomic_load(&state.items), 64);
  passed += 2;

  numapool_destroy(pool);
  return check_done("compat_run_exclusive", passed);
}
