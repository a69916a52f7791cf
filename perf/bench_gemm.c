/* numapool-perf gemm: numapool_sgemm and numapool_dgemm next to OpenBLAS
 * and BLIS (their cblas_?gemm), in GFLOP/s and as a share of the peak.
 * The peers are loaded with dlopen() in child processes: both export
 * cblas_sgemm, and their thread pools must not run beside numapool's. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"

/* Zen 4 core: two 256-bit FMA pipes, 16 FP32 lanes x 2 flops per FMA. */
#define FLOPS_PER_CYCLE_F32 32.0
#define FLOPS_PER_CYCLE_F64 16.0

/* CBLAS values (they equal numapool's numapool_layout_t and
 * numapool_transpose_t). */
#define ROW_MAJOR 101
#define NO_TRANS 111

typedef int (*numapool_sgemm_fn)(numapool_t *, int, int, int, int, int, int, float,
                                 const float *, int, const float *, int, float, float *, int);
typedef int (*numapool_dgemm_fn)(numapool_t *, int, int, int, int, int, int, double,
                                 const double *, int, const double *, int, double, double *,
                                 int);
typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                               const float *, int, float, float *, int);
typedef void (*cblas_dgemm_fn)(int, int, int, int, int, int, double, const double *, int,
                               const double *, int, double, double *, int);
typedef void (*set_threads_fn)(int);

typedef struct gemm_problem {
  bool f64;
  int m, n, k;
  size_t threads, warmup;
  void *a, *b, *c;
  const char *peer;
} gemm_problem_t;

static double gemm_flops(const gemm_problem_t *problem) {
  return 2.0 * problem->m * problem->n * problem->k;
}

/* Allocates and fills A, B and C. Returns 0 or -1. */
static int gemm_alloc(gemm_problem_t *problem) {
  size_t element = problem->f64 ? sizeof(double) : sizeof(float);
  size_t sizes[3] = {(size_t)problem->m * problem->k, (size_t)problem->k * problem->n,
                     (size_t)problem->m * problem->n};
  void **buffers[3] = {&problem->a, &problem->b, &problem->c};
  for (int i = 0; i < 3; i++) {
    *buffers[i] = malloc(sizes[i] * element);
    if (*buffers[i] == NULL)
      return -1;
    for (size_t j = 0; j < sizes[i]; j++) {
      double value = (double)((j * 7919 + (size_t)i) % 17) / 17.0 - 0.5;
      if (problem->f64)
        ((double *)*buffers[i])[j] = value;
      else
        ((float *)*buffers[i])[j] = (float)value;
    }
  }
  return 0;
}

static void gemm_free(gemm_problem_t *problem) {
  free(problem->a);
  free(problem->b);
  free(problem->c);
}

/* Runs a peer's cblas_?gemm in the child. */
static int measure_peer(void *context, double *samples, size_t count, char *error,
                        size_t error_size) {
  const gemm_problem_t *problem = context;
  bool openblas = strcmp(problem->peer, "openblas") == 0;
  const char *library = openblas ? "libopenblas.so.0" : "libblis.so.4";
  void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) {
    snprintf(error, error_size, "cannot load %s: %s", library, dlerror());
    return -1;
  }
  void *gemm = dlsym(handle, problem->f64 ? "cblas_dgemm" : "cblas_sgemm");
  void *set_threads =
      dlsym(handle, openblas ? "openblas_set_num_threads" : "bli_thread_set_num_threads");
  if (gemm == NULL || set_threads == NULL) {
    snprintf(error, error_size, "%s lacks cblas_?gemm or its thread-count setter", library);
    return -1;
  }
  set_threads_fn set = (set_threads_fn)set_threads;
  set((int)problem->threads);

  int m = problem->m, n = problem->n, k = problem->k;
  for (size_t r = 0; r < problem->warmup + count; r++) {
    double start = perf_now();
    if (problem->f64)
      ((cblas_dgemm_fn)gemm)(ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k, 1.0, problem->a, k,
                             problem->b, n, 0.0, problem->c, n);
    else
      ((cblas_sgemm_fn)gemm)(ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k, 1.0f, problem->a, k,
                             problem->b, n, 0.0f, problem->c, n);
    if (r >= problem->warmup)
      samples[r - problem->warmup] = perf_now() - start;
  }
  return 0;
}

/* A numapool GEMM call: the problem and numapool_sgemm or numapool_dgemm. */
typedef struct gemm_call {
  const gemm_problem_t *problem;
  void *function;
} gemm_call_t;

