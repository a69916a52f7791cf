/* The task benchmark's peers, each in its own file so that C++ and
 * -fopenmp stay out of the numapool code. Each returns the median time in
 * seconds of `repetitions` runs, or a negative value when it failed. */
#ifndef NUMAPOOL_TESTS_BENCH_TASKS_H
#define NUMAPOOL_TESTS_BENCH_TASKS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

double bench_median(double *samples, size_t count);
double bench_now(void);
uint64_t bench_fib_serial(unsigned n);

/* Spawning `count` empty tasks from one thread into one group, then
 * waiting for them. */
double bench_spawn_tbb(size_t threads, size_t count, size_t repetitions);
double bench_spawn_openmp(size_t threads, size_t count, size_t repetitions);
/* Fibonacci of n with tasks above the cut-off; *result gets the value. */
double bench_fib_tbb(size_t threads, unsigned n, unsigned cutoff, size_t repetitions,
                     uint64_t *result);
double bench_fib_openmp(size_t threads, unsigned n, unsigned cutoff, size_t repetitions,
                        uint64_t *result);

#ifdef __cplusplus
}
#endif

#endif /* NUMAPOOL_TESTS_BENCH_TASKS_H */
