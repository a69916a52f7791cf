/* Task groups: every task runs exactly once, recursive fork-join gives the
 * serial results, nesting works, bad input gets an error, and the
 * sizing helper follows its formula. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <numapool/numapool.h>
#include <numapool/tasks.h>

#include "check.h"
#include "tasks_support.h"

static unsigned passed;

/* Tiny tasks, each marking its own slot. */
typedef struct tiny {
  atomic_uint *runs;
  size_t index;
} tiny_t;

static void tiny_task(void *context) {
  tiny_t *tiny = context;
  atomic_fetch_add_explicit(&tiny->runs[tiny->index], 1, memory_order_relaxed);
}

static void check_tiny_tasks(numapool_t *pool, size_t count) {
  atomic_uint *runs = calloc(count, sizeof(atomic_uint));
  tiny_t *tasks = malloc(count * sizeof(tiny_t));
  CHECK(runs != NULL);
  CHECK(tasks != NULL);

  numapool_group_t group;
  CHECK_EQ(numapool_group_init(&group, pool), 0);
  for (size_t i = 0; i < count; i++) {
    tasks[i] = (tiny_t){.runs = runs, .index = i};
    CHECK_EQ(numapool_group_submit(&group, tiny_task, &tasks[i], NULL), 0);
  }
  CHECK_EQ(numapool_group_wait(&group), 0);
  for (size_t i = 0; i < count; i++)
    CHECK_UEQ(atomic_load_explicit(&runs[i], memory_order_relaxed), 1);
  CHECK_EQ(numapool_group_destroy(&group), 0);
  free(tasks);
  free(runs);
  passed++;
}

/* A tree of tasks: each submits its children to the same group, so the
 * wait covers tasks submitted after it began. */
typedef struct tree {
  numapool_group_t *group;
  atomic_uint *visits;
  unsigned depth;
} tree_t;

static void tree_task(void *context) {
  tree_t *node = context;
  atomic_fetch_add(node->visits, 1);
  if (node->depth == 0) {
    free(node);
    return;
  }
  for (int child = 0; child < 2; child++) {
    tree_t *next = malloc(sizeof(tree_t));
    CHECK(next != NULL);
    *next = (tree_t){.group = node->group, .visits = node->visits, .depth = node->depth - 1};
    CHECK_EQ(numapool_group_submit(node->group, tree_task, next, NULL), 0);
  }
  free(node);
}

static void check_tree(numapool_t *pool, unsigned depth) {
  numapool_group_t group;
  atomic_uint visits = 0;
  CHECK_EQ(numapool_group_init(&group, pool), 0);
  tree_t *root = malloc(sizeof(tree_t));
  CHECK(root != NULL);
  *root = (tree_t){.group = &group, .visits = &visits, .depth = depth};
  CHECK_EQ(numapool_group_submit(&group, tree_task, root, NULL), 0);
  CHECK_EQ(numapool_group_destroy(&group), 0);
  CHECK_UEQ(atomic_load(&visits), (1u << (depth + 1)) - 1);
  passed++;
}

static void check_fork_join(numapool_t *pool) {
  CHECK_UEQ(tasks_fib(pool, 24, 8), tasks_fib_serial(24));
  passed++;

  size_t count = tasks_scaled(200000, 5000);
  int *values = malloc(count * sizeof(int));
  int *expected = malloc(count * sizeof(int));
  CHECK(values != NULL);
  CHECK(expected != NULL);
  srand(12345);
  for (size_t i = 0; i < count; i++)
    values[i] = expected[i] = rand() % 1000; /* many duplicates */
  tasks_quicksort(pool, values, count, 512);
  tasks_quicksort(NULL, expected, count, count);
  CHECK(memcmp(values, expected, count * sizeof(int)) == 0);
  passed++;
  free(values);
  free(expected);
}

/* A task that runs a parallel-for (inline, as thread 0), waits on a nested
 * group and submits to another group. */
typedef struct nesting {
  numapool_t *pool;
  numapool_group_t *other;
  atomic_uint items;
  atomic_uint nonzero_thread;
  atomic_uint nested_runs;
  atomic_uint other_runs;
} nesting_t;

