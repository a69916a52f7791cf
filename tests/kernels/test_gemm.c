/* numapool_sgemm and numapool_dgemm against a naive reference computed in
 * double precision (long double for dgemm) and, when the build found it,
 * against OpenBLAS's cblas_sgemm and cblas_dgemm. The cases cover a table
 * of shapes, both layouts, all transpose combinations, padded leading
 * dimensions and several alpha and beta values, with NULL pools and pools
 * of 2 and 3 threads. Each result element must lie within the standard error bound of
 * a k-term dot product, and the padding of C must be untouched.
 *
 * Under ASan or TSan, or with NUMAPOOL_TEST_REDUCED=1 in the environment,
 * the larger shapes are skipped so the test stays within its timeout. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/kernels.h>

#include "check.h"

#ifdef NUMAPOOL_TEST_HAVE_OPENBLAS
#include <cblas.h>
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZER_BUILD 1
#endif
#endif
#ifndef SANITIZER_BUILD
#define SANITIZER_BUILD 0
#endif

/* Multiply-adds above which a shape counts as large. */
#define LARGE_WORK (64L * 64 * 64 * 8)

typedef struct gemm_case {
  int m, n, k;
  numapool_layout_t layout;
  numapool_transpose_t trans_a, trans_b;
  double alpha, beta;
  int ld_pad;      /* added to every minimum leading dimension */
  bool nan_in_c;   /* C starts as NaN; only valid with beta == 0 */
} gemm_case_t;

static unsigned checks;
static unsigned long long random_state = 0x9e3779b97f4a7c15ull;

/* Deterministic values in [-1, 1). */
static double random_value(void) {
  random_state = random_state * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(random_state >> 11) / (double)(1ull << 53) * 2.0 - 1.0;
}

/* Rows and columns of a stored matrix, and its element offset. */
static size_t stored_offset(numapool_layout_t layout, int i, int j, int ld) {
  return layout == NUMAPOOL_ROW_MAJOR ? (size_t)i * ld + j : (size_t)i + (size_t)j * ld;
}

static void stored_shape(const gemm_case_t *t, char matrix, int *rows, int *cols) {
  bool trans;
  if (matrix == 'a') {
    trans = t->trans_a != NUMAPOOL_NO_TRANS;
    *rows = trans ? t->k : t->m;
    *cols = trans ? t->m : t->k;
  } else if (matrix == 'b') {
    trans = t->trans_b != NUMAPOOL_NO_TRANS;
    *rows = trans ? t->n : t->k;
    *cols = trans ? t->k : t->n;
  } else {
    *rows = t->m;
    *cols = t->n;
  }
}

/* The leading dimension and element count of a stored matrix. */
static int leading_dimension(const gemm_case_t *t, char matrix) {
  int rows, cols;
  stored_shape(t, matrix, &rows, &cols);
  int minimum = t->layout == NUMAPOOL_ROW_MAJOR ? cols : rows;
  return (minimum > 1 ? minimum : 1) + t->ld_pad;
}

static size_t stored_count(const gemm_case_t *t, char matrix) {
  int rows, cols;
  stored_shape(t, matrix, &rows, &cols);
  int outer = t->layout == NUMAPOOL_ROW_MAJOR ? rows : cols;
  return (size_t)(outer > 0 ? outer : 1) * leading_dimension(t, matrix);
}

static const char *case_text(const gemm_case_t *t) {
  static char text[200];
  snprintf(text, sizeof text,
           "m=%d n=%d k=%d %s trans_a=%d trans_b=%d alpha=%g beta=%g ld_pad=%d nan_in_c=%d",
           t->m, t->n, t->k, t->layout == NUMAPOOL_ROW_MAJOR ? "row-major" : "col-major",
           (int)t->trans_a, (int)t->trans_b, t->alpha, t->beta, t->ld_pad, (int)t->nan_in_c);
  return text;
}

/* Defines run_case_<P>(pool, case) for element type T with epsilon EPS,
 * reference type R, numapool function GEMM and CBLAS function CBLAS. */