static int call_gemm(void *context, numapool_t *pool) {
  const gemm_call_t *call = context;
  const gemm_problem_t *problem = call->problem;
  int m = problem->m, n = problem->n, k = problem->k;
  if (problem->f64)
    return ((numapool_dgemm_fn)call->function)(pool, ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k,
                                               1.0, problem->a, k, problem->b, n, 0.0,
                                               problem->c, n);
  return ((numapool_sgemm_fn)call->function)(pool, ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k,
                                             1.0f, problem->a, k, problem->b, n, 0.0f,
                                             problem->c, n);
}

static int measure_numapool(const perf_options_t *options, const gemm_problem_t *problem,
                            void *function, double *samples, size_t count,
                            perf_result_t *result) {
  numapool_t *pool = perf_pool_create(options, problem->threads);
  if (pool == NULL)
    return -1;
  gemm_call_t call = {problem, function};
  int status = perf_time_numapool(options, pool, call_gemm, &call, problem->warmup, samples,
                                  count, result);
  numapool_destroy(pool);
  if (status != 0)
    fprintf(stderr, "numapool-perf gemm: %s failed: %s\n",
            problem->f64 ? "numapool_dgemm" : "numapool_sgemm", numapool_strerror(status));
  return status == 0 ? 0 : -1;
}

/* Core frequency, measured with a chain of dependent integer adds (one
 * cycle each on x86 cores); the nominal /proc/cpuinfo value elsewhere. */
static double measure_ghz(void) {
#if defined(__x86_64__)
  /* Many short tries, so that some run without being preempted on a
   * shared machine. */
  const long iterations = 500000;
  double best = INFINITY;
  for (int attempt = 0; attempt < 50; attempt++) {
    long value = 0;
    double start = perf_now();
    for (long i = 0; i < iterations; i++)
      __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                       "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
                       : "+r"(value));
    double elapsed = perf_now() - start;
    if (elapsed < best)
      best = elapsed;
  }
  return 8.0 * (double)iterations / best * 1e-9;
#else
  return perf_cpu_mhz() * 1e-3;
#endif
}

static void add_baselines(const perf_options_t *options, perf_result_t *result,
                          gemm_problem_t *problem, size_t count) {
  static const char *const peers[] = {"openblas", "blis"};
  double *samples = calloc(count, sizeof *samples);
  for (size_t p = 0; p < 2 && samples != NULL; p++) {
    if (!perf_baseline_wanted(options, peers[p]))
      continue;
    perf_peer_result_t *peer = perf_result_peer(result, peers[p]);
    problem->peer = peers[p];
    if (peer != NULL && perf_run_isolated(measure_peer, problem, samples, count, peer->error,
                                          sizeof peer->error) == 0)
      perf_peer_set(peer, samples, count);
  }
  free(samples);
}

static int gemm_one(perf_report_t *report, const perf_options_t *options, bool f64,
                    const size_t size[3], size_t threads, double ghz) {
  const char *name = f64 ? "numapool_dgemm" : "numapool_sgemm";
  void *function = perf_find_symbol(name);
  if (function == NULL) {
    fprintf(stderr, "numapool-perf gemm: not built: this libnumapool has no %s\n", name);
    return PERF_EXIT_USAGE;
  }
  gemm_problem_t problem = {f64, (int)size[0], (int)size[1], (int)size[2], threads, 0,
                            NULL, NULL, NULL, NULL};
  problem.warmup = (size_t)(options->warmup >= 0 ? options->warmup : 2);
  size_t count = (size_t)(options->repetitions > 0 ? options->repetitions : 7);
  perf_progress("gemm %s %dx%dx%d on %zu threads", f64 ? "f64" : "f32", problem.m, problem.n,
                problem.k, threads);

  perf_result_t *result = perf_report_add(report, f64 ? "gemm.f64" : "gemm.f32", threads);
  double *samples = calloc(count, sizeof *samples);
  int status = result == NULL || samples == NULL || gemm_alloc(&problem) != 0 ? -1 : 0;
  if (status == 0)
    status = measure_numapool(options, &problem, function, samples, count, result);
  if (status == 0) {
    result->stats = perf_stats_compute(samples, count);
    result->gflops = gemm_flops(&problem) / result->stats.median_s * 1e-9;
    double peak = (double)threads * ghz * (f64 ? FLOPS_PER_CYCLE_F64 : FLOPS_PER_CYCLE_F32);
    perf_result_param_number(result, "m", problem.m);
    perf_result_param_number(result, "n", problem.n);
    perf_result_param_number(result, "k", problem.k);
    perf_result_param(result, "layout", "row-major, no transpose");
    perf_result_extra(result, "ghz_measured", ghz);
    perf_result_extra(result, "ghz_cpuinfo", perf_cpu_mhz() * 1e-3);
    perf_result_extra(result, "peak_gflops", peak);
    perf_result_extra(result, "share_of_peak", result->gflops / peak);
    snprintf(result->note, sizeof result->note,
             "peak = threads x measured GHz (dependent integer adds) x %.0f flops/cycle "
             "(Zen 4 core)",
             f64 ? FLOPS_PER_CYCLE_F64 : FLOPS_PER_CYCLE_F32);
    add_baselines(options, result, &problem, count);
  }
  if (status != 0)
    perf_report_discard(report, result);
  free(samples);
  gemm_free(&problem);
  return status == 0 ? 0 : PERF_EXIT_FAILED;
}