static void count_items(void *context, size_t thread_index, size_t start, size_t extent) {
  nesting_t *nesting = context;
  (void)start;
  if (thread_index != 0)
    atomic_fetch_add(&nesting->nonzero_thread, 1);
  atomic_fetch_add(&nesting->items, (unsigned)extent);
}

static void nested_child(void *context) {
  atomic_uint *runs = context;
  atomic_fetch_add(runs, 1);
}

static void other_child(void *context) {
  nesting_t *nesting = context;
  atomic_fetch_add(&nesting->other_runs, 1);
}

static void nesting_task(void *context) {
  nesting_t *nesting = context;
  CHECK_EQ(numapool_parallel_for_1d(nesting->pool, 100, 1, count_items, nesting, 0), 0);

  /* The nested wait covers exactly this task's children. */
  numapool_group_t nested;
  atomic_uint runs = 0;
  CHECK_EQ(numapool_group_init(&nested, nesting->pool), 0);
  for (int i = 0; i < 10; i++)
    CHECK_EQ(numapool_group_submit(&nested, nested_child, &runs, NULL), 0);
  CHECK_EQ(numapool_group_wait(&nested), 0);
  CHECK_UEQ(atomic_load(&runs), 10);
  CHECK_EQ(numapool_group_destroy(&nested), 0);
  atomic_fetch_add(&nesting->nested_runs, 10);

  CHECK_EQ(numapool_group_submit(nesting->other, other_child, nesting, NULL), 0);
}

static void check_nesting(numapool_t *pool) {
  numapool_group_t group, other;
  nesting_t nesting = {.pool = pool, .other = &other};
  CHECK_EQ(numapool_group_init(&group, pool), 0);
  CHECK_EQ(numapool_group_init(&other, pool), 0);
  for (int i = 0; i < 8; i++)
    CHECK_EQ(numapool_group_submit(&group, nesting_task, &nesting, NULL), 0);
  CHECK_EQ(numapool_group_destroy(&group), 0);
  CHECK_EQ(numapool_group_destroy(&other), 0);
  CHECK_UEQ(atomic_load(&nesting.items), 800);
  CHECK_UEQ(atomic_load(&nesting.nonzero_thread), 0);
  CHECK_UEQ(atomic_load(&nesting.nested_runs), 80);
  CHECK_UEQ(atomic_load(&nesting.other_runs), 8);
  passed++;
}

/* A task that waits on its own group gets NUMAPOOL_EDEADLK. */
typedef struct self_wait {
  numapool_group_t *group;
  atomic_int status;
  atomic_uint thread_index_ok;
  size_t thread_count;
} self_wait_t;

static void self_wait_task(void *context) {
  self_wait_t *self = context;
  atomic_store(&self->status, numapool_group_wait(self->group));
  if (numapool_task_thread_index() < self->thread_count)
    atomic_store(&self->thread_index_ok, 1);
}

static void noop_task(void *context) { (void)context; }