#define DEFINE_RUN_CASE(P, T, R, EPS, GEMM, CBLAS_CALL)                        \
  static T P##_op(const gemm_case_t *t, const T *x, char matrix, int i, int j) { \
    bool trans = (matrix == 'a' ? t->trans_a : t->trans_b) != NUMAPOOL_NO_TRANS; \
    int ld = leading_dimension(t, matrix);                                     \
    return trans ? x[stored_offset(t->layout, j, i, ld)]                       \
                 : x[stored_offset(t->layout, i, j, ld)];                      \
  }                                                                            \
                                                                               \
  static void P##_check_result(numapool_t *pool, const gemm_case_t *t,         \
                               const T *a, const T *b, const T *c0,            \
                               const T *c, const T *other, const char *who) {  \
    int ldc = leading_dimension(t, 'c');                                       \
    size_t count = stored_count(t, 'c');                                       \
    char detail[400];                                                          \
    for (int i = 0; i < t->m; i++) {                                           \
      for (int j = 0; j < t->n; j++) {                                         \
        R sum = 0, magnitude = 0;                                              \
        for (int p = 0; p < t->k; p++) {                                       \
          R product = (R)P##_op(t, a, 'a', i, p) * (R)P##_op(t, b, 'b', p, j); \
          sum += product;                                                      \
          magnitude += product < 0 ? -product : product;                       \
        }                                                                      \
        size_t at = stored_offset(t->layout, i, j, ldc);                       \
        R expected = (R)t->alpha * sum;                                        \
        R bound = fabs(t->alpha) * magnitude;                                  \
        if (t->beta != 0) {                                                    \
          expected += (R)t->beta * (R)c0[at];                                  \
          bound += fabs(t->beta * c0[at]);                                     \
        }                                                                      \
        R tolerance = 4 * (R)(t->k + 2) * (R)(EPS) * bound + (R)1e-30;         \
        R error = (R)c[at] - expected;                                         \
        if (error < 0)                                                         \
          error = -error;                                                      \
        if (!(error <= tolerance)) {                                           \
          snprintf(detail, sizeof detail,                                      \
                   "%s C(%d,%d) = %.9g, reference %.9g, tolerance %.3g, "      \
                   "threads %zu, %s", #GEMM, i, j, (double)c[at],              \
                   (double)expected, (double)tolerance,                        \
                   numapool_get_thread_count(pool), case_text(t));             \
          CHECK_MSG(error <= tolerance, detail);                               \
        }                                                                      \
        if (other != NULL) {                                                   \
          R gap = (R)c[at] - (R)other[at];                                     \
          if (gap < 0)                                                         \
            gap = -gap;                                                        \
          if (!(gap <= 2 * tolerance)) {                                       \
            snprintf(detail, sizeof detail,                                    \
                     "%s C(%d,%d) = %.9g, %s %.9g, tolerance %.3g, %s",        \
                     #GEMM, i, j, (double)c[at], who, (double)other[at],       \
                     (double)(2 * tolerance), case_text(t));                   \
            CHECK_MSG(gap <= 2 * tolerance, detail);                           \
          }                                                                    \
        }                                                                      \
      }                                                                        \
    }                                                                          \
    /* Padding between and after the columns (or rows) stays as it was. */    \
    for (size_t at = 0; at < count; at++) {                                    \
      size_t inner = at % (size_t)ldc, outer = at / (size_t)ldc;               \
      size_t inner_size = (size_t)(t->layout == NUMAPOOL_ROW_MAJOR ? t->n : t->m); \
      size_t outer_size = (size_t)(t->layout == NUMAPOOL_ROW_MAJOR ? t->m : t->n); \
      if (inner < inner_size && outer < outer_size)                            \
        continue;                                                              \
      if (memcmp(&c[at], &c0[at], sizeof(T)) != 0) {                           \
        snprintf(detail, sizeof detail, "%s wrote C padding at %zu, %s",       \
                 #GEMM, at, case_text(t));                                     \
        CHECK_MSG(memcmp(&c[at], &c0[at], sizeof(T)) == 0, detail);            \
      }                                                                        \
    }                                                                          \
    checks++;                                                                  \
  }                                                                            \
                                                                               \
  static void P##_run_case(numapool_t *pool, const gemm_case_t *t) {           \
    size_t a_count = stored_count(t, 'a'), b_count = stored_count(t, 'b');     \
    size_t c_count = stored_count(t, 'c');                                     \
    T *a = malloc(a_count * sizeof(T)), *b = malloc(b_count * sizeof(T));      \
    T *c0 = malloc(c_count * sizeof(T)), *c = malloc(c_count * sizeof(T));     \
    T *other = malloc(c_count * sizeof(T));                                    \
    CHECK(a != NULL && b != NULL && c0 != NULL && c != NULL && other != NULL); \
    for (size_t i = 0; i < a_count; i++)                                       \
      a[i] = (T)random_value();                                                \
    for (size_t i = 0; i < b_count; i++)                                       \
      b[i] = (T)random_value();                                                \
    for (size_t i = 0; i < c_count; i++)                                       \
      c0[i] = t->nan_in_c ? (T)NAN : (T)random_value();                        \
    memcpy(c, c0, c_count * sizeof(T));                                        \
    int status = GEMM(pool, t->layout, t->trans_a, t->trans_b, t->m, t->n,     \
                      t->k, (T)t->alpha, a, leading_dimension(t, 'a'), b,      \
                      leading_dimension(t, 'b'), (T)t->beta, c,                \
                      leading_dimension(t, 'c'));                              \
    CHECK_MSG(status == 0, case_text(t));                                      \
    const T *peer = NULL;                                                      \
    memcpy(other, c0, c_count * sizeof(T));                                    \
    CBLAS_CALL;                                                                \
    P##_check_result(pool, t, a, b, c0, c, peer, "OpenBLAS");                  \
    free(a);                                                                   \
    free(b);                                                                   \
    free(c0);                                                                  \
    free(c);                                                                   \
    free(other);                                                               \
  }

