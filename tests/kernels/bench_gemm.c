/* Development benchmark: numapool_sgemm and numapool_dgemm side by side
 * with OpenBLAS and BLIS in one process, calls interleaved round by round
 * so that noise from other processes hits all three alike. Prints median
 * GFLOP/s per library, the ratios of numapool's median to the others',
 * and the ratio of the best rounds, which noise disturbs least.
 * Not a test: it asserts nothing about speed.
 *
 *   bench_gemm [-r rounds] [-t threads,...] [-p s|d|sd] [-c] [m,n,k ...]
 *
 * -c times by the CPU time of the process divided by the thread count
 * instead of by the wall clock. On a machine shared with other work this
 * leaves out the time the threads waited for a CPU, while time spent
 * spinning and packing still counts.
 *
 * Without shapes it runs squares 256 to 2048 and convolution-like shapes
 * (M 64-256, N 3136, K 576-2304). All matrices are row-major, not
 * transposed, alpha 1, beta 0. BLIS (Debian's OpenMP build) is loaded with
 * dlopen and RTLD_DEEPBIND, so its CBLAS symbols do not clash with
 * OpenBLAS's. Without the library the BLIS columns show 0. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_DEEPBIND */
#endif
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <numapool/kernels.h>

#ifdef NUMAPOOL_BENCH_HAVE_OPENBLAS
#include <cblas.h>
#endif

#define MAX_ROUNDS 101
#define MAX_SHAPES 32
#define MAX_THREADS 8

/* Peak multiply-add throughput of one Zen 4 core at about 3.65 GHz, in
 * GFLOP/s: two 256-bit FMA pipes. */
#define PEAK_FP32_PER_CORE 117.0
#define PEAK_FP64_PER_CORE 58.7

typedef void (*cblas_sgemm_t)(int, int, int, int, int, int, float, const float *, int,
                              const float *, int, float, float *, int);
typedef void (*cblas_dgemm_t)(int, int, int, int, int, int, double, const double *, int,
                              const double *, int, double, double *, int);
typedef void (*blis_set_threads_t)(int64_t);

typedef struct blis_library {
  cblas_sgemm_t sgemm;
  cblas_dgemm_t dgemm;
  blis_set_threads_t set_threads;
} blis_library_t;

enum { LIB_NUMAPOOL, LIB_OPENBLAS, LIB_BLIS, LIB_COUNT };

