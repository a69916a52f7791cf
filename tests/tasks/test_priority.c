/* Task priorities on a one-thread pool, where the waiting thread runs
 * every task in the order the scheduler picks: higher priorities first,
 * and a lower priority never passed over more than
 * NUMAPOOL_TASK_AGING_LIMIT times in a row. */
#include <stdatomic.h>
#include <stdio.h>

#include <numapool/numapool.h>
#include <numapool/tasks.h>

#include "check.h"

#define MAX_RUNS 4096

typedef struct order {
  numapool_group_t *group;
  int runs[MAX_RUNS]; /* priority of each task, in run order */
  size_t count;
  size_t stream_left; /* high-priority tasks still to submit */
} order_t;

typedef struct tagged {
  order_t *order;
  numapool_priority_t priority;
} tagged_t;

static void record(void *context) {
  tagged_t *tagged = context;
  order_t *order = tagged->order;
  CHECK(order->count < MAX_RUNS);
  order->runs[order->count++] = (int)tagged->priority;
}

/* A high-priority task that submits the next one: a steady stream. */
static void stream_task(void *context) {
  tagged_t *tagged = context;
  record(tagged);
  if (tagged->order->stream_left > 0) {
    tagged->order->stream_left--;
    numapool_task_options_t high = {.priority = NUMAPOOL_PRIORITY_HIGH};
    CHECK_EQ(numapool_group_submit(tagged->order->group, stream_task, tagged, &high), 0);
  }
}

static unsigned check_order(numapool_t *pool) {
  static order_t order;
  numapool_group_t group;
  order = (order_t){.group = &group};
  CHECK_EQ(numapool_group_init(&group, pool), 0);

  /* Three of each, submitted interleaved, fewer than the aging limit. */
  enum { EACH = 3 };
  static const numapool_priority_t cycle[3] = {NUMAPOOL_PRIORITY_LOW, NUMAPOOL_PRIORITY_NORMAL,
                                               NUMAPOOL_PRIORITY_HIGH};
  tagged_t tasks[3 * EACH];
  for (size_t i = 0; i < 3 * EACH; i++) {
    tasks[i] = (tagged_t){.order = &order, .priority = cycle[i % 3]};
    numapool_task_options_t options = {.priority = cycle[i % 3]};
    CHECK_EQ(numapool_group_submit(&group, record, &tasks[i], &options), 0);
  }
  CHECK_EQ(numapool_group_destroy(&group), 0);

  CHECK_UEQ(order.count, 3 * EACH);
  for (size_t i = 0; i < EACH; i++) {
    CHECK_EQ(order.runs[i], NUMAPOOL_PRIORITY_HIGH);
    CHECK_EQ(order.runs[EACH + i], NUMAPOOL_PRIORITY_NORMAL);
    CHECK_EQ(order.runs[2 * EACH + i], NUMAPOOL_PRIORITY_LOW);
  }
  return 1;
}

/* One task of `starved` priority, then a stream of high ones: the starved
 * task must run after at least one and at most NUMAPOOL_TASK_AGING_LIMIT
 * high tasks. */
static unsigned check_starvation(numapool_t *pool, numapool_priority_t starved) {
  static order_t order;
  numapool_group_t group;
  order = (order_t){.group = &group, .stream_left = 1000};
  CHECK_EQ(numapool_group_init(&group, pool), 0);

  tagged_t waiting = {.order = &order, .priority = starved};
  tagged_t stream = {.order = &order, .priority = NUMAPOOL_PRIORITY_HIGH};
  numapool_task_options_t options = {.priority = starved};
  CHECK_EQ(numapool_group_submit(&group, record, &waiting, &options), 0);
  options.priority = NUMAPOOL_PRIORITY_HIGH;
  CHECK_EQ(numapool_group_submit(&group, stream_task, &stream, &options), 0);
  CHECK_EQ(numapool_group_destroy(&group), 0);

  CHECK_UEQ(order.count, 1002);
  size_t position = order.count;
  for (size_t i = 0; i < order.count; i++)
    if (order.runs[i] == (int)starved)
      position = i;
  /* position = the number of high tasks that ran before it. */
  CHECK(position >= 1);
  if (position > NUMAPOOL_TASK_AGING_LIMIT)
    CHECK_UEQ(position, NUMAPOOL_TASK_AGING_LIMIT);
  return 1;
}

/* Several low tasks under a stream: each waits a bounded time, so all of
 * them run long before the stream ends. */
static unsigned check_many_starved(numapool_t *pool) {
  static order_t order;
  numapool_group_t group;
  order = (order_t){.group = &group, .stream_left = 1000};
  CHECK_EQ(numapool_group_init(&group, pool), 0);

  enum { LOWS = 10 };
  tagged_t lows[LOWS];
  numapool_task_options_t options = {.priority = NUMAPOOL_PRIORITY_LOW};
  for (size_t i = 0; i < LOWS; i++) {
    lows[i] = (tagged_t){.order = &order, .priority = NUMAPOOL_PRIORITY_LOW};
    CHECK_EQ(numapool_group_submit(&group, record, &lows[i], &options), 0);
  }
  tagged_t stream = {.order = &order, .priority = NUMAPOOL_PRIORITY_HIGH};
  options.priority = NUMAPOOL_PRIORITY_HIGH;
  CHECK_EQ(numapool_group_submit(&group, stream_task, &stream, &options), 0);
  CHECK_EQ(numapool_group_destroy(&group), 0);

  size_t last_low = 0;
  for (size_t i = 0; i < order.count; i++)
    if (order.runs[i] == NUMAPOOL_PRIORITY_LOW)
      last_low = i;
  /* Each low task goes after at most the limit of high ones. */
  size_t bound = LOWS * (NUMAPOOL_TASK_AGING_LIMIT + 1);
  if (last_low >= bound)
    CHECK_UEQ(last_low, bound - 1);
  return 1;
}

int main(void) {
  unsigned passed = 0;
  numapool_options_t options = {.thread_count = 1};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);

  passed += check_order(pool);
  passed += check_starvation(pool, NUMAPOOL_PRIORITY_LOW);
  passed += check_starvation(pool, NUMAPOOL_PRIORITY_NORMAL);
  passed += check_many_starved(pool);

  numapool_destroy(pool);
  return check_done("tasks_priority", passed);
}
