/* Thread counts for pools whose tasks block. */
#include <float.h>

#include "common/log.h"
#include "tasks/scheduler.h"

int numapool_thread_count_for_blocking(size_t cpus, double utilization, double wait_ratio,
                                       size_t *count) {
  if (count == NULL) {
    NUMAPOOL_LOG_ERROR("invalid numapool_thread_count_for_blocking: count is NULL");
    return NUMAPOOL_EINVAL;
  }
  if (!(utilization > 0.0 && utilization <= 1.0)) {
    NUMAPOOL_LOG_ERROR("invalid utilization %g: expected a fraction above 0 and at most 1",
                       utilization);
    return NUMAPOOL_EINVAL;
  }
  if (!(wait_ratio >= 0.0 && wait_ratio <= DBL_MAX)) {
    NUMAPOOL_LOG_ERROR("invalid wait_ratio %g: expected wait time / compute time, a finite "
                       "value of 0 or more",
                       wait_ratio);
    return NUMAPOOL_EINVAL;
  }

  if (cpus == 0)
    cpus = numapool_default_thread_count();
  double cap = (double)cpus * NUMAPOOL_BLOCKING_THREADS_PER_CPU;
  double threads = (double)cpus * utilization * (1.0 + wait_ratio);
  if (threads > cap)
    threads = cap;
  /* Round half up; the cap keeps the value within size_t. */
  size_t rounded = (size_t)(threads + 0.5);
  *count = rounded < 1 ? 1 : rounded;
  return 0;
}
