/* numapool-perf forkjoin: numapool's parallel-for next to Debian's
 * pthreadpool, GNU OpenMP and oneTBB on the same fork-join workloads.
 * numapool runs in this process with counters; each peer runs in a child
 * process, so its threads never compete with numapool's. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forkjoin_work.h"
#include "perf.h"

#ifndef PERF_DEBIAN_PTHREADPOOL
#define PERF_DEBIAN_PTHREADPOOL "libpthreadpool.so.0"
#endif
#ifndef PERF_COMPAT_PTHREADPOOL
#define PERF_COMPAT_PTHREADPOOL ""
#endif
#ifndef PERF_COMPAT_INSTALLED
#define PERF_COMPAT_INSTALLED "../lib/numapool/libpthreadpool.so.0"
#endif

#define WORKLOAD_COUNT 5
static const char *const workload_names[WORKLOAD_COUNT] = {"empty", "throughput", "triangular",
                                                           "oversubscribed", "wake"};
/* Default repetitions and warm-up per workload, sized so that the whole
 * subcommand takes about 30 s on 2 threads. */
static const int default_repetitions[WORKLOAD_COUNT] = {11, 21, 7, 11, 5};
static const int default_warmup[WORKLOAD_COUNT] = {1, 3, 1, 2, 1};

#define THROUGHPUT_ITEMS (1u << 20)
#define THROUGHPUT_TILE 4096u
#define EMPTY_CALLS 2000u
#define TRIANGULAR_ITEMS 10000u
#define OVERSUBSCRIBED_ITEMS 10000u
#define OVERSUBSCRIBED_ITEM_NS 300.0
#define WAKE_IDLE_S 0.4

static const char *const peer_names[] = {"pthreadpool", "openmp", "tbb"};
#define PEER_COUNT 3

/* A peer measurement handed to the child process. */
typedef struct peer_run {
  const char *peer;
  const char *library; /* pthreadpool peers: the library to load */
  forkjoin_work_t work;
} peer_run_t;

static int measure_peer(void *context, double *samples, size_t count, char *error,
                        size_t error_size) {
  const peer_run_t *run = context;
  if (strcmp(run->peer, "openmp") == 0)
    return forkjoin_openmp(&run->work, samples, count, error, error_size);
  if (strcmp(run->peer, "tbb") == 0)
    return forkjoin_tbb(&run->work, samples, count, error, error_size);
  return forkjoin_pthreadpool(run->library, &run->work, samples, count, error, error_size);
}

typedef struct numapool_run {
  numapool_t *pool;
  const forkjoin_work_t *work;
} numapool_run_t;

static void numapool_task(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)thread_index;
  forkjoin_items(context, start, extent);
}

/* The throughput workload uses a tiled 1-D call (THROUGHPUT_TILE items per
 * task), the others one item per task. */
static void run_numapool(void *state) {
  const numapool_run_t *run = state;
  size_t tile = run->work->kind == FORKJOIN_THROUGHPUT ? run->work->tile : 1;
  numapool_parallel_for_1d(run->pool, forkjoin_range(run->work), tile, numapool_task,
                           (void *)run->work, 0);
}

/* Times numapool in this process, counting events over the timed
 * repetitions only. Returns 0 or -1 when the pool cannot be created. */
static int measure_numapool(const perf_options_t *options, const forkjoin_work_t *work,
                            double *samples, size_t count, perf_result_t *result) {
  numapool_t *pool = perf_pool_create(options, work->threads);
  if (pool == NULL)
    return -1;
  numapool_run_t run = {pool, work};
  numapool_counters_t *counters = result != NULL ? perf_counters_create(options, pool) : NULL;

  forkjoin_work_t warm = *work;
  warm.warmup = 0;
  double *scratch = calloc(work->warmup + 1, sizeof *scratch);
  if (scratch != NULL && work->warmup > 0)
    forkjoin_time(&warm, run_numapool, &run, scratch, work->warmup);
  free(scratch);

  int started = counters != NULL ? numapool_counters_start(counters) : NUMAPOOL_ENOTSUP;
  forkjoin_time(&warm, run_numapool, &run, samples, count);
  if (started == 0)
    numapool_counters_stop(counters);
  if (counters != NULL)
    perf_result_counters(result, counters);

  numapool_counters_destroy(counters);
  numapool_destroy(pool);
  return 0;
}