#ifdef NUMAPOOL_TEST_HAVE_OPENBLAS
#define CBLAS_RUN(FUNCTION, T)                                                 \
  do {                                                                         \
    FUNCTION((enum CBLAS_ORDER)t->layout, (enum CBLAS_TRANSPOSE)t->trans_a,    \
             (enum CBLAS_TRANSPOSE)t->trans_b, t->m, t->n, t->k, (T)t->alpha,  \
             a, leading_dimension(t, 'a'), b, leading_dimension(t, 'b'),       \
             (T)t->beta, other, leading_dimension(t, 'c'));                    \
    /* OpenBLAS reads C when beta is 0 in some paths, so NaN there is not    \
     * compared. */                                                            \
    if (!t->nan_in_c)                                                          \
      peer = other;                                                            \
  } while (0)
#else
#define CBLAS_RUN(FUNCTION, T) ((void)other)
#endif

DEFINE_RUN_CASE(s, float, double, 5.96e-8, numapool_sgemm, CBLAS_RUN(cblas_sgemm, float))
DEFINE_RUN_CASE(d, double, long double, 1.11e-16, numapool_dgemm, CBLAS_RUN(cblas_dgemm, double))

/* Shapes: tiny and prime ones, every size just below, at and above the tile
 * and block sizes of the microkernels (mr 4, 8, 16, 32; nr 4, 6, 12; mc 96
 * to 320; kc 256 and 384; nc 2048 and 4092), k = 1, and skinny shapes like
 * those of neural network layers. */
static const int shapes[][3] = {
    {0, 5, 5},       {5, 0, 5},       {5, 5, 0},       {40, 50, 0},
    {1, 1, 1},       {2, 3, 5},       {7, 11, 13},     {17, 19, 23},    {31, 37, 41},
    {1, 64, 64},     {64, 1, 64},     {64, 64, 1},     {3, 200, 50},    {200, 3, 50},
    {8, 6, 4},       {15, 5, 3},      {16, 12, 7},     {33, 13, 9},     {31, 11, 17},
    {32, 12, 256},   {33, 13, 257},   {63, 25, 255},   {65, 23, 383},   {47, 29, 384},
    {97, 37, 385},   {95, 7, 129},    {127, 49, 64},   {129, 50, 100},  {143, 21, 33},
    {145, 19, 40},   {191, 13, 30},   {193, 17, 20},   {319, 9, 20},    {321, 14, 24},
    {101, 103, 107}, {64, 300, 576},  {256, 97, 300},  {5, 4093, 3},    {37, 2049, 5},
    {40, 4095, 2},   {1000, 2, 3},    {2, 1000, 300},  {640, 30, 8},    {9, 700, 40},
    {64, 4100, 3},   {64, 4091, 4},   {32, 2050, 3},   {48, 2047, 6},
    {3000, 1, 200},  {1, 3000, 200},  {700, 2, 400},   {24, 24, 24},
};

