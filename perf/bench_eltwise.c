/* numapool-perf eltwise: numapool's elementwise operators in GB/s (bytes
 * read and written per second), next to the same loop under OpenMP and a
 * plain serial loop, measured in the same run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/operators.h>

#include "peers.h"
#include "perf.h"

typedef int (*unary_fn)(numapool_t *, numapool_unary_op_t, float, float, size_t, const float *,
                        float *);
typedef int (*axpy_fn)(numapool_t *, size_t, float, const float *, ptrdiff_t, float *,
                       ptrdiff_t);

#define DEFAULT_ELEMENTS (16u << 20)

typedef struct eltwise_op {
  const char *name;
  const char *symbol;
  double bytes_per_element;
} eltwise_op_t;

static const eltwise_op_t ops[] = {
    {"relu", "numapool_unary", 8},  /* read x, write y */
    {"axpy", "numapool_axpy", 12}, /* read x and y, write y */
};
#define OP_COUNT (sizeof ops / sizeof ops[0])

/* The operands of one operator call. */
typedef struct eltwise_call {
  size_t op;
  void *function;
  size_t count;
  const float *x;
  float *y;
} eltwise_call_t;

static int call_op(void *context, numapool_t *pool) {
  const eltwise_call_t *call = context;
  if (call->op == 0)
    return ((unary_fn)call->function)(pool, NUMAPOOL_UNARY_RELU, 0, 0, call->count, call->x,
                                      call->y);
  return ((axpy_fn)call->function)(pool, call->count, 0.5f, call->x, 1, call->y, 1);
}

/* The same operation as a plain loop on the calling thread. */
static double serial_loop_s(size_t op, size_t count, const float *x, float *y) {
  double best = 1e30;
  for (int r = 0; r < 3; r++) {
    double start = perf_now();
    if (op == 0)
      for (size_t i = 0; i < count; i++)
        y[i] = x[i] > 0 ? x[i] : 0;
    else
      for (size_t i = 0; i < count; i++)
        y[i] += 0.5f * x[i];
    double elapsed = perf_now() - start;
    best = elapsed < best ? elapsed : best;
  }
  return best;
}

typedef struct openmp_run {
  size_t op, threads, elements, warmup;
  const float *x;
  float *y;
} openmp_run_t;

static int measure_openmp(void *context, double *samples, size_t count, char *error,
                          size_t error_size) {
  const openmp_run_t *run = context;
  return eltwise_openmp((int)run->op, run->threads, run->elements, run->x, run->y, run->warmup,
                        samples, count, error, error_size);
}

/* Runs the same loop with OpenMP in a child process. */
static void add_openmp(const perf_options_t *options, perf_result_t *result,
                       const openmp_run_t *run, size_t count) {
  if (!perf_baseline_wanted(options, "openmp"))
    return;
  perf_peer_result_t *peer = perf_result_peer(result, "openmp");
  double *samples = calloc(count, sizeof *samples);
  if (peer != NULL && samples != NULL &&
      perf_run_isolated(measure_openmp, (void *)run, samples, count, peer->error,
                        sizeof peer->error) == 0)
    perf_peer_set(peer, samples, count);
  free(samples);
}

static int eltwise_one(perf_report_t *report, const perf_options_t *options, size_t op,
                       void *function, size_t count, size_t threads, const float *x, float *y) {
  size_t reps = (size_t)(options->repetitions > 0 ? options->repetitions : 11);
  size_t warmup = (size_t)(options->warmup >= 0 ? options->warmup : 2);
  perf_progress("eltwise %s, %zu elements on %zu threads", ops[op].name, count, threads);
  perf_result_t *result = perf_report_add(report, "eltwise", threads);
  double *samples = calloc(reps, sizeof *samples);
  numapool_t *pool = perf_pool_create(options, threads);
  int status = result == NULL || samples == NULL || pool == NULL ? NUMAPOOL_ENOMEM : 0;

  eltwise_call_t call = {op, function, count, x, y};
  if (status == 0)
    status = perf_time_numapool(options, pool, call_op, &call, warmup, samples, reps, result);

  if (status == 0) {
    double bytes = ops[op].bytes_per_element * (double)count;
    result->stats = perf_stats_compute(samples, reps);
    result->gbps = bytes / result->stats.median_s * 1e-9;
    perf_result_param(result, "op", "%s", ops[op].name);
    perf_result_param_number(result, "elements", (double)count);
    perf_result_param_number(result, "bytes_per_element", ops[op].bytes_per_element);
    perf_result_extra(result, "serial_loop_gbps",
                      bytes / serial_loop_s(op, count, x, y) * 1e-9);
    snprintf(result->note, sizeof result->note,
             "serial_loop_gbps: the best of 3 plain loops on one thread; OpenMP runs the "
             "same loop as a static parallel for");
    openmp_run_t run = {op, threads, count, warmup, x, y};
    add_openmp(options, result, &run, reps);
  } else {
    /* A pool that could not be created was reported already. */
    if (pool != NULL)
      fprintf(stderr, "numapool-perf eltwise: %s failed: %s\n", ops[op].symbol,
              numapool_strerror(status));
    perf_report_discard(report, result);
  }
  numapool_destroy(pool);
  free(samples);
  return status == 0 ? 0 : PERF_EXIT_FAILED;
}

static int parse_elements(perf_options_t *options, const char *value) {
  if (perf_parse_size_list(value, options->sizes[0], 1) != 1) {
    perf_usage_error(options->subcommand,
                     "invalid value '%s' for --elements: expected one positive integer",
                     value);
    return -1;
  }
  options->size_count = 1;
  return 0;
}

static const perf_option_t eltwise_options[] = {
    {"--elements", "N", "elements per operand (fp32); default: 16777216 (64 MiB)",
     parse_elements},
};

static int eltwise_run(perf_report_t *report, perf_options_t *options) {
  void *functions[OP_COUNT];
  for (size_t op = 0; op < OP_COUNT; op++) {
    functions[op] = perf_find_symbol(ops[op].symbol);
    if (functions[op] == NULL) {
      fprintf(stderr, "numapool-perf eltwise: not built: this libnumapool has no %s\n",
              ops[op].symbol);
      return PERF_EXIT_USAGE;
    }
  }
  size_t count = options->size_count > 0 ? options->sizes[0][0] : DEFAULT_ELEMENTS;
  float *x = malloc(count * sizeof *x);
  float *y = calloc(count, sizeof *y);
  int status = x == NULL || y == NULL ? PERF_EXIT_FAILED : 0;
  for (size_t i = 0; x != NULL && i < count; i++)
    x[i] = (float)(i % 13) - 6.0f;
  for (size_t op = 0; op < OP_COUNT && status == 0; op++)
    for (size_t t = 0; t < options->thread_list_count; t++)
      if (eltwise_one(report, options, op, functions[op], count, options->threads[t], x, y) !=
          0)
        status = PERF_EXIT_FAILED;
  free(x);
  free(y);
  return status;
}

const perf_subcommand_t perf_eltwise = {
    "eltwise",
    "Times numapool_unary (ReLU) and numapool_axpy over large fp32 arrays, in GB/s,\n"
    "against an OpenMP loop. Default --repetitions 11, --warmup 2.",
    eltwise_options, sizeof eltwise_options / sizeof eltwise_options[0], eltwise_run};
