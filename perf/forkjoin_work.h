/* The fork-join workloads, shared by numapool's side and the peers' (C and
 * C++), so that every runtime runs the same item bodies. */
#ifndef NUMAPOOL_PERF_FORKJOIN_WORK_H
#define NUMAPOOL_PERF_FORKJOIN_WORK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum forkjoin_kind {
  FORKJOIN_EMPTY,          /* empty parallel-for, range = thread count */
  FORKJOIN_THROUGHPUT,     /* y[i] = 1.5 x[i] + 0.5 over 1<<20 floats */
  FORKJOIN_TRIANGULAR,     /* item i spins i units */
  FORKJOIN_OVERSUBSCRIBED, /* items of a fixed cost, next to busy processes */
  FORKJOIN_WAKE            /* one empty call after an idle pause */
} forkjoin_kind_t;

typedef struct forkjoin_work {
  forkjoin_kind_t kind;
  size_t threads;
  size_t items;
  size_t tile;          /* throughput: items per task in tiled calls */
  size_t calls;         /* empty: calls timed together in one sample */
  uint64_t spin;        /* triangular: iterations per unit; oversubscribed: per item */
  double idle_s;        /* wake: pause before the timed call */
  size_t warmup;
  const float *x;       /* throughput input and output, items long */
  float *y;
} forkjoin_work_t;

/* Spins n iterations of a loop that the compiler keeps. */
static inline void forkjoin_spin(uint64_t n) {
  for (uint64_t i = 0; i < n; i++)
    __asm__ volatile("" ::: "memory");
}

/* Runs items [start, start + count) of the workload. */
static inline void forkjoin_items(const forkjoin_work_t *work, size_t start, size_t count) {
  switch (work->kind) {
  case FORKJOIN_THROUGHPUT:
    for (size_t i = start; i < start + count; i++)
      work->y[i] = 1.5f * work->x[i] + 0.5f;
    break;
  case FORKJOIN_TRIANGULAR:
    for (size_t i = start; i < start + count; i++)
      forkjoin_spin(i * work->spin);
    break;
  case FORKJOIN_OVERSUBSCRIBED:
    for (size_t i = start; i < start + count; i++)
      forkjoin_spin(work->spin);
    break;
  default:
    /* Empty items: only keep the call from being optimized away. */
    __asm__ volatile("" : : "r"(start) : "memory");
    break;
  }
}

static inline double forkjoin_now(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static inline void forkjoin_sleep(double seconds) {
  struct timespec pause;
  pause.tv_sec = (time_t)seconds;
  pause.tv_nsec = (long)((seconds - (double)pause.tv_sec) * 1e9);
  while (nanosleep(&pause, &pause) != 0)
    continue;
}

/* Range of one parallel call of the workload: the items, or the thread
 * count for the empty and wake workloads. */
static inline size_t forkjoin_range(const forkjoin_work_t *work) {
  return work->kind == FORKJOIN_EMPTY || work->kind == FORKJOIN_WAKE ? work->threads
                                                                      : work->items;
}

/*
 * Times a runtime: run(state) makes one parallel call of the workload.
 * Writes count samples in seconds: per call for the empty workload, for
 * one call after work->idle_s of sleep for the wake workload, per call for
 * the others. The first work->warmup repetitions are not kept.
 */
static inline void forkjoin_time(const forkjoin_work_t *work, void (*run)(void *), void *state,
                                 double *samples, size_t count) {
  size_t calls = work->kind == FORKJOIN_EMPTY && work->calls > 0 ? work->calls : 1;
  for (size_t r = 0; r < work->warmup + count; r++) {
    if (work->kind == FORKJOIN_WAKE)
      forkjoin_sleep(work->idle_s);
    double start = forkjoin_now();
    for (size_t c = 0; c < calls; c++)
      run(state);
    double elapsed = forkjoin_now() - start;
    if (r >= work->warmup)
      samples[r - work->warmup] = elapsed / (double)calls;
  }
}

/* The peers, each in its own file; each returns 0 or -1 with a reason. */
int forkjoin_openmp(const forkjoin_work_t *work, double *samples, size_t count, char *error,
                    size_t error_size);
int forkjoin_tbb(const forkjoin_work_t *work, double *samples, size_t count, char *error,
                 size_t error_size);
/* Loads library (a libpthreadpool.so.0) in its own link namespace. */
int forkjoin_pthreadpool(const char *library, const forkjoin_work_t *work, double *samples,
                         size_t count, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif /* NUMAPOOL_PERF_FORKJOIN_WORK_H */
