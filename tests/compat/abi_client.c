/* A program built against Debian's pthreadpool header and library. It
 * calls every function of Debian's libpthreadpool 0.0~git20210507, fills
 * one output cell per item with a value of its indexes, and prints the
 * library it loaded and a checksum of the outputs. compare_runs.cmake runs
 * it against both libraries and compares the output. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthreadpool.h>

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

/* Ranges and tiles shared by all calls; the last tiles are partial. */
enum { RI = 5, RJ = 4, RK = 3, RL = 3, RM = 2, RN = 3 };
enum { TI = 2, TJ = 3, TK = 2, TL = 2, TM = 1, TN = 2 };
#define CELLS (RI * RJ * RK * RL * RM * RN)

typedef struct output {
  uint64_t cells[CELLS];
  size_t range[6];
  size_t dims;
  int errors;
} output_t;

static void set_cell(output_t *out, const size_t index[], size_t dims, uint32_t extra) {
  size_t linear = 0;
  uint64_t value = 1469598103934665603ull + extra;
  for (size_t d = 0; d < dims; d++) {
    if (index[d] >= out->range[d]) {
      out->errors++;
      return;
    }
    linear = linear * out->range[d] + index[d];
    value = (value ^ (index[d] + 1)) * 1099511628211ull;
  }
  out->cells[linear] += value;
}

/* Marks every item of a box of starts and extents. */
static void set_box(output_t *out, const size_t start[], const size_t extent[], uint32_t extra) {
  size_t index[6];
  size_t box = 1;
  for (size_t d = 0; d < out->dims; d++)
    box *= extent[d];
  for (size_t n = 0; n < box; n++) {
    size_t rest = n;
    for (size_t d = out->dims; d-- > 0;) {
      index[d] = start[d] + rest % extent[d];
      rest /= extent[d];
    }
    set_cell(out, index, out->dims, extra);
  }
}

#define BOX(...) ((const size_t[]){__VA_ARGS__})

static void t1(void *c, size_t i) { set_box(c, BOX(i), BOX(1), 0); }
static void t1u(void *c, uint32_t u, size_t i) { set_box(c, BOX(i), BOX(1), u); }
static void t1t(void *c, size_t i, size_t ti) { set_box(c, BOX(i), BOX(ti), 0); }
static void t2(void *c, size_t i, size_t j) { set_box(c, BOX(i, j), BOX(1, 1), 0); }
static void t2t1(void *c, size_t i, size_t j, size_t tj) {
  set_box(c, BOX(i, j), BOX(1, tj), 0);
}
static void t2t2(void *c, size_t i, size_t j, size_t ti, size_t tj) {
  set_box(c, BOX(i, j), BOX(ti, tj), 0);
}
static void t2t2u(void *c, uint32_t u, size_t i, size_t j, size_t ti, size_t tj) {
  set_box(c, BOX(i, j), BOX(ti, tj), u);
}
static void t3(void *c, size_t i, size_t j, size_t k) { set_box(c, BOX(i, j, k), BOX(1, 1, 1), 0); }
static void t3t1(void *c, size_t i, size_t j, size_t k, size_t tk) {
  set_box(c, BOX(i, j, k), BOX(1, 1, tk), 0);
}
static void t3t2(void *c, size_t i, size_t j, size_t k, size_t tj, size_t tk) {
  set_box(c, BOX(i, j, k), BOX(1, tj, tk), 0);
}
static void t3t2u(void *c, uint32_t u, size_t i, size_t j, size_t k, size_t tj, size_t tk) {
  set_box(c, BOX(i, j, k), BOX(1, tj, tk), u);
}
static void t3all(void *c, size_t i, size_t j, size_t k, size_t ti, size_t tj, size_t tk) {
  set_box(c, BOX(i, j, k), BOX(ti, tj, tk), 0);
}
static void t4(void *c, size_t i, size_t j, size_t k, size_t l) {
  set_box(c, BOX(i, j, k, l), BOX(1, 1, 1, 1), 0);
}
static void t4t1(void *c, size_t i, size_t j, size_t k, size_t l, size_t tl) {
  set_box(c, BOX(i, j, k, l), BOX(1, 1, 1, tl), 0);
}
static void t4t2(void *c, size_t i, size_t j, size_t k, size_t l, size_t tk, size_t tl) {
  set_box(c, BOX(i, j, k, l), BOX(1, 1, tk, tl), 0);
}
static void t4t2u(void *c, uint32_t u, size_t i, size_t j, size_t k, size_t l, size_t tk,
                  size_t tl) {
  set_box(c, BOX(i, j, k, l), BOX(1, 1, tk, tl), u);
}
static void t4all(void *c, size_t i, size_t j, size_t k, size_t l, size_t ti, size_t tj,
                  size_t tk, size_t tl) {
  set_box(c, BOX(i, j, k, l), BOX(ti, tj, tk, tl), 0);
}
static void t5(void *c, size_t i, size_t j, size_t k, size_t l, size_t m) {
  set_box(c, BOX(i, j, k, l, m), BOX(1, 1, 1, 1, 1), 0);
}
static void t5t1(void *c, size_t i, size_t j, size_t k, size_t l, size_t m, size_t tm) {
  set_box(c, BOX(i, j, k, l, m), BOX(1, 1, 1, 1, tm), 0);
}
static void t5t2(void *c, size_t i, size_t j, size_t k, size_t l, size_t m, size_t tl,
                 size_t tm) {
  set_box(c, BOX(i, j, k, l, m), BOX(1, 1, 1, tl, tm), 0);
}
static void t6(void *c, size_t i, size_t j, size_t k, size_t l, size_t m, size_t n) {
  set_box(c, BOX(i, j, k, l, m, n), BOX(1, 1, 1, 1, 1, 1), 0);
}
static void t6t1(void *c, size_t i, size_t j, size_t k, size_t l, size_t m, size_t n, size_t tn) {
  set_box(c, BOX(i, j, k, l, m, n), BOX(1, 1, 1, 1, 1, tn), 0);
}
static void t6t2(void *c, size_t i, size_t j, size_t k, size_t l, size_t m, size_t n, size_t tm,
                 size_t tn) {
  set_box(c, BOX(i, j, k, l, m, n), BOX(1, 1, 1, 1, tm, tn), 0);
}