/* Starts one busy process pinned on each CPU of the affinity mask. They
 * stop by themselves after limit_s, and when this process dies. Returns
 * how many were started. */
static size_t busy_start(pid_t *pids, size_t max, double limit_s) {
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof mask, &mask) != 0)
    return 0;
  size_t count = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && count < max; cpu++) {
    if (!CPU_ISSET(cpu, &mask))
      continue;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
      perror("numapool-perf: fork of a busy process failed");
      break;
    }
    if (pid == 0) {
      /* Both calls only narrow what the process does: without the death
       * signal it still stops at limit_s, and unpinned it still spins. */
      (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      (void)sched_setaffinity(0, sizeof one, &one);
      double end = forkjoin_now() + limit_s;
      while (forkjoin_now() < end)
        forkjoin_spin(100000);
      _exit(0);
    }
    pids[count++] = pid;
  }
  return count;
}

static void busy_stop(const pid_t *pids, size_t count) {
  for (size_t i = 0; i < count; i++)
    kill(pids[i], SIGKILL);
  for (size_t i = 0; i < count; i++)
    while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
      continue;
}

/* Fills the workload for a kind and thread count from the options. */
static forkjoin_work_t make_work(const perf_options_t *options, int kind, size_t threads,
                                 const float *x, float *y, size_t *count) {
  forkjoin_work_t work = {.kind = (forkjoin_kind_t)kind, .threads = threads};
  work.warmup = (size_t)(options->warmup >= 0 ? options->warmup : default_warmup[kind]);
  *count = (size_t)(options->repetitions > 0 ? options->repetitions : default_repetitions[kind]);
  work.calls = EMPTY_CALLS;
  work.tile = THROUGHPUT_TILE;
  work.idle_s = WAKE_IDLE_S;
  work.x = x;
  work.y = y;
  if (kind == FORKJOIN_THROUGHPUT)
    work.items = THROUGHPUT_ITEMS;
  if (kind == FORKJOIN_TRIANGULAR) {
    work.items = TRIANGULAR_ITEMS;
    work.spin = 1;
  }
  if (kind == FORKJOIN_OVERSUBSCRIBED) {
    work.items = OVERSUBSCRIBED_ITEMS;
    work.spin = (uint64_t)(OVERSUBSCRIBED_ITEM_NS * perf_spin_rate() + 0.5);
  }
  return work;
}

static void describe(perf_result_t *result, const forkjoin_work_t *work, const char *api) {
  perf_result_param(result, "api", "%s", api);
  /* The empty and wake ranges follow the thread count; a fixed "threads"
   * keeps a thread sweep in one series. */
  if (work->kind == FORKJOIN_EMPTY || work->kind == FORKJOIN_WAKE)
    perf_result_param(result, "range", "threads");
  else
    perf_result_param_number(result, "range", (double)forkjoin_range(work));
  if (work->kind == FORKJOIN_EMPTY) {
    perf_result_param_number(result, "calls_per_sample", (double)work->calls);
    snprintf(result->note, sizeof result->note, "time per call");
  }
  if (work->kind == FORKJOIN_THROUGHPUT) {
    perf_result_param_number(result, "tile", (double)work->tile);
    snprintf(result->note, sizeof result->note,
             "numapool and pthreadpool use a tiled 1-D call (tile %zu); OpenMP a static "
             "parallel for; oneTBB a blocked_range",
             work->tile);
    result->gbps = 8.0 * (double)work->items / result->stats.median_s * 1e-9;
  }
  if (work->kind == FORKJOIN_TRIANGULAR)
    snprintf(result->note, sizeof result->note,
             "item i spins i iterations; OpenMP uses schedule(dynamic)");
  if (work->kind == FORKJOIN_OVERSUBSCRIBED) {
    perf_result_param_number(result, "item_ns", OVERSUBSCRIBED_ITEM_NS);
    snprintf(result->note, sizeof result->note,
             "one busy process pinned on each CPU; ratio_to_one_thread = median on %zu "
             "threads / median on 1 thread",
             work->threads);
  }
  if (work->kind == FORKJOIN_WAKE) {
    perf_result_param_number(result, "idle_s", work->idle_s);
    snprintf(result->note, sizeof result->note, "one empty call after %.0f ms of sleep",
             work->idle_s * 1e3);
  }
}

/* Measures one peer at work's thread count, and at one thread for the
 * oversubscribed workload. */
