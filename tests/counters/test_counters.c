/* Counters: argument checks, unavailable events with a reason, and real
 * per-thread values for the software events where perf_event allows them. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <numapool/counters.h>

#include "check.h"

static unsigned passed;

/* Busy-waits for about ms milliseconds of CPU time on the calling thread
 * and touches fresh pages, so TASK-CLOCK and PAGE-FAULTS both grow. */
static void burn(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)context, (void)thread_index, (void)start, (void)extent;
  struct timespec begin, now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &begin);
  do {
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  } while ((now.tv_sec - begin.tv_sec) * 1000000000L + (now.tv_nsec - begin.tv_nsec) <
           20000000L);

  size_t size = 4u << 20;
  volatile char *pages = malloc(size);
  if (pages != NULL) {
    for (size_t i = 0; i < size; i += 4096)
      pages[i] = 1;
    free((void *)pages);
  }
}

static int paranoid_level(void) {
  FILE *file = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
  int level = 99;
  if (file != NULL) {
    if (fscanf(file, "%d", &level) != 1)
      level = 99;
    fclose(file);
  }
  return level;
}

static void test_invalid_arguments(void) {
  errno = 0;
  CHECK(numapool_counters_create(NULL, NULL, 1) == NULL);
  CHECK_EQ(errno, EINVAL);

  const char *names[NUMAPOOL_COUNTERS_MAX_EVENTS + 1];
  for (size_t i = 0; i <= NUMAPOOL_COUNTERS_MAX_EVENTS; i++)
    names[i] = "perf::TASK-CLOCK";
  errno = 0;
  CHECK(numapool_counters_create(NULL, names, NUMAPOOL_COUNTERS_MAX_EVENTS + 1) == NULL);
  CHECK_EQ(errno, EINVAL);

  const char *empty[1] = {""};
  errno = 0;
  CHECK(numapool_counters_create(NULL, empty, 1) == NULL);
  CHECK_EQ(errno, EINVAL);

  CHECK_EQ(numapool_counters_start(NULL), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_counters_stop(NULL), NUMAPOOL_EINVAL);
  CHECK_UEQ(numapool_counters_event_count(NULL), 0);
  numapool_counters_destroy(NULL);
  passed++;
}

static void test_unknown_event(void) {
  const char *names[1] = {"numapool::NO-SUCH-EVENT"};
  numapool_counters_t *counters = numapool_counters_create(NULL, names, 1);
  CHECK(counters != NULL);
  const char *reason = numapool_counters_event_reason(counters, 0);
  CHECK(reason != NULL);
  CHECK(reason[0] != '\0');
  printf("unknown event: %s\n", reason);

  numapool_counter_value_t value;
  CHECK_EQ(numapool_counters_total(counters, 0, &value), 0);
  CHECK_EQ(value.status, NUMAPOOL_ENOTSUP);
  CHECK_EQ(numapool_counters_start(counters), NUMAPOOL_ENOTSUP);
  CHECK_EQ(numapool_counters_total(counters, 1, &value), NUMAPOOL_EINVAL);
  numapool_counters_destroy(counters);
  passed++;
}

/* Sums the per-thread values and compares them with the domain and
 * overall totals. */
static void check_sums(const numapool_counters_t *counters, size_t event) {
  numapool_counter_value_t value, total;
  long long thread_sum = 0;
  for (size_t i = 0; i < numapool_counters_thread_count(counters); i++) {
    CHECK_EQ(numapool_counters_thread_value(counters, i, event, &value), 0);
    CHECK_EQ(value.status, 0);
    thread_sum += value.value;
  }
  long long domain_sum = 0;
  for (size_t d = 0; d < numapool_counters_domain_count(counters); d++) {
    int node = -2;
    CHECK_EQ(numapool_counters_domain_value(counters, d, event, &node, &value), 0);
    CHECK(node >= -1);
    domain_sum += value.value;
  }
  CHECK_EQ(numapool_counters_total(counters, event, &total), 0);
  CHECK_EQ(total.value, thread_sum);
  CHECK_EQ(total.value, domain_sum);
}