static uint64_t checksum(const output_t *out) {
  uint64_t sum = 0;
  for (size_t i = 0; i < CELLS; i++)
    sum = (sum ^ out->cells[i]) * 1099511628211ull + i;
  return sum;
}

static output_t out;

/* Prints one result line: the function, its checksum and item errors. */
static void report(const char *name, size_t dims) {
  size_t items = 1;
  for (size_t d = 0; d < dims; d++)
    items *= out.range[d];
  size_t unset = 0;
  for (size_t i = 0; i < items; i++)
    unset += out.cells[i] == 0;
  printf("%-48s checksum: %016llx unset: %zu errors: %d\n", name,
         (unsigned long long)checksum(&out), unset, out.errors);
}

static void reset(size_t dims) {
  const size_t range[6] = {RI, RJ, RK, RL, RM, RN};
  memset(&out, 0, sizeof(out));
  out.dims = dims;
  memcpy(out.range, range, sizeof(range));
}

#define RUN(name, dims, call)                                                  \
  do {                                                                         \
    reset(dims);                                                               \
    call;                                                                      \
    report(name, dims);                                                        \
  } while (0)

int main(int argc, char **argv) {
  size_t threads = argc > 1 ? strtoul(argv[1], NULL, 10) : 2;
  pthreadpool_t pool = pthreadpool_create(threads);
  if (pool == NULL) {
    fprintf(stderr, "pthreadpool_create(%zu) failed\n", threads);
    return 1;
  }
  Dl_info info;
  if (dladdr((void *)pthreadpool_create, &info) == 0 || info.dli_fname == NULL) {
    fprintf(stderr, "dladdr cannot find pthreadpool_create\n");
    return 1;
  }
  printf("library: %s\n", info.dli_fname);
  printf("threads: %zu\n", pthreadpool_get_threads_count(pool));

  void *c = &out;
  RUN("parallelize_1d", 1, pthreadpool_parallelize_1d(pool, t1, c, RI, 0));
  RUN("parallelize_1d_with_uarch", 1,
      pthreadpool_parallelize_1d_with_uarch(pool, t1u, c, 3, 1, RI, 0));
  RUN("parallelize_1d_tile_1d", 1, pthreadpool_parallelize_1d_tile_1d(pool, t1t, c, RI, TI, 0));
  RUN("parallelize_2d", 2, pthreadpool_parallelize_2d(pool, t2, c, RI, RJ, 0));
  RUN("parallelize_2d_tile_1d", 2,
      pthreadpool_parallelize_2d_tile_1d(pool, t2t1, c, RI, RJ, TJ, 0));
  RUN("parallelize_2d_tile_2d", 2,
      pthreadpool_parallelize_2d_tile_2d(pool, t2t2, c, RI, RJ, TI, TJ, 0));
  RUN("parallelize_2d_tile_2d_with_uarch", 2,
      pthreadpool_parallelize_2d_tile_2d_with_uarch(pool, t2t2u, c, 3, 1, RI, RJ, TI, TJ, 0));
  RUN("parallelize_3d", 3, pthreadpool_parallelize_3d(pool, t3, c, RI, RJ, RK, 0));
  RUN("parallelize_3d_tile_1d", 3,
      pthreadpool_parallelize_3d_tile_1d(pool, t3t1, c, RI, RJ, RK, TK, 0));
  RUN("parallelize_3d_tile_2d", 3,
      pthreadpool_parallelize_3d_tile_2d(pool, t3t2, c, RI, RJ, RK, TJ, TK, 0));
  RUN("parallelize_3d_tile_2d_with_uarch", 3,
      pthreadpool_parallelize_3d_tile_2d_with_uarch(pool, t3t2u, c, 3, 1, RI, RJ, RK, TJ, TK,
                                                    0));
  RUN("parallelize_4d", 4, pthreadpool_parallelize_4d(pool, t4, c, RI, RJ, RK, RL, 0));
  RUN("parallelize_4d_tile_1d", 4,
      pthreadpool_parallelize_4d_tile_1d(pool, t4t1, c, RI, RJ, RK, RL, TL, 0));
  RUN("parallelize_4d_tile_2d", 4,
      pthreadpool_parallelize_4d_tile_2d(pool, t4t2, c, RI, RJ, RK, RL, TK, TL, 0));
  RUN("parallelize_4d_tile_2d_with_uarch", 4,
      pthreadpool_parallelize_4d_tile_2d_with_uarch(pool, t4t2u, c, 3, 1, RI, RJ, RK, RL, TK,
                                                    TL, 0));
  RUN("parallelize_5d", 5, pthreadpool_parallelize_5d(pool, t5, c, RI, RJ, RK, RL, RM, 0));
  RUN("parallelize_5d_tile_1d", 5,
      pthreadpool_parallelize_5d_tile_1d(pool, t5t1, c, RI, RJ, RK, RL, RM, TM, 0));
  RUN("parallelize_5d_tile_2d", 5,
      pthreadpool_parallelize_5d_tile_2d(pool, t5t2, c, RI, RJ, RK, RL, RM, TL, TM, 0));
  RUN("parallelize_6d", 6, pthreadpool_parallelize_6d(pool, t6, c, RI, RJ, RK, RL, RM, RN, 0));
  RUN("parallelize_6d_tile_1d", 6,
      pthreadpool_parallelize_6d_tile_1d(pool, t6t1, c, RI, RJ, RK, RL, RM, RN, TN, 0));
  RUN("parallelize_6d_tile_2d", 6,
      pthreadpool_parallelize_6d_tile_2d(pool, t6t2, c, RI, RJ, RK, RL, RM, RN, TM, TN, 0));
  RUN("compute_1d", 1, pthreadpool_compute_1d(pool, t1, c, RI));
  RUN("compute_1d_tiled", 1, pthreadpool_compute_1d_tiled(pool, t1t, c, RI, TI));
  RUN("compute_2d", 2, pthreadpool_compute_2d(pool, t2, c, RI, RJ));
  RUN("compute_2d_tiled", 2, pthreadpool_compute_2d_tiled(pool, t2t2, c, RI, RJ, TI, TJ));
  RUN("compute_3d_tiled", 3, pthreadpool_compute_3d_tiled(pool, t3all, c, RI, RJ, RK, TI, TJ, TK));
  RUN("compute_4d_tiled", 4,
      pthreadpool_compute_4d_tiled(pool, t4all, c, RI, RJ, RK, RL, TI, TJ, TK, TL));
  RUN("parallelize_1d on a NULL pool", 1, pthreadpool_parallelize_1d(NULL, t1, c, RI, 0));
  printf("NULL pool threads: %zu\n", pthreadpool_get_threads_count(NULL));

  pthreadpool_destroy(pool);
  pthreadpool_destroy(NULL);
  return 0;
}
