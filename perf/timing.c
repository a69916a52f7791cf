/* Clocks, statistics, calibrated spinning, progress lines and the child
 * processes that run peer runtimes. */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "perf.h"

/* A child that runs longer than this is killed: a peer that hangs must
 * not hang the driver. */
#define CHILD_LIMIT_S 300

double perf_now(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

perf_stats_t perf_stats_compute(const double *samples, size_t count) {
  perf_stats_t stats = {NAN, NAN, NAN, NAN, count};
  if (count == 0)
    return stats;
  double *sorted = malloc(count * sizeof *sorted);
  if (sorted == NULL)
    return stats;
  memcpy(sorted, samples, count * sizeof *sorted);
  qsort(sorted, count, sizeof *sorted, compare_doubles);

  stats.min_s = sorted[0];
  stats.max_s = sorted[count - 1];
  stats.median_s = count % 2 == 1 ? sorted[count / 2]
                                  : 0.5 * (sorted[count / 2 - 1] + sorted[count / 2]);
  stats.spread = stats.median_s > 0 ? (stats.max_s - stats.min_s) / stats.median_s : NAN;
  free(sorted);
  return stats;
}

void perf_spin(uint64_t iterations) {
  for (uint64_t i = 0; i < iterations; i++)
    __asm__ volatile("" ::: "memory");
}

double perf_spin_rate(void) {
  static double rate;
  if (rate > 0)
    return rate;

  /* The best of several tries, so a preempted try does not count. */
  const uint64_t iterations = 2000000;
  double best = INFINITY;
  for (int attempt = 0; attempt < 7; attempt++) {
    double start = perf_now();
    perf_spin(iterations);
    double elapsed = perf_now() - start;
    if (elapsed < best)
      best = elapsed;
  }
  rate = (double)iterations / (best * 1e9);
  return rate;
}

void perf_progress(const char *format, ...) {
  va_list args;
  fprintf(stderr, "numapool-perf: ");
  va_start(args, format);
  vfprintf(stderr, format, args);
  va_end(args);
  fputc('\n', stderr);
}

/* Writes all of buffer to fd. Returns 0 or -1. */
static int write_all(int fd, const void *buffer, size_t size) {
  const char *bytes = buffer;
  while (size > 0) {
    ssize_t written = write(fd, bytes, size);
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      return -1;
    bytes += written;
    size -= (size_t)written;
  }
  return 0;
}

/* Reads exactly size bytes. Returns 0 or -1 at end of file or error. */
static int read_all(int fd, void *buffer, size_t size) {
  char *bytes = buffer;
  while (size > 0) {
    ssize_t got = read(fd, bytes, size);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return -1;
    bytes += got;
    size -= (size_t)got;
  }
  return 0;
}

/* The child's side: measure, then send status, error text and samples. */
static void run_child(int fd, perf_measure_t measure, void *context, size_t count) {
  /* Without the death signal the alarm still ends an orphaned child. */
  (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
  alarm(CHILD_LIMIT_S);
  double *samples = calloc(count, sizeof *samples);
  char error[PERF_TEXT] = "";
  int status = samples == NULL ? -1 : measure(context, samples, count, error, sizeof error);
  if (samples == NULL)
    snprintf(error, sizeof error, "out of memory in the child process");

  int ok = write_all(fd, &status, sizeof status) == 0 &&
           write_all(fd, error, sizeof error) == 0 &&
           (status != 0 || write_all(fd, samples, count * sizeof *samples) == 0);
  _exit(ok ? 0 : 1);
}

int perf_run_isolated(perf_measure_t measure, void *context, double *samples, size_t count,
                      char *error, size_t error_size) {
  int fds[2];
  if (pipe(fds) != 0) {
    snprintf(error, error_size, "pipe failed: %s", strerror(errno));
    return -1;
  }
  fflush(NULL);
  pid_t child = fork();
  if (child < 0) {
    snprintf(error, error_size, "fork failed: %s", strerror(errno));
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (child == 0) {
    close(fds[0]);
    run_child(fds[1], measure, context, count);
  }
  close(fds[1]);

  int status = -1;
  char child_error[PERF_TEXT];
  bool received = read_all(fds[0], &status, sizeof status) == 0 &&
                  read_all(fds[0], child_error, sizeof child_error) == 0 &&
                  (status != 0 || read_all(fds[0], samples, count * sizeof *samples) == 0);
  close(fds[0]);
  int wait_status;
  while (waitpid(child, &wait_status, 0) < 0 && errno == EINTR)
    continue;

  if (!received) {
    if (WIFSIGNALED(wait_status))
      snprintf(error, error_size, "the child process died from signal %d (%s)",
               WTERMSIG(wait_status), strsignal(WTERMSIG(wait_status)));
    else
      snprintf(error, error_size, "the child process sent no result");
    return -1;
  }
  if (status != 0) {
    child_error[sizeof child_error - 1] = '\0';
    snprintf(error, error_size, "%s", child_error);
    return -1;
  }
  return 0;
}

void *perf_find_symbol(const char *name) {
  return dlsym(RTLD_DEFAULT, name);
}

numapool_counters_t *perf_counters_create(const perf_options_t *options, numapool_t *pool) {
  if (options->event_count == 0)
    return NULL;
  numapool_counters_t *counters =
      numapool_counters_create(pool, options->events, options->event_count);
  if (counters == NULL)
    perf_progress("counters could not be created (%s); timing goes on without them",
                  strerror(errno));
  return counters;
}

int perf_time_numapool(const perf_options_t *options, numapool_t *pool, perf_call_t call,
                       void *context, size_t warmup, double *samples, size_t count,
                       perf_result_t *result) {
  numapool_counters_t *counters = perf_counters_create(options, pool);
  int status = 0;
  for (size_t r = 0; r < warmup && status == 0; r++)
    status = call(context, pool);

  int started = counters != NULL ? numapool_counters_start(counters) : NUMAPOOL_ENOTSUP;
  for (size_t r = 0; r < count && status == 0; r++) {
    double start = perf_now();
    status = call(context, pool);
    samples[r] = perf_now() - start;
  }
  if (started == 0)
    numapool_counters_stop(counters);

  if (status == 0 && counters != NULL)
    perf_result_counters(result, counters);
  numapool_counters_destroy(counters);
  return status;
}