static int parse_sizes(perf_options_t *options, const char *value) {
  options->size_count = 0;
  const char *cursor = value;
  while (*cursor != '\0' && options->size_count < PERF_MAX_LIST) {
    size_t *size = options->sizes[options->size_count];
    int used = 0;
    unsigned long m, n, k;
    if (sscanf(cursor, "%lux%lux%lu%n", &m, &n, &k, &used) == 3 && used > 0) {
      size[0] = m, size[1] = n, size[2] = k;
    } else if (sscanf(cursor, "%lu%n", &m, &used) == 1 && used > 0) {
      size[0] = size[1] = size[2] = m;
    } else {
      break;
    }
    cursor += used;
    if (size[0] == 0 || size[1] == 0 || size[2] == 0 || size[0] > 46340 || size[1] > 46340 ||
        size[2] > 46340 || (*cursor != ',' && *cursor != '\0'))
      break;
    options->size_count++;
    if (*cursor == ',')
      cursor++;
  }
  if (*cursor != '\0' || options->size_count == 0) {
    perf_usage_error(options->subcommand,
                     "invalid value '%s' for --sizes: expected N or MxNxK entries from 1 to "
                     "46340, separated by commas, such as 256,1024x512x256",
                     value);
    return -1;
  }
  return 0;
}

static int parse_precision(perf_options_t *options, const char *value) {
  if (strcmp(value, "f32") != 0 && strcmp(value, "f64") != 0 && strcmp(value, "both") != 0) {
    perf_usage_error(options->subcommand,
                     "invalid value '%s' for --precision: expected f32, f64 or both", value);
    return -1;
  }
  options->precision = value;
  return 0;
}

static int parse_mpi(perf_options_t *options, const char *value) {
  (void)value;
  options->mpi = true;
  return 0;
}

static const perf_option_t gemm_options[] = {
    {"--sizes", "LIST",
     "matrix sizes, N (square) or MxNxK, comma-separated; default: 256,1024", parse_sizes},
    {"--precision", "TYPE", "f32, f64 or both; default: both", parse_precision},
    {"--mpi", NULL,
     "distributed GEMM (SUMMA) over the ranks of mpirun, one pool per rank; --threads is "
     "per rank; rank 0 writes the merged report; default: off",
     parse_mpi},
};

static int gemm_run(perf_report_t *report, perf_options_t *options) {
  if (options->mpi)
    return perf_gemm_mpi(report, options);
  if (options->size_count == 0) {
    size_t defaults[2] = {256, 1024};
    for (size_t i = 0; i < 2; i++)
      options->sizes[i][0] = options->sizes[i][1] = options->sizes[i][2] = defaults[i];
    options->size_count = 2;
  }
  const char *precision = options->precision != NULL ? options->precision : "both";
  double ghz = measure_ghz();
  int status = 0;
  for (int f64 = 0; f64 < 2 && status != PERF_EXIT_USAGE; f64++) {
    if (strcmp(precision, "both") != 0 && strcmp(precision, f64 ? "f64" : "f32") != 0)
      continue;
    for (size_t s = 0; s < options->size_count && status != PERF_EXIT_USAGE; s++)
      for (size_t t = 0; t < options->thread_list_count && status != PERF_EXIT_USAGE; t++) {
        int one = gemm_one(report, options, f64, options->sizes[s], options->threads[t], ghz);
        if (one != 0)
          status = one;
      }
  }
  return status;
}

const perf_subcommand_t perf_gemm = {
    "gemm",
    "Times numapool_sgemm and numapool_dgemm (C = A B, row-major) against OpenBLAS and\n"
    "BLIS, in GFLOP/s and as a share of the peak of the cores used.\n"
    "Default --repetitions 7, --warmup 2.",
    gemm_options, sizeof gemm_options / sizeof gemm_options[0], gemm_run};
