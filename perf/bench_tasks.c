/* numapool-perf tasks: a task group running many small tasks, timed per
 * batch and compared with the serial time divided by the threads. */
#include <stdio.h>
#include <stdlib.h>

#include <numapool/tasks.h>

#include "peers.h"
#include "perf.h"

typedef int (*group_init_fn)(numapool_group_t *, numapool_t *);
typedef int (*group_submit_fn)(numapool_group_t *, numapool_group_task_t, void *,
                               const numapool_task_options_t *);
typedef int (*group_wait_fn)(numapool_group_t *);

#define TASK_COUNT 10000u
#define TASK_NS 1000.0

typedef struct tasks_api {
  group_init_fn init;
  group_submit_fn submit;
  group_wait_fn wait, destroy;
} tasks_api_t;

static void spin_task(void *context) {
  perf_spin(*(const uint64_t *)context);
}

/* One batch: the task group API and the spin count of each task. */
typedef struct tasks_batch {
  const tasks_api_t *api;
  uint64_t spin;
} tasks_batch_t;

/* Submits TASK_COUNT tasks and waits for them. Returns a status. */
static int run_batch(void *context, numapool_t *pool) {
  tasks_batch_t *batch = context;
  numapool_group_t group;
  int status = batch->api->init(&group, pool);
  for (size_t i = 0; i < TASK_COUNT && status == 0; i++)
    status = batch->api->submit(&group, spin_task, &batch->spin, NULL);
  int wait_status = batch->api->destroy(&group);
  return status != 0 ? status : wait_status;
}

typedef struct tbb_batch {
  size_t threads, warmup;
  uint64_t spin;
} tbb_batch_t;

static int measure_tbb(void *context, double *samples, size_t count, char *error,
                       size_t error_size) {
  const tbb_batch_t *batch = context;
  return tasks_tbb(batch->threads, TASK_COUNT, batch->spin, batch->warmup, samples, count,
                   error, error_size);
}

/* Runs the same batches on oneTBB's task_group in a child process. */
static void add_tbb(const perf_options_t *options, perf_result_t *result, size_t threads,
                    uint64_t spin, size_t warmup, size_t count) {
  if (!perf_baseline_wanted(options, "tbb"))
    return;
  perf_peer_result_t *peer = perf_result_peer(result, "tbb");
  double *samples = calloc(count, sizeof *samples);
  tbb_batch_t batch = {threads, warmup, spin};
  if (peer != NULL && samples != NULL &&
      perf_run_isolated(measure_tbb, &batch, samples, count, peer->error, sizeof peer->error) ==
          0)
    perf_peer_set(peer, samples, count);
  free(samples);
}

static int tasks_one(perf_report_t *report, const perf_options_t *options,
                     const tasks_api_t *api, size_t threads) {
  size_t reps = (size_t)(options->repetitions > 0 ? options->repetitions : 11);
  size_t warmup = (size_t)(options->warmup >= 0 ? options->warmup : 2);
  uint64_t spin = (uint64_t)(TASK_NS * perf_spin_rate() + 0.5);
  perf_progress("tasks: %u tasks of %.0f ns on %zu threads", TASK_COUNT, TASK_NS, threads);

  perf_result_t *result = perf_report_add(report, "tasks.group", threads);
  double *samples = calloc(reps, sizeof *samples);
  numapool_t *pool = perf_pool_create(options, threads);
  int status = result == NULL || samples == NULL || pool == NULL ? NUMAPOOL_ENOMEM : 0;
  tasks_batch_t batch = {api, spin};
  if (status == 0)
    status = perf_time_numapool(options, pool, run_batch, &batch, warmup, samples, reps, result);

  if (status == 0) {
    result->stats = perf_stats_compute(samples, reps);
    double serial_start = perf_now();
    for (size_t i = 0; i < TASK_COUNT; i++)
      spin_task(&spin);
    double serial = perf_now() - serial_start;
    perf_result_param_number(result, "tasks", TASK_COUNT);
    perf_result_param_number(result, "task_ns", TASK_NS);
    perf_result_extra(result, "serial_s", serial);
    perf_result_extra(result, "ratio_to_ideal", result->stats.median_s / (serial / (double)threads));
    snprintf(result->note, sizeof result->note,
             "one group per batch; ratio_to_ideal = median / (serial_s / threads); oneTBB "
             "runs a task_group per batch");
    add_tbb(options, result, threads, spin, warmup, reps);
  } else {
    /* A pool that could not be created was reported already. */
    if (pool != NULL)
      fprintf(stderr, "numapool-perf tasks: the task group failed: %s\n",
              numapool_strerror(status));
    perf_report_discard(report, result);
  }
  numapool_destroy(pool);
  free(samples);
  return status == 0 ? 0 : PERF_EXIT_FAILED;
}

static int tasks_run(perf_report_t *report, perf_options_t *options) {
  tasks_api_t api = {
      (group_init_fn)perf_find_symbol("numapool_group_init"),
      (group_submit_fn)perf_find_symbol("numapool_group_submit"),
      (group_wait_fn)perf_find_symbol("numapool_group_wait"),
      (group_wait_fn)perf_find_symbol("numapool_group_destroy"),
  };
  if (api.init == NULL || api.submit == NULL || api.wait == NULL || api.destroy == NULL) {
    fprintf(stderr, "numapool-perf tasks: not built: this libnumapool has no task groups "
                    "(numapool_group_init)\n");
    return PERF_EXIT_USAGE;
  }
  int status = 0;
  for (size_t t = 0; t < options->thread_list_count; t++)
    if (tasks_one(report, options, &api, options->threads[t]) != 0)
      status = PERF_EXIT_FAILED;
  return status;
}

const perf_subcommand_t perf_tasks = {
    "tasks",
    "Times a task group running 10000 tasks of about 1 us each, against the serial time\n"
    "divided by the thread count and against oneTBB's task_group.\n"
    "Default --repetitions 11, --warmup 2.",
    NULL, 0, tasks_run};
