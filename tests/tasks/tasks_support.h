/* Shared pieces of the task group tests: problem sizes scaled down under
 * sanitizers, and recursive fork-join kernels. */
#ifndef NUMAPOOL_TESTS_TASKS_SUPPORT_H
#define NUMAPOOL_TESTS_TASKS_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include <numapool/tasks.h>

/* Problem sizes are divided by this under sanitizers, which slow tiny
 * tasks down by 10 to 50 times. NUMAPOOL_TEST_SCALE_DIV overrides it. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define TASKS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define TASKS_SANITIZED 1
#endif
#endif
#ifndef TASKS_SANITIZED
#define TASKS_SANITIZED 0
#endif

/* Returns `size` divided by the sanitizer scale, at least `minimum`. */
size_t tasks_scaled(size_t size, size_t minimum);

/* Fibonacci by fork-join: each call below the cut-off runs serially, each
 * call above it submits fib(n - 1) to a group of its own, computes
 * fib(n - 2) itself and waits. */
uint64_t tasks_fib(numapool_t *pool, unsigned n, unsigned cutoff);
uint64_t tasks_fib_serial(unsigned n);

/* Sorts by parallel quicksort: partitions below `cutoff` elements are
 * sorted with qsort. */
void tasks_quicksort(numapool_t *pool, int *values, size_t count, size_t cutoff);

#endif /* NUMAPOOL_TESTS_TASKS_SUPPORT_H */
