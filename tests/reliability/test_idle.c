/* Idle workers spin for a bounded time after a call and then sleep, so
 * an idle pool costs (almost) no CPU time.
 *
 * This is a resource check, not a speed check. It reads the CPU time the
 * pool's worker threads consume in the 200 ms after a call from their
 * per-thread CPU clocks (pthread_getcpuclockid). The bound is 5 ms per
 * window for all workers together. The default spin time is
 * 50 us, so the expected cost is about 0.1 ms for two workers plus the
 * futex sleep; the bound leaves room for sanitizer builds and a loaded
 * machine, and still fails for a worker that keeps spinning (200 ms). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <numapool/numapool.h>

#include "check.h"

#define WORKERS_MAX 8
#define WINDOW_MS 200
#define BOUND_NS 5000000LL

typedef struct clocks {
  clockid_t ids[WORKERS_MAX];
  atomic_uint found;
} clocks_t;

/* Records the CPU clock of each thread of a team call. */
static void record_clock(void *context, numapool_team_t *team, size_t thread_index,
                         size_t thread_count) {
  (void)team;
  (void)thread_count;
  clocks_t *clocks = context;
  if (thread_index < WORKERS_MAX &&
      pthread_getcpuclockid(pthread_self(), &clocks->ids[thread_index]) == 0)
    atomic_fetch_add(&clocks->found, 1);
}

/* CPU time of threads 1 .. count - 1 (the workers), in nanoseconds. */
static long long workers_cpu_ns(const clocks_t *clocks, size_t count) {
  long long total = 0;
  for (size_t i = 1; i < count; i++) {
    struct timespec now;
    CHECK(clock_gettime(clocks->ids[i], &now) == 0);
    total += (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
  }
  return total;
}

static void small_task(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)thread_index;
  atomic_fetch_add((atomic_size_t *)context, start + extent);
}

/* Runs one call with the flags, then measures the workers' CPU time in
 * the next WINDOW_MS. */
static long long idle_cost_after_call(numapool_t *pool, const clocks_t *clocks, uint32_t flags) {
  size_t threads = numapool_get_thread_count(pool);
  atomic_size_t sum = 0;
  CHECK_EQ(numapool_parallel_for_1d(pool, 1000, 1, small_task, &sum, flags), 0);
  long long before = workers_cpu_ns(clocks, threads);
  usleep(WINDOW_MS * 1000);
  long long after = workers_cpu_ns(clocks, threads);
  return after - before;
}

static unsigned check_pool(const numapool_options_t *options, const char *name) {
  numapool_t *pool = numapool_create(options);
  CHECK(pool != NULL);
  size_t threads = numapool_get_thread_count(pool);
  CHECK(threads >= 2);
  CHECK(threads <= WORKERS_MAX);
  clocks_t clocks;
  memset(&clocks, 0, sizeof(clocks));
  CHECK_EQ(numapool_team_run(pool, record_clock, &clocks, 0), 0);
  CHECK_UEQ(atomic_load(&clocks.found), threads);

  const uint32_t flag_cases[] = {0, NUMAPOOL_FLAG_YIELD_WORKERS};
  unsigned passed = 0;
  for (size_t f = 0; f < 2; f++) {
    for (int repeat = 0; repeat < 3; repeat++) {
      long long cost = idle_cost_after_call(pool, &clocks, flag_cases[f]);
      printf("%s, flags 0x%x: workers used %.3f ms of CPU in the %d ms after a call\n", name,
             flag_cases[f], (double)cost / 1e6, WINDOW_MS);
      if (cost >= BOUND_NS) {
        fprintf(stderr, "%s: idle workers used %lld ns of CPU, bound %lld ns\n", name, cost,
                BOUND_NS);
        CHECK(cost < BOUND_NS);
      }
      passed++;
    }
  }

  /* Long idle: asleep workers cost nothing measurable. */
  long long before = workers_cpu_ns(&clocks, threads);
  usleep(WINDOW_MS * 1000);
  long long asleep = workers_cpu_ns(&clocks, threads) - before;
  CHECK(asleep < BOUND_NS / 5);
  numapool_destroy(pool);
  return passed + 1;
}

/* NUMAPOOL_FLAG_YIELD_WORKERS with a long spin time: after a team call,
 * where every worker takes part, the workers sleep at once. */
static void yield_task(void *context, numapool_team_t *team, size_t thread_index,
                       size_t thread_count) {
  (void)context;
  (void)team;
  (void)thread_index;
  (void)thread_count;
}

static unsigned check_yield_after_team_call(void) {
  numapool_options_t options = {.thread_count = 3, .spin_us = 20000};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  clocks_t clocks;
  memset(&clocks, 0, sizeof(clocks));
  CHECK_EQ(numapool_team_run(pool, record_clock, &clocks, 0), 0);
  CHECK_UEQ(atomic_load(&clocks.found), 3);

  /* NOTE: after a parallel-for with the flag, a worker that did not join
   * the call (it woke after the work was claimed) still spins for the
   * whole spin time, so only team calls are checked here. */
  for (int repeat = 0; repeat < 3; repeat++) {
    CHECK_EQ(numapool_team_run(pool, yield_task, NULL, NUMAPOOL_FLAG_YIELD_WORKERS), 0);
    long long before = workers_cpu_ns(&clocks, 3);
    usleep(WINDOW_MS * 1000);
    long long cost = workers_cpu_ns(&clocks, 3) - before;
    printf("20 ms spin, team call with NUMAPOOL_FLAG_YIELD_WORKERS: workers used %.3f ms\n",
           (double)cost / 1e6);
    CHECK(cost < BOUND_NS);
  }
  numapool_destroy(pool);
  return 1;
}

int main(void) {
  unsigned passed = 0;
  numapool_options_t defaults = {.thread_count = 3};
  passed += check_pool(&defaults, "default spin");
  numapool_options_t no_spin = {.thread_count = 3, .spin_us = NUMAPOOL_SPIN_NONE};
  passed += check_pool(&no_spin, "no spin");
  passed += check_yield_after_team_call();
  return check_done("reliability_idle", passed);
}
