/* Counters in a program that initialized PAPI and its thread support
 * itself before numapool: numapool uses that initialization as it is. */
#include <papi.h>
#include <pthread.h>
#include <stdio.h>

#include <numapool/counters.h>

#include "check.h"

static void touch(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)context, (void)thread_index, (void)start, (void)extent;
  volatile double sum = 0;
  for (int i = 0; i < 2000000; i++)
    sum += i;
  (void)sum;
}

static unsigned long program_thread_id(void) {
  return (unsigned long)pthread_self();
}

int main(void) {
  CHECK_EQ(PAPI_library_init(PAPI_VER_CURRENT), PAPI_VER_CURRENT);
  CHECK_EQ(PAPI_thread_init(program_thread_id), PAPI_OK);

  numapool_options_t options = {.thread_count = 2};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  const char *names[1] = {"perf::TASK-CLOCK"};
  numapool_counters_t *counters = numapool_counters_create(pool, names, 1);
  CHECK(counters != NULL);
  const char *reason = numapool_counters_event_reason(counters, 0);
  printf("perf::TASK-CLOCK: %s\n", reason != NULL ? reason : "available");

  /* Without perf_event access the event is unavailable with a reason;
   * with it, both threads count. */
  if (reason == NULL) {
    CHECK_EQ(numapool_counters_start(counters), 0);
    CHECK_EQ(numapool_parallel_for_1d(pool, 2, 1, touch, NULL, 0), 0);
    CHECK_EQ(numapool_counters_stop(counters), 0);
    numapool_counter_value_t value;
    CHECK_EQ(numapool_counters_total(counters, 0, &value), 0);
    CHECK_EQ(value.status, 0);
    CHECK(value.value > 0);
  }
  CHECK(PAPI_is_initialized() & PAPI_THREAD_LEVEL_INITED);

  numapool_counters_destroy(counters);
  numapool_destroy(pool);
  return check_done("counters after the program's PAPI initialization", 1);
}