static void add_peer(const perf_options_t *options, perf_result_t *result, const char *name,
                     const char *library, const forkjoin_work_t *work, size_t count) {
  perf_peer_result_t *peer = perf_result_peer(result, name);
  double *samples = calloc(count, sizeof *samples);
  if (peer == NULL || samples == NULL) {
    free(samples);
    return;
  }
  (void)options;
  peer_run_t run = {name, library, *work};
  if (perf_run_isolated(measure_peer, &run, samples, count, peer->error, sizeof peer->error) ==
      0)
    perf_peer_set(peer, samples, count);

  if (peer->ok && work->kind == FORKJOIN_OVERSUBSCRIBED) {
    run.work.threads = 1;
    char key[64], error[PERF_TEXT];
    if (perf_run_isolated(measure_peer, &run, samples, count, error, sizeof error) == 0) {
      snprintf(key, sizeof key, "%s_ratio_to_one_thread", name);
      perf_result_extra(result, key,
                        peer->median_s / perf_stats_compute(samples, count).median_s);
    }
  }
  free(samples);
}

/* Finds numapool's libpthreadpool: in the build tree the driver was built
 * in, else installed relative to the driver. Returns NULL when neither
 * exists. */
static const char *compat_library(void) {
  static char path[PATH_MAX + 64];
  if (PERF_COMPAT_PTHREADPOOL[0] != '\0' && access(PERF_COMPAT_PTHREADPOOL, R_OK) == 0)
    return PERF_COMPAT_PTHREADPOOL;
  char self[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  if (length <= 0)
    return NULL;
  self[length] = '\0';
  char *slash = strrchr(self, '/');
  if (slash != NULL)
    *slash = '\0';
  snprintf(path, sizeof path, "%s/%s", self, PERF_COMPAT_INSTALLED);
  return access(path, R_OK) == 0 ? path : NULL;
}

/* numapool's side of one result: in this process for the native API, in
 * a child process through the drop-in library for --api pthreadpool. */
static int add_subject(const perf_options_t *options, perf_result_t *result,
                       const forkjoin_work_t *work, double *samples, size_t count) {
  if (strcmp(options->api, "native") == 0)
    return measure_numapool(options, work, samples, count, result);

  const char *library = compat_library();
  peer_run_t run = {"numapool-pthreadpool", library, *work};
  char error[PERF_TEXT];
  if (library == NULL ||
      perf_run_isolated(measure_peer, &run, samples, count, error, sizeof error) != 0) {
    fprintf(stderr, "numapool-perf forkjoin: numapool's libpthreadpool could not run: %s\n",
            library == NULL ? "it is neither in the build tree nor installed beside the driver"
                            : error);
    return -1;
  }
  return 0;
}

/* The subject's median on one thread, for the oversubscribed ratio. */
static void add_one_thread_ratio(const perf_options_t *options, perf_result_t *result,
                                 const forkjoin_work_t *work, size_t count) {
  forkjoin_work_t one = *work;
  one.threads = 1;
  double *samples = calloc(count, sizeof *samples);
  if (samples != NULL && add_subject(options, NULL, &one, samples, count) == 0) {
    double median = perf_stats_compute(samples, count).median_s;
    perf_result_extra(result, "one_thread_median_s", median);
    perf_result_extra(result, "ratio_to_one_thread", result->stats.median_s / median);
  }
  free(samples);
}

/* The serial loop's time, for the triangular workload's ideal. */
static void add_serial_reference(perf_result_t *result, const forkjoin_work_t *work,
                                 size_t count) {
  double *samples = calloc(count, sizeof *samples);
  if (samples == NULL)
    return;
  for (size_t r = 0; r < count; r++) {
    double start = perf_now();
    forkjoin_items(work, 0, work->items);
    samples[r] = perf_now() - start;
  }
  double serial = perf_stats_compute(samples, count).median_s;
  free(samples);
  perf_result_extra(result, "serial_s", serial);
  perf_result_extra(result, "ideal_s", serial / (double)work->threads);
  perf_result_extra(result, "ratio_to_ideal",
                    result->stats.median_s / (serial / (double)work->threads));
}

static int run_workload(perf_report_t *report, const perf_options_t *options, int kind,
                        size_t threads, const float *x, float *y) {
  size_t count;
  forkjoin_work_t work = make_work(options, kind, threads, x, y, &count);
  char benchmark[48];
  snprintf(benchmark, sizeof benchmark, "forkjoin.%s", workload_names[kind]);
  perf_result_t *result = perf_report_add(report, benchmark, threads);
  double *samples = calloc(count, sizeof *samples);
  if (result == NULL || samples == NULL) {
    free(samples);
    return -1;
  }
  perf_progress("forkjoin %s on %zu threads (%s api)", workload_names[kind], threads,
                options->api);

  bool native = strcmp(options->api, "native") == 0;
  int status = add_subject(options, result, &work, samples, count);
  if (status == 0) {
    result->stats = perf_stats_compute(samples, count);
    describe(result, &work, options->api);
    if (kind == FORKJOIN_OVERSUBSCRIBED)
      add_one_thread_ratio(options, result, &work, count);
    if (kind == FORKJOIN_TRIANGULAR)
      add_serial_reference(result, &work, count);
    if (!native) {
      size_t used = strlen(result->note);
      snprintf(result->note + used, sizeof result->note - used,
               "%sno counters: numapool's libpthreadpool runs in a child process",
               used > 0 ? "; " : "");
    }
  }
  free(samples);
  if (status != 0) {
    perf_report_discard(report, result);
    return -1;
  }

  for (size_t p = 0; p < PEER_COUNT; p++) {
    /* --api pthreadpool compares the two pthreadpool libraries only. */
    if (!perf_baseline_wanted(options, peer_names[p]) || (!native && p != 0))
      continue;
    add_peer(options, result, peer_names[p], PERF_DEBIAN_PTHREADPOOL, &work, count);
  }
  return 0;
}

static int parse_workloads(perf_options_t *options, const char *value) {
  return perf_parse_names(options, "--workloads", value, workload_names, WORKLOAD_COUNT);
}

static int parse_api(perf_options_t *options, const char *value) {
  if (strcmp(value, "native") != 0 && strcmp(value, "pthreadpool") != 0) {
    perf_usage_error(options->subcommand,
                     "invalid value '%s' for --api: expected native or pthreadpool", value);
    return -1;
  }
  options->api = value;
  return 0;
}

static const perf_option_t forkjoin_options[] = {
    {"--workloads", "LIST",
     "comma-separated: empty (range = threads, time per call), throughput (1<<20 "
     "floats), triangular (10000 items, item i costs i), oversubscribed (10000 items "
     "of 300 ns beside a busy process on each CPU), wake (one call after 400 ms idle); "
     "default: all",
     parse_workloads},
    {"--api", "API",
     "native (numapool.h) or pthreadpool (numapool's libpthreadpool.so.0 against "
     "Debian's); default: native",
     parse_api},
};

static bool workload_selected(const perf_options_t *options, int kind) {
  if (options->name_count == 0)
    return true;
  for (size_t i = 0; i < options->name_count; i++)
    if (strcmp(options->names[i], workload_names[kind]) == 0)
      return true;
  return false;
}

static int forkjoin_run(perf_report_t *report, perf_options_t *options) {
  if (options->api == NULL)
    options->api = "native";
  float *x = calloc(THROUGHPUT_ITEMS, sizeof *x);
  float *y = calloc(THROUGHPUT_ITEMS, sizeof *y);
  int failures = x == NULL || y == NULL;
  for (int kind = 0; kind < WORKLOAD_COUNT && !failures; kind++) {
    if (!workload_selected(options, kind))
      continue;
    pid_t busy[CPU_SETSIZE];
    size_t busy_count = 0;
    if (kind == FORKJOIN_OVERSUBSCRIBED)
      busy_count = busy_start(busy, sizeof busy / sizeof busy[0], 120.0);
    for (size_t t = 0; t < options->thread_list_count; t++)
      failures += run_workload(report, options, kind, options->threads[t], x, y) != 0;
    busy_stop(busy, busy_count);
  }
  free(x);
  free(y);
  return failures != 0 ? PERF_EXIT_FAILED : 0;
}

const perf_subcommand_t perf_forkjoin = {
    "forkjoin",
    "Runs fork-join workloads on numapool and on Debian's libpthreadpool, GNU OpenMP "
    "and oneTBB,\nand prints each time with its ratio to the peers.\n"
    "Default --repetitions (--warmup): empty 11 (1) samples of 2000 calls, throughput 21 "
    "(3),\ntriangular 7 (1), oversubscribed 11 (2), wake 5 (1).",
    forkjoin_options, sizeof forkjoin_options / sizeof forkjoin_options[0], forkjoin_run};
