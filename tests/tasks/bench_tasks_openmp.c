/* OpenMP peer of the task benchmark: explicit tasks created by one thread
 * of a parallel region, and taskwait. */
#include <stdlib.h>

#include <omp.h>

#include "bench_tasks.h"

static void empty(void) {}

static uint64_t fib_openmp(unsigned n, unsigned cutoff) {
  if (n < 2 || n <= cutoff)
    return bench_fib_serial(n);
  uint64_t left = 0;
#pragma omp task shared(left)
  left = fib_openmp(n - 1, cutoff);
  uint64_t right = fib_openmp(n - 2, cutoff);
#pragma omp taskwait
  return left + right;
}

double bench_spawn_openmp(size_t threads, size_t count, size_t repetitions) {
  double *samples = calloc(repetitions, sizeof(double));
  if (samples == NULL)
    return -1.0;
  for (size_t r = 0; r < repetitions; r++) {
    double start = bench_now();
#pragma omp parallel num_threads((int)threads)
#pragma omp single
    {
      for (size_t i = 0; i < count; i++) {
#pragma omp task
        empty();
      }
#pragma omp taskwait
    }
    samples[r] = bench_now() - start;
  }
  double median = bench_median(samples, repetitions);
  free(samples);
  return median;
}

double bench_fib_openmp(size_t threads, unsigned n, unsigned cutoff, size_t repetitions,
                        uint64_t *result) {
  double *samples = calloc(repetitions, sizeof(double));
  if (samples == NULL)
    return -1.0;
  for (size_t r = 0; r < repetitions; r++) {
    double start = bench_now();
#pragma omp parallel num_threads((int)threads)
#pragma omp single
    *result = fib_openmp(n, cutoff);
    samples[r] = bench_now() - start;
  }
  double median = bench_median(samples, repetitions);
  free(samples);
  return median;
}