static clockid_t timing_clock = CLOCK_MONOTONIC;

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(timing_clock, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Sleeps 50 ms before a timed batch. The threads of OpenMP, OpenBLAS and
 * numapool spin for a while after a call, so without the pause those of
 * the library timed before would take CPUs and CPU time from the next. */
static void settle(void) {
  struct timespec pause = {0, 50 * 1000 * 1000};
  nanosleep(&pause, NULL);
}

static int compare_doubles(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

static double median(double *values, int count) {
  qsort(values, (size_t)count, sizeof(double), compare_doubles);
  return count % 2 ? values[count / 2] : 0.5 * (values[count / 2 - 1] + values[count / 2]);
}

static bool load_blis(blis_library_t *blis) {
#ifdef NUMAPOOL_BENCH_BLIS_PATH
  void *handle = dlopen(NUMAPOOL_BENCH_BLIS_PATH, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (handle == NULL) {
    fprintf(stderr, "bench_gemm: BLIS not loaded: %s\n", dlerror());
    return false;
  }
  blis->sgemm = (cblas_sgemm_t)dlsym(handle, "cblas_sgemm");
  blis->dgemm = (cblas_dgemm_t)dlsym(handle, "cblas_dgemm");
  blis->set_threads = (blis_set_threads_t)dlsym(handle, "bli_thread_set_num_threads");
  return blis->sgemm != NULL && blis->dgemm != NULL && blis->set_threads != NULL;
#else
  (void)blis;
  return false;
#endif
}

typedef struct bench_shape {
  int m, n, k;
} bench_shape_t;

typedef struct bench_setup {
  numapool_t *pool;
  blis_library_t blis;
  bool have_blis;
  int threads;
  bool single;
} bench_setup_t;

/* Runs one library once on the shape. */
static void run_once(const bench_setup_t *setup, int library, const bench_shape_t *s,
                     const void *a, const void *b, void *c) {
  int m = s->m, n = s->n, k = s->k;
  if (setup->single) {
    if (library == LIB_NUMAPOOL)
      numapool_sgemm(setup->pool, NUMAPOOL_ROW_MAJOR, NUMAPOOL_NO_TRANS, NUMAPOOL_NO_TRANS, m,
                     n, k, 1, a, k, b, n, 0, c, n);
#ifdef NUMAPOOL_BENCH_HAVE_OPENBLAS
    else if (library == LIB_OPENBLAS)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
#endif
    else if (library == LIB_BLIS)
      setup->blis.sgemm(101, 111, 111, m, n, k, 1, a, k, b, n, 0, c, n);
  } else {
    if (library == LIB_NUMAPOOL)
      numapool_dgemm(setup->pool, NUMAPOOL_ROW_MAJOR, NUMAPOOL_NO_TRANS, NUMAPOOL_NO_TRANS, m,
                     n, k, 1, a, k, b, n, 0, c, n);
#ifdef NUMAPOOL_BENCH_HAVE_OPENBLAS
    else if (library == LIB_OPENBLAS)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
#endif
    else if (library == LIB_BLIS)
      setup->blis.dgemm(101, 111, 111, m, n, k, 1, a, k, b, n, 0, c, n);
  }
}

static bool library_available(const bench_setup_t *setup, int library) {
#ifndef NUMAPOOL_BENCH_HAVE_OPENBLAS
  if (library == LIB_OPENBLAS)
    return false;
#endif
  return library != LIB_BLIS || setup->have_blis;
}

/* Measures one shape: rounds of one timed batch per library, each batch
 * long enough (about 20 ms) to make the clock's resolution negligible. */
static void bench_shape(const bench_setup_t *setup, const bench_shape_t *s, int rounds) {
  size_t element = setup->single ? sizeof(float) : sizeof(double);
  size_t a_count = (size_t)s->m * s->k, b_count = (size_t)s->k * s->n;
  size_t c_count = (size_t)s->m * s->n;
  unsigned char *a = malloc(a_count * element), *b = malloc(b_count * element);
  unsigned char *c = malloc(c_count * element);
  if (a == NULL || b == NULL || c == NULL) {
    fprintf(stderr, "bench_gemm: out of memory for %dx%dx%d\n", s->m, s->n, s->k);
    exit(1);
  }
  for (size_t i = 0; i < a_count; i++) {
    double value = (double)(i % 17) / 17.0 - 0.5;
    if (setup->single)
      ((float *)(void *)a)[i] = (float)value;
    else
      ((double *)(void *)a)[i] = value;
  }
  for (size_t i = 0; i < b_count; i++) {
    double value = (double)(i % 13) / 13.0 - 0.5;
    if (setup->single)
      ((float *)(void *)b)[i] = (float)value;
    else
      ((double *)(void *)b)[i] = value;
  }
  memset(c, 0, c_count * element);

  double flops = 2.0 * s->m * s->n * s->k;
  double gflops[LIB_COUNT][MAX_ROUNDS];
  int batch[LIB_COUNT];
  for (int lib = 0; lib < LIB_COUNT; lib++) {
    if (!library_available(setup, lib))
      continue;
    run_once(setup, lib, s, a, b, c);
    double start = now_seconds();
    run_once(setup, lib, s, a, b, c);
    double once = now_seconds() - start;
    batch[lib] = once > 0.02 ? 1 : (int)(0.02 / (once > 1e-7 ? once : 1e-7)) + 1;
  }
  for (int round = 0; round < rounds; round++) {
    for (int lib = 0; lib < LIB_COUNT; lib++) {
      if (!library_available(setup, lib))
        continue;
      settle();
      double start = now_seconds();
      for (int i = 0; i < batch[lib]; i++)
        run_once(setup, lib, s, a, b, c);
      double seconds = (now_seconds() - start) / batch[lib];
      if (timing_clock == CLOCK_PROCESS_CPUTIME_ID)
        seconds /= setup->threads;
      gflops[lib][round] = flops / seconds * 1e-9;
    }
  }

  double medians[LIB_COUNT] = {0}, best[LIB_COUNT] = {0};
  for (int lib = 0; lib < LIB_COUNT; lib++) {
    if (!library_available(setup, lib))
      continue;
    medians[lib] = median(gflops[lib], rounds);
    best[lib] = gflops[lib][rounds - 1]; /* median() sorted them */
  }
  double peak = setup->threads * (setup->single ? PEAK_FP32_PER_CORE : PEAK_FP64_PER_CORE);
  printf("| %cgemm | %d | %dx%dx%d | %.1f (%.0f%%) | %.1f | %.1f | %.2f | %.2f | %.2f |\n",
         setup->single ? 's' : 'd', setup->threads, s->m, s->n, s->k, medians[LIB_NUMAPOOL],
         100.0 * medians[LIB_NUMAPOOL] / peak, medians[LIB_OPENBLAS], medians[LIB_BLIS],
         medians[LIB_OPENBLAS] > 0 ? medians[LIB_NUMAPOOL] / medians[LIB_OPENBLAS] : 0.0,
         medians[LIB_BLIS] > 0 ? medians[LIB_NUMAPOOL] / medians[LIB_BLIS] : 0.0,
         best[LIB_OPENBLAS] > 0 ? best[LIB_NUMAPOOL] / best[LIB_OPENBLAS] : 0.0);
  fflush(stdout);
  free(a);
  free(b);
  free(c);
}

static const bench_shape_t default_shapes[] = {
    {256, 256, 256},   {512, 512, 512},    {1024, 1024, 1024}, {2048, 2048, 2048},
    {64, 3136, 576},   {128, 3136, 1152},  {256, 3136, 2304},  {256, 3136, 576},
};

static void usage(void) {
  fprintf(stderr,
          "usage: bench_gemm [-r rounds] [-t threads,...] [-p s|d|sd] [-c] [m,n,k ...]\n");
  exit(2);
}

int main(int argc, char **argv) {
  int rounds = 7;
  int thread_counts[MAX_THREADS] = {1, 2};
  int thread_count_count = 2;
  const char *precisions = "sd";
  bench_shape_t shapes[MAX_SHAPES];
  int shape_count = 0;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
      rounds = atoi(argv[++i]);
      if (rounds < 1 || rounds > MAX_ROUNDS)
        usage();
    } else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
      thread_count_count = 0;
      for (char *item = strtok(argv[++i], ","); item != NULL && thread_count_count < MAX_THREADS;
           item = strtok(NULL, ","))
        thread_counts[thread_count_count++] = atoi(item);
    } else if (strcmp(argv[i], "-c") == 0) {
      timing_clock = CLOCK_PROCESS_CPUTIME_ID;
    } else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      precisions = argv[++i];
    } else if (shape_count < MAX_SHAPES &&
               sscanf(argv[i], "%d,%d,%d", &shapes[shape_count].m, &shapes[shape_count].n,
                      &shapes[shape_count].k) == 3) {
      shape_count++;
    } else {
      usage();
    }
  }
  if (shape_count == 0) {
    shape_count = (int)(sizeof default_shapes / sizeof default_shapes[0]);
    memcpy(shapes, default_shapes, sizeof default_shapes);
  }

  bench_setup_t setup = {0};
  setup.have_blis = load_blis(&setup.blis);
