/* GNU OpenMP running the fork-join workloads: `parallel for` with a static
 * schedule for the empty and throughput workloads and a dynamic one where
 * items differ in cost or threads lose their CPUs. Built with -fopenmp. */
#include <omp.h>
#include <stdio.h>

#include "forkjoin_work.h"
#include "peers.h"

static void run_openmp(void *state) {
  const forkjoin_work_t *work = state;
  long range = (long)forkjoin_range(work);
  int threads = (int)work->threads;

  switch (work->kind) {
  case FORKJOIN_THROUGHPUT: {
    const float *x = work->x;
    float *y = work->y;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (long i = 0; i < range; i++)
      y[i] = 1.5f * x[i] + 0.5f;
    break;
  }
  case FORKJOIN_TRIANGULAR:
  case FORKJOIN_OVERSUBSCRIBED:
#pragma omp parallel for num_threads(threads) schedule(dynamic)
    for (long i = 0; i < range; i++)
      forkjoin_items(work, (size_t)i, 1);
    break;
  default:
#pragma omp parallel for num_threads(threads) schedule(static)
    for (long i = 0; i < range; i++)
      forkjoin_items(work, (size_t)i, 1);
    break;
  }
}

int forkjoin_openmp(const forkjoin_work_t *work, double *samples, size_t count, char *error,
                    size_t error_size) {
  if (work->threads > (size_t)omp_get_thread_limit()) {
    snprintf(error, error_size, "OpenMP allows at most %d threads", omp_get_thread_limit());
    return -1;
  }
  forkjoin_time(work, run_openmp, (void *)work, samples, count);
  return 0;
}

int eltwise_openmp(int op, size_t threads, size_t elements, const float *x, float *y,
                   size_t warmup, double *samples, size_t count, char *error,
                   size_t error_size) {
  (void)error, (void)error_size;
  long n = (long)elements;
  for (size_t r = 0; r < warmup + count; r++) {
    double start = forkjoin_now();
    if (op == 0) {
#pragma omp parallel for num_threads((int)threads) schedule(static)
      for (long i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : 0;
    } else {
#pragma omp parallel for num_threads((int)threads) schedule(static)
      for (long i = 0; i < n; i++)
        y[i] += 0.5f * x[i];
    }
    if (r >= warmup)
      samples[r - warmup] = forkjoin_now() - start;
  }
  return 0;
}