static void check_bad_input(numapool_t *pool) {
  numapool_group_t group;
  CHECK_EQ(numapool_group_init(NULL, pool), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_group_submit(NULL, noop_task, NULL, NULL), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_group_wait(NULL), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_group_destroy(NULL), NUMAPOOL_EINVAL);

  /* Never initialized. */
  memset(&group, 0, sizeof(group));
  CHECK_EQ(numapool_group_submit(&group, noop_task, NULL, NULL), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_group_wait(&group), NUMAPOOL_EINVAL);

  CHECK_EQ(numapool_group_init(&group, pool), 0);
  CHECK_EQ(numapool_group_submit(&group, NULL, NULL, NULL), NUMAPOOL_EINVAL);
  numapool_task_options_t options = {.priority = (numapool_priority_t)7};
  CHECK_EQ(numapool_group_submit(&group, noop_task, NULL, &options), NUMAPOOL_EINVAL);
  options = (numapool_task_options_t){.flags = 0x100};
  CHECK_EQ(numapool_group_submit(&group, noop_task, NULL, &options), NUMAPOOL_EINVAL);
  options = (numapool_task_options_t){
      .flags = NUMAPOOL_TASK_ON_NODE | NUMAPOOL_TASK_NEAR_DATA, .data = &options};
  CHECK_EQ(numapool_group_submit(&group, noop_task, NULL, &options), NUMAPOOL_EINVAL);
  options = (numapool_task_options_t){.flags = NUMAPOOL_TASK_ON_NODE, .node = 9999};
  CHECK_EQ(numapool_group_submit(&group, noop_task, NULL, &options), NUMAPOOL_EINVAL);
  options = (numapool_task_options_t){.flags = NUMAPOOL_TASK_ON_NODE, .node = -1};
  CHECK_EQ(numapool_group_submit(&group, noop_task, NULL, &options), NUMAPOOL_EINVAL);
  options = (numapool_task_options_t){.flags = NUMAPOOL_TASK_NEAR_DATA, .data = NULL};
  CHECK_EQ(numapool_group_submit(&group, noop_task, NULL, &options), NUMAPOOL_EINVAL);

  /* Waiting on the group from one of its tasks. */
  self_wait_t self = {.group = &group, .status = 1, .thread_count = numapool_get_thread_count(pool)};
  CHECK_EQ(numapool_group_submit(&group, self_wait_task, &self, NULL), 0);
  CHECK_EQ(numapool_group_wait(&group), 0);
  CHECK_EQ(atomic_load(&self.status), NUMAPOOL_EDEADLK);
  CHECK_UEQ(atomic_load(&self.thread_index_ok), 1);

  /* Destroyed. */
  CHECK_EQ(numapool_group_destroy(&group), 0);
  CHECK_EQ(numapool_group_submit(&group, noop_task, NULL, NULL), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_group_wait(&group), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_group_destroy(&group), NUMAPOOL_EINVAL);
  passed++;
}

/* With a NULL pool each task runs inside numapool_group_submit(). */
static void check_null_pool(void) {
  numapool_group_t group;
  atomic_uint runs[1] = {0};
  tiny_t tiny = {.runs = runs, .index = 0};
  CHECK_EQ(numapool_group_init(&group, NULL), 0);
  CHECK_EQ(numapool_group_submit(&group, tiny_task, &tiny, NULL), 0);
  CHECK_UEQ(atomic_load(&runs[0]), 1);
  CHECK_EQ(numapool_group_wait(&group), 0);
  self_wait_t self = {.group = &group, .status = 1, .thread_count = 1};
  CHECK_EQ(numapool_group_submit(&group, self_wait_task, &self, NULL), 0);
  CHECK_EQ(atomic_load(&self.status), NUMAPOOL_EDEADLK);
  CHECK_EQ(numapool_group_destroy(&group), 0);
  CHECK_UEQ(tasks_fib(NULL, 20, 5), tasks_fib_serial(20));
  passed++;
}

/* Destroying a pool runs the tasks still queued. A one-thread pool has no
 * workers, so nothing runs them before. */
static void check_destroy_runs_queued(void) {
  numapool_options_t options = {.thread_count = 1};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  enum { COUNT = 100 };
  atomic_uint runs[COUNT] = {0};
  tiny_t tasks[COUNT];
  numapool_group_t group;
  CHECK_EQ(numapool_group_init(&group, pool), 0);
  for (size_t i = 0; i < COUNT; i++) {
    tasks[i] = (tiny_t){.runs = runs, .index = i};
    CHECK_EQ(numapool_group_submit(&group, tiny_task, &tasks[i], NULL), 0);
  }
  for (size_t i = 0; i < COUNT; i++)
    CHECK_UEQ(atomic_load(&runs[i]), 0);
  numapool_destroy(pool);
  for (size_t i = 0; i < COUNT; i++)
    CHECK_UEQ(atomic_load(&runs[i]), 1);
  passed++;
}

/* A sleeping worker wakes up for a task submitted from outside, without
 * anyone waiting on the group: the task then runs on that worker. Without
 * the wake-up this check would time out. */
