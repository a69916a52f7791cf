/* Benchmark of a pthreadpool library, built against Debian's header and
 * library so the same binary measures either library:
 *
 *   bench_pthreadpool [threads]                                  Debian's
 *   LD_LIBRARY_PATH=<build>/compat bench_pthreadpool [threads]   numapool's
 *
 * Prints the loaded library and, per case, the median time per call over
 * several rounds. Not a test: it asserts nothing about speed. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthreadpool.h>

#define ROUNDS 7

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void empty_1d(void *context, size_t i) {
  (void)context;
  (void)i;
}

/* About 100 ns of arithmetic per item; the result is kept in context. */
static void small_item(void *context, size_t i) {
  double x = (double)i;
  for (int k = 0; k < 40; k++)
    x = x * 1.0000001 + 0.5;
  if (x == 0.0)
    *(double *)context = x;
}

static float grid[512 * 512];

static void tile_2d(void *context, size_t i, size_t j, size_t ti, size_t tj) {
  (void)context;
  for (size_t a = i; a < i + ti; a++)
    for (size_t b = j; b < j + tj; b++)
      grid[a * 512 + b] = grid[a * 512 + b] * 0.5f + 1.0f;
}

static void tile_3d(void *context, size_t i, size_t j, size_t k, size_t tj, size_t tk) {
  (void)context;
  for (size_t b = j; b < j + tj; b++)
    for (size_t c = k; c < k + tk; c++)
      grid[(i * 64 + b) * 8 + c] += 1.0f;
}

typedef struct bench_case {
  const char *name;
  size_t calls; /* per round */
  void (*run)(pthreadpool_t pool, size_t threads);
} bench_case_t;

static double sink;

static void run_empty(pthreadpool_t pool, size_t threads) {
  pthreadpool_parallelize_1d(pool, empty_1d, NULL, threads, 0);
}
static void run_small_items(pthreadpool_t pool, size_t threads) {
  (void)threads;
  pthreadpool_parallelize_1d(pool, small_item, &sink, 10000, 0);
}
static void run_tile_2d(pthreadpool_t pool, size_t threads) {
  (void)threads;
  pthreadpool_parallelize_2d_tile_2d(pool, tile_2d, NULL, 512, 512, 32, 32, 0);
}
static void run_tile_3d(pthreadpool_t pool, size_t threads) {
  (void)threads;
  pthreadpool_parallelize_3d_tile_2d(pool, tile_3d, NULL, 512, 64, 8, 16, 4, 0);
}

static const bench_case_t cases[] = {
    {"empty_call_1d", 200000, run_empty},
    {"1d_10000_items_100ns", 200, run_small_items},
    {"2d_tile_2d_512x512_32x32", 500, run_tile_2d},
    {"3d_tile_2d_512x64x8", 200, run_tile_3d},
};

int main(int argc, char **argv) {
  size_t threads = argc > 1 ? strtoul(argv[1], NULL, 10) : 2;
  pthreadpool_t pool = pthreadpool_create(threads);
  if (pool == NULL) {
    fprintf(stderr, "pthreadpool_create(%zu) failed\n", threads);
    return 1;
  }
  Dl_info info;
  if (dladdr((void *)pthreadpool_create, &info) != 0 && info.dli_fname != NULL)
    printf("library: %s\n", info.dli_fname);
  printf("threads: %zu\n", pthreadpool_get_threads_count(pool));

  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    double per_call[ROUNDS];
    for (size_t warm = 0; warm < cases[c].calls / 10 + 1; warm++)
      cases[c].run(pool, threads);
    for (int r = 0; r < ROUNDS; r++) {
      double start = now_ns();
      for (size_t i = 0; i < cases[c].calls; i++)
        cases[c].run(pool, threads);
      per_call[r] = (now_ns() - start) / (double)cases[c].calls;
    }
    qsort(per_call, ROUNDS, sizeof(double), compare_doubles);
    printf("%-28s median %10.1f ns/call  min %10.1f\n", cases[c].name, per_call[ROUNDS / 2],
           per_call[0]);
  }
  pthreadpool_destroy(pool);
  return 0;
}
