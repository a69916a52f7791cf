/* Node affinity on simulated two-node machines: a task for a node runs on
 * a thread of that node's domain while that domain's threads are free,
 * and on another domain's thread once they stay busy past the patience.
 *
 *   test_affinity honour    (run with a long NUMAPOOL_AFFINITY_US)
 *   test_affinity fallback  (run with a short NUMAPOOL_AFFINITY_US)
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <numapool/numapool.h>
#include <numapool/tasks.h>

#include "check.h"
#include "tasks_support.h"

#define TWO_NODES "synthetic:pack:2 numa:1 core:2 pu:1"

typedef struct placed {
  numapool_t *pool;
  atomic_size_t *domains; /* domain each task ran in */
  size_t index;
} placed_t;

static void record_domain(void *context) {
  placed_t *placed = context;
  numapool_thread_place_t place;
  CHECK_EQ(numapool_thread_place(placed->pool, numapool_task_thread_index(), &place), 0);
  atomic_store(&placed->domains[placed->index], place.domain);
}

/* The domain and node of each pool thread's place. */
static void domain_nodes(numapool_t *pool, int nodes[2]) {
  nodes[0] = nodes[1] = -1;
  for (size_t i = 0; i < numapool_get_thread_count(pool); i++) {
    numapool_thread_place_t place;
    CHECK_EQ(numapool_thread_place(pool, i, &place), 0);
    CHECK(place.domain < 2);
    nodes[place.domain] = place.node;
  }
  CHECK(nodes[0] >= 0);
  CHECK(nodes[1] >= 0);
  CHECK(nodes[0] != nodes[1]);
}

/* Submits `count` tasks per domain, interleaved, and checks where each
 * one ran. */
static unsigned check_honoured(size_t threads, size_t count) {
  numapool_options_t options = {.thread_count = threads, .topology = TWO_NODES};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  int nodes[2];
  domain_nodes(pool, nodes);

  atomic_size_t *domains = calloc(2 * count, sizeof(atomic_size_t));
  placed_t *tasks = calloc(2 * count, sizeof(placed_t));
  CHECK(domains != NULL);
  CHECK(tasks != NULL);
  numapool_group_t group;
  CHECK_EQ(numapool_group_init(&group, pool), 0);
  for (size_t i = 0; i < 2 * count; i++) {
    tasks[i] = (placed_t){.pool = pool, .domains = domains, .index = i};
    atomic_store(&domains[i], SIZE_MAX);
    numapool_task_options_t task_options = {.flags = NUMAPOOL_TASK_ON_NODE,
                                            .node = nodes[i % 2]};
    CHECK_EQ(numapool_group_submit(&group, record_domain, &tasks[i], &task_options), 0);
  }
  CHECK_EQ(numapool_group_destroy(&group), 0);
  for (size_t i = 0; i < 2 * count; i++)
    CHECK_UEQ(atomic_load(&domains[i]), i % 2);

  free(tasks);
  free(domains);
  numapool_destroy(pool);
  return 1;
}

/* Whether the kernel reports the node of a touched page here. */
static int page_node(void *page) {
  int status = -1;
  if (syscall(SYS_move_pages, 0, 1UL, &page, NULL, &status, 0) != 0)
    return -1;
  return status;
}

/* A task near a buffer runs in the domain of the buffer's node, when the
 * kernel reports that node and it is one of the simulated ones. */
