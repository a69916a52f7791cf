#include "tasks_support.h"

#include <stdlib.h>

#include "check.h"

size_t tasks_scaled(size_t size, size_t minimum) {
  size_t divisor = TASKS_SANITIZED ? 20 : 1;
  const char *value = getenv("NUMAPOOL_TEST_SCALE_DIV");
  if (value != NULL && atol(value) > 0)
    divisor = (size_t)atol(value);
  size_t scaled = size / divisor;
  return scaled < minimum ? minimum : scaled;
}

uint64_t tasks_fib_serial(unsigned n) { return n < 2 ? n : tasks_fib_serial(n - 1) + tasks_fib_serial(n - 2); }

typedef struct fib_call {
  numapool_t *pool;
  unsigned n;
  unsigned cutoff;
  uint64_t result;
} fib_call_t;

static void fib_task(void *context) {
  fib_call_t *call = context;
  call->result = tasks_fib(call->pool, call->n, call->cutoff);
}

uint64_t tasks_fib(numapool_t *pool, unsigned n, unsigned cutoff) {
  if (n < 2 || n <= cutoff)
    return tasks_fib_serial(n);

  numapool_group_t group;
  CHECK_EQ(numapool_group_init(&group, pool), 0);
  fib_call_t child = {.pool = pool, .n = n - 1, .cutoff = cutoff};
  CHECK_EQ(numapool_group_submit(&group, fib_task, &child, NULL), 0);
  uint64_t other = tasks_fib(pool, n - 2, cutoff);
  CHECK_EQ(numapool_group_destroy(&group), 0);
  return child.result + other;
}

static int compare_ints(const void *a, const void *b) {
  int x = *(const int *)a;
  int y = *(const int *)b;
  return (x > y) - (x < y);
}

typedef struct sort_call {
  numapool_t *pool;
  int *values;
  size_t count;
  size_t cutoff;
} sort_call_t;

static void sort_task(void *context) {
  sort_call_t *call = context;
  tasks_quicksort(call->pool, call->values, call->count, call->cutoff);
}

/* Hoare partition around the lower middle value. Returns the split point,
 * always in 1 .. count - 1 for count >= 2. */
static size_t partition(int *values, size_t count) {
  int pivot = values[(count - 1) / 2];
  ptrdiff_t i = -1;
  ptrdiff_t j = (ptrdiff_t)count;
  for (;;) {
    do
      i++;
    while (values[i] < pivot);
    do
      j--;
    while (values[j] > pivot);
    if (i >= j)
      return (size_t)j + 1;
    int swap = values[i];
    values[i] = values[j];
    values[j] = swap;
  }
}

void tasks_quicksort(numapool_t *pool, int *values, size_t count, size_t cutoff) {
  if (count <= cutoff || count < 2) {
    qsort(values, count, sizeof(int), compare_ints);
    return;
  }
  size_t split = partition(values, count);

  numapool_group_t group;
  CHECK_EQ(numapool_group_init(&group, pool), 0);
  sort_call_t left = {.pool = pool, .values = values, .count = split, .cutoff = cutoff};
  CHECK_EQ(numapool_group_submit(&group, sort_task, &left, NULL), 0);
  tasks_quicksort(pool, values + split, count - split, cutoff);
  CHECK_EQ(numapool_group_destroy(&group), 0);
}