typedef struct wake_probe {
  atomic_int done;
  atomic_size_t thread_index;
} wake_probe_t;

static void probe_task(void *context) {
  wake_probe_t *probe = context;
  atomic_store(&probe->thread_index, numapool_task_thread_index());
  atomic_store(&probe->done, 1);
}

static void check_sleeping_worker_wakes(long spin_us) {
  numapool_options_t options = {.thread_count = 2, .spin_us = spin_us};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  numapool_group_t group;
  CHECK_EQ(numapool_group_init(&group, pool), 0);
  for (int round = 0; round < 20; round++) {
    /* Let the worker finish spinning and go to sleep. */
    usleep(spin_us == NUMAPOOL_SPIN_NONE ? 2000 : 200);
    wake_probe_t probe = {.done = 0, .thread_index = 99};
    CHECK_EQ(numapool_group_submit(&group, probe_task, &probe, NULL), 0);
    while (atomic_load(&probe.done) == 0)
      usleep(50);
    CHECK_UEQ(atomic_load(&probe.thread_index), 1);
  }
  CHECK_EQ(numapool_group_destroy(&group), 0);
  numapool_destroy(pool);
  passed++;
}

static void check_sizing(void) {
  size_t count = 0;
  CHECK_EQ(numapool_thread_count_for_blocking(4, 1.0, 0.0, &count), 0);
  CHECK_UEQ(count, 4);
  CHECK_EQ(numapool_thread_count_for_blocking(4, 0.5, 3.0, &count), 0);
  CHECK_UEQ(count, 8);
  CHECK_EQ(numapool_thread_count_for_blocking(2, 0.25, 0.5, &count), 0);
  CHECK_UEQ(count, 1); /* 0.75 rounds to 1 */
  CHECK_EQ(numapool_thread_count_for_blocking(1, 0.01, 0.0, &count), 0);
  CHECK_UEQ(count, 1); /* never below 1 */
  CHECK_EQ(numapool_thread_count_for_blocking(2, 1.0, 1e9, &count), 0);
  CHECK_UEQ(count, 2 * NUMAPOOL_BLOCKING_THREADS_PER_CPU);
  CHECK_EQ(numapool_thread_count_for_blocking(0, 1.0, 0.0, &count), 0);
  CHECK_UEQ(count, numapool_default_thread_count());

  count = 77;
  CHECK_EQ(numapool_thread_count_for_blocking(4, 0.0, 1.0, &count), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_thread_count_for_blocking(4, 1.5, 1.0, &count), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_thread_count_for_blocking(4, 0.5, -1.0, &count), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_thread_count_for_blocking(4, 0.5, 1.0 / 0.0, &count), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_thread_count_for_blocking(4, 0.0 / 0.0, 1.0, &count), NUMAPOOL_EINVAL);
  CHECK_UEQ(count, 77);
  CHECK_EQ(numapool_thread_count_for_blocking(4, 0.5, 1.0, NULL), NUMAPOOL_EINVAL);
  passed++;
}

int main(void) {
  size_t tiny_count = tasks_scaled(200000, 10000);
  for (size_t threads = 1; threads <= 4; threads++) {
    numapool_options_t options = {.thread_count = threads};
    numapool_t *pool = numapool_create(&options);
    CHECK(pool != NULL);
    check_tiny_tasks(pool, tiny_count);
    check_tree(pool, TASKS_SANITIZED ? 10 : 14);
    check_fork_join(pool);
    check_nesting(pool);
    check_bad_input(pool);
    /* Parallel-for still works on a pool whose workers ran tasks. */
    nesting_t counter = {0};
    CHECK_EQ(numapool_parallel_for_1d(pool, 1000, 3, count_items, &counter, 0), 0);
    CHECK_UEQ(atomic_load(&counter.items), 1000);
    passed++;
    numapool_destroy(pool);
  }
  check_null_pool();
  check_destroy_runs_queued();
  check_sleeping_worker_wakes(NUMAPOOL_SPIN_NONE);
  check_sleeping_worker_wakes(0);
  check_sizing();
  return check_done("tasks_groups", passed);
}
