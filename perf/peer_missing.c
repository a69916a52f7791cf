/* Stand-ins for the peers whose packages were missing at build time. */
#include <stdio.h>

#include "forkjoin_work.h"
#include "peers.h"

#ifdef PERF_NO_OPENMP
int forkjoin_openmp(const forkjoin_work_t *work, double *samples, size_t count, char *error,
                    size_t error_size) {
  (void)work, (void)samples, (void)count;
  snprintf(error, error_size, "not built: the compiler has no OpenMP");
  return -1;
}

int eltwise_openmp(int op, size_t threads, size_t elements, const float *x, float *y,
                   size_t warmup, double *samples, size_t count, char *error,
                   size_t error_size) {
  (void)op, (void)threads, (void)elements, (void)x, (void)y, (void)warmup, (void)samples,
      (void)count;
  snprintf(error, error_size, "not built: the compiler has no OpenMP");
  return -1;
}
#endif

#ifdef PERF_NO_TBB
int forkjoin_tbb(const forkjoin_work_t *work, double *samples, size_t count, char *error,
                 size_t error_size) {
  (void)work, (void)samples, (void)count;
  snprintf(error, error_size, "not built: oneTBB (libtbb-dev) was not found");
  return -1;
}

int tasks_tbb(size_t threads, size_t tasks, uint64_t spin, size_t warmup, double *samples,
              size_t count, char *error, size_t error_size) {
  (void)threads, (void)tasks, (void)spin, (void)warmup, (void)samples, (void)count;
  snprintf(error, error_size, "not built: oneTBB (libtbb-dev) was not found");
  return -1;
}
#endif

#ifdef PERF_NO_ONEDNN
#include "peer_onednn.h"

int onednn_conv_measure(const onednn_conv_shape_t *shape, double *samples, size_t count,
                        char *error, size_t error_size) {
  (void)shape, (void)samples, (void)count;
  snprintf(error, error_size, "not built: oneDNN (libdnnl-dev) was not found");
  return -1;
}
#endif