#ifdef NUMAPOOL_BENCH_HAVE_OPENBLAS
  printf("OpenBLAS core: %s, config: %s\n", openblas_get_corename(), openblas_get_config());
#endif
  printf("BLIS: %s; %d rounds, median GFLOP/s (share of Zen 4 peak), timed by %s\n\n",
         setup.have_blis ? "loaded" : "not found", rounds,
         timing_clock == CLOCK_MONOTONIC ? "wall clock" : "process CPU time / threads");
  printf("| routine | threads | MxNxK | numapool | OpenBLAS | BLIS | vs OpenBLAS | vs BLIS "
         "| best vs best OpenBLAS |\n");
  printf("|---|---|---|---|---|---|---|---|---|\n");

  for (int t = 0; t < thread_count_count; t++) {
    setup.threads = thread_counts[t];
    numapool_options_t options = {.thread_count = (size_t)setup.threads};
    setup.pool = numapool_create(&options);
    if (setup.pool == NULL) {
      fprintf(stderr, "bench_gemm: numapool_create(%d threads) failed\n", setup.threads);
      return 1;
    }
#ifdef NUMAPOOL_BENCH_HAVE_OPENBLAS
    openblas_set_num_threads(setup.threads);
#endif
    if (setup.have_blis)
      setup.blis.set_threads(setup.threads);
    for (const char *p = precisions; *p != '\0'; p++) {
      setup.single = *p == 's';
      for (int s = 0; s < shape_count; s++)
        bench_shape(&setup, &shapes[s], rounds);
    }
    numapool_destroy(setup.pool);
  }
  return 0;
}