static void test_pool_values(void) {
  numapool_options_t options = {.thread_count = 2};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  const char *names[3] = {"perf::TASK-CLOCK", "perf::PAGE-FAULTS", "PAPI_TOT_CYC"};
  numapool_counters_t *counters = numapool_counters_create(pool, names, 3);
  CHECK(counters != NULL);
  CHECK_UEQ(numapool_counters_thread_count(counters), 2);
  printf("backend: %s\n", numapool_counters_backend());
  for (size_t e = 0; e < 3; e++) {
    const char *reason = numapool_counters_event_reason(counters, e);
    printf("%s: %s\n", names[e], reason != NULL ? reason : "available");
  }

  bool software = numapool_counters_event_reason(counters, 0) == NULL;
  /* perf_event_paranoid up to 2 lets a process count its own threads. */
  if (NUMAPOOL_TEST_HAVE_PAPI && paranoid_level() <= 2)
    CHECK_MSG(software, "perf::TASK-CLOCK must be countable with perf_event_paranoid <= 2");
  if (!software) {
    CHECK_EQ(numapool_counters_start(counters), NUMAPOOL_ENOTSUP);
    numapool_counters_destroy(counters);
    numapool_destroy(pool);
    passed++;
    return;
  }

  CHECK_EQ(numapool_counters_stop(counters), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_counters_start(counters), 0);
  CHECK_EQ(numapool_counters_start(counters), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_counters_reset(counters), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_parallel_for_1d(pool, 2, 1, burn, NULL, 0), 0);
  CHECK_EQ(numapool_counters_stop(counters), 0);

  /* Each thread ran one 20 ms item of CPU time, unless stealing gave both
   * to one thread: the total is at least 40 ms in nanoseconds. */
  numapool_counter_value_t value;
  CHECK_EQ(numapool_counters_total(counters, 0, &value), 0);
  CHECK_EQ(value.status, 0);
  CHECK(value.value >= 40000000LL);
  CHECK_EQ(numapool_counters_total(counters, 1, &value), 0);
  CHECK_EQ(value.status, 0);
  CHECK(value.value > 0);
  check_sums(counters, 0);
  check_sums(counters, 1);

  /* A hardware event is either counted or unavailable with a reason. */
  CHECK_EQ(numapool_counters_total(counters, 2, &value), 0);
  if (numapool_counters_event_reason(counters, 2) != NULL)
    CHECK_EQ(value.status, NUMAPOOL_ENOTSUP);
  else
    CHECK_EQ(value.status, 0);

  CHECK_EQ(numapool_counters_reset(counters), 0);
  CHECK_EQ(numapool_counters_total(counters, 0, &value), 0);
  CHECK_EQ(value.value, 0);

  /* The counters belong to the thread count they were created for. */
  CHECK_UEQ(numapool_set_thread_count(pool, 1), 1);
  CHECK_EQ(numapool_counters_start(counters), NUMAPOOL_EINVAL);
  CHECK_UEQ(numapool_set_thread_count(pool, 2), 2);
  numapool_counters_destroy(counters);
  numapool_destroy(pool);
  passed++;
}

/* Counters on a NULL pool cover the caller; successive regions add up. */
static void test_null_pool_regions(void) {
  const char *names[1] = {"perf::TASK-CLOCK"};
  numapool_counters_t *counters = numapool_counters_create(NULL, names, 1);
  CHECK(counters != NULL);
  CHECK_UEQ(numapool_counters_thread_count(counters), 1);
  CHECK(strcmp(numapool_counters_event_name(counters, 0), "perf::TASK-CLOCK") == 0);
  CHECK(numapool_counters_event_name(counters, 1) == NULL);
  if (numapool_counters_event_reason(counters, 0) != NULL) {
    numapool_counters_destroy(counters);
    passed++;
    return;
  }

  numapool_counter_value_t first, second;
  CHECK_EQ(numapool_counters_start(counters), 0);
  burn(NULL, 0, 0, 1);
  CHECK_EQ(numapool_counters_stop(counters), 0);
  CHECK_EQ(numapool_counters_thread_value(counters, 0, 0, &first), 0);
  CHECK(first.value >= 20000000LL);

  CHECK_EQ(numapool_counters_start(counters), 0);
  burn(NULL, 0, 0, 1);
  CHECK_EQ(numapool_counters_stop(counters), 0);
  CHECK_EQ(numapool_counters_thread_value(counters, 0, 0, &second), 0);
  /* burn() spins for 20 ms of thread CPU time as the C library's clock
   * reads it; perf's task clock may account a little less of it. */
  CHECK(second.value >= first.value + 18000000LL);
  CHECK_EQ(numapool_counters_thread_value(counters, 1, 0, &second), NUMAPOOL_EINVAL);
  numapool_counters_destroy(counters);
  passed++;
}

static void *start_elsewhere(void *counters) {
  static int status;
  status = numapool_counters_start(counters);
  return &status;
}

static void test_other_thread(void) {
  const char *names[1] = {"perf::TASK-CLOCK"};
  numapool_counters_t *counters = numapool_counters_create(NULL, names, 1);
  CHECK(counters != NULL);
  pthread_t thread;
  CHECK_EQ(pthread_create(&thread, NULL, start_elsewhere, counters), 0);
  void *result;
  CHECK_EQ(pthread_join(thread, &result), 0);
  CHECK_EQ(*(int *)result, NUMAPOOL_EINVAL);
  numapool_counters_destroy(counters);
  passed++;
}

int main(void) {
  test_invalid_arguments();
  test_unknown_event();
  test_pool_values();
  test_null_pool_regions();
  test_other_thread();
  return check_done("counters", passed);
}
