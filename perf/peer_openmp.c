/* GNU OpenMP running the fork-join workloads: `parallel for` with a static
 * schedule for the empty and throughput workloads and a dynamic one where
 * items differ in cost or threads lose their CPUs. Built with -fopenmp. */
#include <omp.h>
#include <stdio.h>

#include "forkjoin_work.h"

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
