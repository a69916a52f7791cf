/* Baselines of the tasks and eltwise subcommands, in the peers' own files
 * (C++ for oneTBB, -fopenmp for OpenMP). Each returns 0, or -1 with the
 * reason in error, also when the peer is not built in. */
#ifndef NUMAPOOL_PERF_PEERS_H
#define NUMAPOOL_PERF_PEERS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Times batches on oneTBB's task_group. Each batch runs `tasks` tasks of
 * `spin` iterations of forkjoin_spin(). Writes count samples, one per
 * batch, after warmup untimed batches. */
int tasks_tbb(size_t threads, size_t tasks, uint64_t spin, size_t warmup, double *samples,
              size_t count, char *error, size_t error_size);

/* Times an OpenMP `parallel for` (static schedule) over count elements:
 * op 0 is y = max(x, 0), op 1 is y += 0.5 x. */
int eltwise_openmp(int op, size_t threads, size_t elements, const float *x, float *y,
                   size_t warmup, double *samples, size_t count, char *error,
                   size_t error_size);

#ifdef __cplusplus
}
#endif

#endif /* NUMAPOOL_PERF_PEERS_H */