static unsigned check_near_data(void) {
  numapool_options_t options = {.thread_count = 2, .topology = TWO_NODES};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  int nodes[2];
  domain_nodes(pool, nodes);

  long page_size = sysconf(_SC_PAGESIZE);
  char *buffer = aligned_alloc((size_t)page_size, (size_t)page_size);
  CHECK(buffer != NULL);
  memset(buffer, 1, (size_t)page_size);
  int node = page_node(buffer);
  size_t expected = SIZE_MAX;
  if (node == nodes[0])
    expected = 0;
  else if (node == nodes[1])
    expected = 1;
  unsigned checks = 0;
  if (expected == SIZE_MAX) {
    printf("note: the kernel gave node %d for a touched page, not a simulated one; the "
           "near-data placement is not checked\n",
           node);
  } else {
    enum { COUNT = 50 };
    atomic_size_t domains[COUNT];
    placed_t tasks[COUNT];
    numapool_group_t group;
    CHECK_EQ(numapool_group_init(&group, pool), 0);
    for (size_t i = 0; i < COUNT; i++) {
      tasks[i] = (placed_t){.pool = pool, .domains = domains, .index = i};
      atomic_store(&domains[i], SIZE_MAX);
      numapool_task_options_t task_options = {.flags = NUMAPOOL_TASK_NEAR_DATA,
                                              .data = buffer + 100};
      CHECK_EQ(numapool_group_submit(&group, record_domain, &tasks[i], &task_options), 0);
    }
    CHECK_EQ(numapool_group_destroy(&group), 0);
    for (size_t i = 0; i < COUNT; i++)
      CHECK_UEQ(atomic_load(&domains[i]), expected);
    checks = 1;
  }
  free(buffer);
  numapool_destroy(pool);
  return checks;
}

/* Fallback: the only thread of domain 1 is stuck in a task, so tasks for
 * node 1 run on thread 0 (domain 0) once the patience has passed. */
typedef struct blocker {
  atomic_int started;
  atomic_int release;
  atomic_size_t domain;
  numapool_t *pool;
} blocker_t;

static void block_task(void *context) {
  blocker_t *blocker = context;
  numapool_thread_place_t place;
  CHECK_EQ(numapool_thread_place(blocker->pool, numapool_task_thread_index(), &place), 0);
  atomic_store(&blocker->domain, place.domain);
  atomic_store(&blocker->started, 1);
  while (atomic_load(&blocker->release) == 0)
    usleep(100);
}

static unsigned check_fallback(void) {
  numapool_options_t options = {.thread_count = 2, .topology = TWO_NODES};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  int nodes[2];
  domain_nodes(pool, nodes);

  blocker_t blocker = {.pool = pool, .domain = SIZE_MAX};
  numapool_group_t blocking;
  CHECK_EQ(numapool_group_init(&blocking, pool), 0);
  numapool_task_options_t on_node_1 = {.flags = NUMAPOOL_TASK_ON_NODE, .node = nodes[1]};
  CHECK_EQ(numapool_group_submit(&blocking, block_task, &blocker, &on_node_1), 0);
  while (atomic_load(&blocker.started) == 0)
    usleep(100);
  CHECK_UEQ(atomic_load(&blocker.domain), 1);

  enum { COUNT = 20 };
  atomic_size_t domains[COUNT];
  placed_t tasks[COUNT];
  numapool_group_t group;
  CHECK_EQ(numapool_group_init(&group, pool), 0);
  for (size_t i = 0; i < COUNT; i++) {
    tasks[i] = (placed_t){.pool = pool, .domains = domains, .index = i};
    atomic_store(&domains[i], SIZE_MAX);
    CHECK_EQ(numapool_group_submit(&group, record_domain, &tasks[i], &on_node_1), 0);
  }
  /* This wait ends only if thread 0 runs the tasks: domain 1 is blocked. */
  CHECK_EQ(numapool_group_destroy(&group), 0);
  CHECK_EQ(atomic_load(&blocker.release), 0);
  for (size_t i = 0; i < COUNT; i++)
    CHECK_UEQ(atomic_load(&domains[i]), 0);

  atomic_store(&blocker.release, 1);
  CHECK_EQ(numapool_group_destroy(&blocking), 0);
  numapool_destroy(pool);
  return 1;
}

int main(int argc, char **argv) {
  unsigned passed = 0;
  if (argc > 1 && strcmp(argv[1], "fallback") == 0) {
    passed += check_fallback();
    return check_done("tasks_affinity_fallback", passed);
  }
  size_t count = tasks_scaled(2000, 100);
  passed += check_honoured(2, count);
  passed += check_honoured(4, count);
  passed += check_near_data();
  return check_done("tasks_affinity", passed);
}