static const double scalars[][2] = {
    {1, 0}, {1, 1}, {0.5, -1.5}, {-2, 0.25}, {0, 2}, {0, 0}, {1.5, 1},
};

static bool reduced_run(void) {
  const char *reduced = getenv("NUMAPOOL_TEST_REDUCED");
  return SANITIZER_BUILD || (reduced != NULL && strcmp(reduced, "1") == 0);
}

/* Runs one shape over layouts, transposes and scalars. Large shapes take a
 * rotating subset of the 8 layout and transpose combinations. */
static void run_shape(numapool_t *pool, int index, bool single) {
  int m = shapes[index][0], n = shapes[index][1], k = shapes[index][2];
  long work = (long)m * n * k;
  if (reduced_run() && work > LARGE_WORK / 8)
    return;
  int combos = work > LARGE_WORK / 8 ? 2 : 8;
  for (int c = 0; c < combos; c++) {
    int combo = (c + index) % 8;
    gemm_case_t t = {
        .m = m, .n = n, .k = k,
        .layout = (combo & 1) ? NUMAPOOL_ROW_MAJOR : NUMAPOOL_COL_MAJOR,
        .trans_a = (combo & 2) ? NUMAPOOL_TRANS : NUMAPOOL_NO_TRANS,
        .trans_b = (combo & 4) ? NUMAPOOL_CONJ_TRANS : NUMAPOOL_NO_TRANS,
        .ld_pad = (c % 2) * 3,
    };
    size_t scalar_count = sizeof scalars / sizeof scalars[0];
    for (size_t s = 0; s < scalar_count; s++) {
      if (work > LARGE_WORK / 8 && s % 3 != (size_t)c % 3)
        continue;
      t.alpha = scalars[s][0];
      t.beta = scalars[s][1];
      t.nan_in_c = t.beta == 0 && s % 2 == 1;
      if (single)
        s_run_case(pool, &t);
      else
        d_run_case(pool, &t);
    }
  }
}

/* The ML shapes at full size: M 64-256, N 3136, K 576. */
static void run_large(numapool_t *pool) {
  if (reduced_run())
    return;
  gemm_case_t t = {.m = 128, .n = 3136, .k = 576, .layout = NUMAPOOL_ROW_MAJOR,
                   .trans_a = NUMAPOOL_NO_TRANS, .trans_b = NUMAPOOL_NO_TRANS,
                   .alpha = 1, .beta = 0, .nan_in_c = true};
  s_run_case(pool, &t);
  t = (gemm_case_t){.m = 520, .n = 400, .k = 800, .layout = NUMAPOOL_COL_MAJOR,
                    .trans_a = NUMAPOOL_TRANS, .trans_b = NUMAPOOL_NO_TRANS,
                    .alpha = 0.75, .beta = -1, .ld_pad = 5};
  s_run_case(pool, &t);
  d_run_case(pool, &t);
}

int main(void) {
  size_t shape_count = sizeof shapes / sizeof shapes[0];
  numapool_options_t options2 = {.thread_count = 2};
  numapool_options_t options3 = {.thread_count = 3};
  numapool_t *pool2 = numapool_create(&options2);
  numapool_t *pool3 = numapool_create(&options3);
  CHECK(pool2 != NULL);
  CHECK(pool3 != NULL);
  numapool_t *pools[3] = {NULL, pool2, pool3};

  for (int p = 0; p < 3; p++) {
    for (size_t i = 0; i < shape_count; i++) {
      /* The 3-thread pool runs every third shape: it is there for grids
       * that do not divide evenly. */
      if (p == 2 && i % 3 != 0)
        continue;
      run_shape(pools[p], (int)i, true);
      run_shape(pools[p], (int)i, false);
    }
  }
  run_large(pool2);

  numapool_destroy(pool2);
  numapool_destroy(pool3);
  return check_done("kernels_gemm", checks);
}
