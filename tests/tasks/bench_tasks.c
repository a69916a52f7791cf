/* Task group timings beside oneTBB's task_group and OpenMP tasks, on 1
 * and 2 threads: spawning and waiting on many empty tasks, and recursive
 * Fibonacci with a cut-off. Also the empty parallel-for on 2 threads
 * before and after the pool has task queues, to show what the worker
 * idle loop's task check costs. Not a test: it asserts nothing.
 *
 *   bench_tasks [tasks [repetitions]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <numapool/numapool.h>
#include <numapool/tasks.h>

#include "bench_tasks.h"

#define FIB_N 30
#define FIB_CUTOFF 10
#define MAX_REPETITIONS 101

double bench_now(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a;
  double y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_median(double *samples, size_t count) {
  qsort(samples, count, sizeof(double), compare_doubles);
  return samples[count / 2];
}

uint64_t bench_fib_serial(unsigned n) {
  return n < 2 ? n : bench_fib_serial(n - 1) + bench_fib_serial(n - 2);
}

/* Lets the idle threads of the runtime measured before go to sleep (GNU
 * OpenMP and oneTBB spin for a while after their work), so they do not
 * take the CPUs from the next one. */
static void settle(void) {
  struct timespec pause = {.tv_sec = 0, .tv_nsec = 300 * 1000 * 1000};
  nanosleep(&pause, NULL);
}

static void empty_task(void *context) { (void)context; }

static double spawn_numapool(numapool_t *pool, size_t count, size_t repetitions) {
  double samples[MAX_REPETITIONS];
  for (size_t r = 0; r < repetitions; r++) {
    double start = bench_now();
    numapool_group_t group;
    if (numapool_group_init(&group, pool) != 0)
      return -1.0;
    for (size_t i = 0; i < count; i++)
      if (numapool_group_submit(&group, empty_task, NULL, NULL) != 0)
        return -1.0;
    if (numapool_group_destroy(&group) != 0)
      return -1.0;
    samples[r] = bench_now() - start;
  }
  return bench_median(samples, repetitions);
}

typedef struct fib_call {
  numapool_t *pool;
  unsigned n;
  uint64_t result;
} fib_call_t;

static uint64_t fib_numapool(numapool_t *pool, unsigned n);

static void fib_task(void *context) {
  fib_call_t *call = context;
  call->result = fib_numapool(call->pool, call->n);
}

static uint64_t fib_numapool(numapool_t *pool, unsigned n) {
  if (n < 2 || n <= FIB_CUTOFF)
    return bench_fib_serial(n);
  numapool_group_t group;
  fib_call_t child = {.pool = pool, .n = n - 1};
  if (numapool_group_init(&group, pool) != 0 ||
      numapool_group_submit(&group, fib_task, &child, NULL) != 0)
    abort();
  uint64_t right = fib_numapool(pool, n - 2);
  if (numapool_group_destroy(&group) != 0)
    abort();
  return child.result + right;
}

static double fib_time(numapool_t *pool, size_t repetitions, uint64_t *result) {
  double samples[MAX_REPETITIONS];
  for (size_t r = 0; r < repetitions; r++) {
    double start = bench_now();
    *result = fib_numapool(pool, FIB_N);
    samples[r] = bench_now() - start;
  }
  return bench_median(samples, repetitions);
}

static void empty_items(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)context;
  (void)thread_index;
  (void)start;
  (void)extent;
}

/* Time per call of an empty 2-item parallel-for over one round of calls,
 * in nanoseconds. */
static double empty_call_ns(numapool_t *pool) {
  enum { CALLS = 20000 };
  double start = bench_now();
  for (size_t i = 0; i < CALLS; i++)
    numapool_parallel_for_1d(pool, 2, 1, empty_items, NULL, 0);
  return (bench_now() - start) / CALLS * 1e9;
}

/* The empty parallel-for on two 2-thread pools, one without task queues
 * and one with them, in alternating rounds so that both see the same
 * machine load. Runs first, before any peer runtime has threads. */
static int compare_call_latency(void) {
  enum { ROUNDS = 21 };
  numapool_options_t options = {.thread_count = 2};
  numapool_t *plain = numapool_create(&options);
  numapool_t *with_tasks = numapool_create(&options);
  numapool_group_t group;
  if (plain == NULL || with_tasks == NULL || numapool_group_init(&group, with_tasks) != 0)
    return 1;

  double before[ROUNDS];
  double after[ROUNDS];
  for (size_t r = 0; r < ROUNDS; r++) {
    before[r] = empty_call_ns(plain);
    after[r] = empty_call_ns(with_tasks);
  }
  printf("empty parallel-for, 2 threads, median of %d rounds: %.0f ns without task queues, "
         "%.0f ns with them\n",
         ROUNDS, bench_median(before, ROUNDS), bench_median(after, ROUNDS));
  numapool_group_destroy(&group);
  numapool_destroy(with_tasks);
  numapool_destroy(plain);
  return 0;
}

static void print_row(const char *name, size_t threads, double numapool, double tbb,
                      double openmp) {
  printf("%-22s %7zu %12.3f %12.3f %12.3f %10.2f %10.2f\n", name, threads, numapool * 1e3,
         tbb * 1e3, openmp * 1e3, tbb / numapool, openmp / numapool);
}

int main(int argc, char **argv) {
  size_t count = argc > 1 ? (size_t)atol(argv[1]) : 1000000;
  size_t repetitions = argc > 2 ? (size_t)atol(argv[2]) : 11;
  if (count == 0 || repetitions == 0 || repetitions > MAX_REPETITIONS) {
    fprintf(stderr, "usage: bench_tasks [tasks [repetitions, 1 to %d]]\n", MAX_REPETITIONS);
    return 2;
  }

  /* The idle loop checks for tasks only once the pool has a group. */
  if (compare_call_latency() != 0)
    return 1;

  printf("%-22s %7s %12s %12s %12s %10s %10s\n", "benchmark (median ms)", "threads",
         "numapool", "oneTBB", "OpenMP", "TBB/np", "OMP/np");
  for (size_t threads = 1; threads <= 2; threads++) {
    numapool_options_t options = {.thread_count = threads};
    numapool_t *pool = numapool_create(&options);
    if (pool == NULL)
      return 1;
    char name[64];
    snprintf(name, sizeof name, "spawn %zu empty", count);
    settle();
    double spawn_ours = spawn_numapool(pool, count, repetitions);
    settle();
    double spawn_tbb = bench_spawn_tbb(threads, count, repetitions);
    settle();
    double spawn_openmp = bench_spawn_openmp(threads, count, repetitions);
    print_row(name, threads, spawn_ours, spawn_tbb, spawn_openmp);

    uint64_t ours = 0, tbb = 0, openmp = 0;
    settle();
    double time_ours = fib_time(pool, repetitions, &ours);
    settle();
    double time_tbb = bench_fib_tbb(threads, FIB_N, FIB_CUTOFF, repetitions, &tbb);
    settle();
    double time_openmp = bench_fib_openmp(threads, FIB_N, FIB_CUTOFF, repetitions, &openmp);
    snprintf(name, sizeof name, "fib(%d) cut-off %d", FIB_N, FIB_CUTOFF);
    print_row(name, threads, time_ours, time_tbb, time_openmp);
    if (ours != tbb || ours != openmp)
      printf("note: results differ: numapool %llu, oneTBB %llu, OpenMP %llu\n",
             (unsigned long long)ours, (unsigned long long)tbb, (unsigned long long)openmp);
    numapool_destroy(pool);
  }

  return 0;
}
