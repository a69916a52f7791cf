/* Task groups under load: a million tiny tasks from several submitting
 * threads at once, each run exactly once, while another thread runs
 * parallel-for calls on the same pool and fork-join recursion runs on
 * top. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <numapool/numapool.h>
#include <numapool/tasks.h>

#include "check.h"
#include "tasks_support.h"

#define SUBMITTERS 3

typedef struct shared {
  numapool_t *pool;
  atomic_uchar *runs;
  size_t count; /* tasks per submitter */
  atomic_int stop_calls;
  atomic_size_t call_items;
} shared_t;

typedef struct submitter {
  shared_t *shared;
  size_t first;
} submitter_t;

static void mark(void *context) {
  atomic_uchar *slot = context;
  atomic_fetch_add_explicit(slot, 1, memory_order_relaxed);
}

/* Submits its block of tasks to a group of its own, with mixed
 * priorities, in chunks with a wait after each. */
static void *submit_block(void *argument) {
  submitter_t *submitter = argument;
  shared_t *shared = submitter->shared;
  numapool_group_t group;
  CHECK_EQ(numapool_group_init(&group, shared->pool), 0);
  for (size_t i = 0; i < shared->count; i++) {
    numapool_task_options_t options = {.priority = (numapool_priority_t)(i % 3)};
    CHECK_EQ(numapool_group_submit(&group, mark, &shared->runs[submitter->first + i], &options),
             0);
    if (i % 65536 == 65535)
      CHECK_EQ(numapool_group_wait(&group), 0);
  }
  CHECK_EQ(numapool_group_destroy(&group), 0);
  return NULL;
}

static void count_items(void *context, size_t thread_index, size_t start, size_t extent) {
  shared_t *shared = context;
  (void)thread_index;
  (void)start;
  atomic_fetch_add(&shared->call_items, extent);
}

static void *run_calls(void *argument) {
  shared_t *shared = argument;
  size_t calls = 0;
  while (atomic_load(&shared->stop_calls) == 0) {
    CHECK_EQ(numapool_parallel_for_1d(shared->pool, 64, 1, count_items, shared, 0), 0);
    calls++;
  }
  CHECK_UEQ(atomic_load(&shared->call_items), calls * 64);
  return NULL;
}

int main(void) {
  unsigned passed = 0;
  size_t per_submitter = tasks_scaled(1000000, 20000) / SUBMITTERS;
  size_t total = per_submitter * SUBMITTERS;
  numapool_options_t options = {.thread_count = 2};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);

  shared_t shared = {.pool = pool, .count = per_submitter};
  shared.runs = calloc(total, sizeof(atomic_uchar));
  CHECK(shared.runs != NULL);

  pthread_t caller;
  pthread_t threads[SUBMITTERS];
  submitter_t submitters[SUBMITTERS];
  CHECK_EQ(pthread_create(&caller, NULL, run_calls, &shared), 0);
  for (size_t s = 0; s < SUBMITTERS; s++) {
    submitters[s] = (submitter_t){.shared = &shared, .first = s * per_submitter};
    CHECK_EQ(pthread_create(&threads[s], NULL, submit_block, &submitters[s]), 0);
  }
  CHECK_UEQ(tasks_fib(pool, TASKS_SANITIZED ? 22 : 27, 10),
            tasks_fib_serial(TASKS_SANITIZED ? 22 : 27));
  passed++;
  for (size_t s = 0; s < SUBMITTERS; s++)
    CHECK_EQ(pthread_join(threads[s], NULL), 0);
  atomic_store(&shared.stop_calls, 1);
  CHECK_EQ(pthread_join(caller, NULL), 0);

  for (size_t i = 0; i < total; i++)
    if (atomic_load_explicit(&shared.runs[i], memory_order_relaxed) != 1)
      CHECK_UEQ(atomic_load(&shared.runs[i]), 1);
  passed++;

  free(shared.runs);
  numapool_destroy(pool);
  return check_done("tasks_stress", passed);
}
