/* numapool_sgemm and numapool_dgemm: argument checks, normalization to a
 * column-major C, microkernel dispatch, and the choice between the packed
 * and the direct path. The loops themselves are in gemm_template.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/kernels.h>

#include "common/log.h"
#include "kernels/gemm_ukernels.h"

/* The largest mr * nr of any microkernel, for the edge tile buffer. */
#define GEMM_MAX_TILE (32 * 16)

/* Multiply-adds below which a problem runs on the caller: waking a worker
 * and meeting at barriers costs a few microseconds, which is the time of
 * about this much work.
 * NOTE: estimated from the pool's fork-join cost on a 2-core Zen 4 VM, not
 * measured on larger machines. */
#define GEMM_SERIAL_WORK ((size_t)96 * 96 * 96)

/* Multiply-adds below which the direct path is used whatever the shape
 * (with the AVX-512 kernels on Zen 4, packing was faster from 24^3 and
 * slower at 16^3), and the work per tile of a parallel direct call. */
#define GEMM_DIRECT_WORK ((size_t)20 * 20 * 20)
#define GEMM_DIRECT_TILE_WORK ((size_t)1 << 18)

/* Rows of C per register block of the direct path (one zmm of floats),
 * and the column length above which it streams instead. */
#define GEMM_DIRECT_ROWS 16
#define GEMM_DIRECT_LONG 512

/* Steps of k per chunk when packing transposes, so that the chunk of
 * packed output stays in L1. */
#define GEMM_PACK_CHUNK 64

/* Clones of the packing and direct-path loops for wider vectors, chosen
 * by an ifunc resolver at load time. Sanitizer builds go without: the
 * resolver runs before the sanitizer runtime is set up and crashes in its
 * instrumentation. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GEMM_NO_CLONES 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define GEMM_NO_CLONES 1
#endif
#endif
#if defined(__x86_64__) && defined(__has_attribute) && !defined(GEMM_NO_CLONES)
#if __has_attribute(target_clones)
#define GEMM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef GEMM_CLONES
#define GEMM_CLONES
#endif

static size_t gemm_div_up(size_t value, size_t divisor) {
  return (value + divisor - 1) / divisor;
}

/* Splits count items into parts contiguous ranges of near-equal size and
 * stores range number index as [*begin, *end). */
static void gemm_share(size_t count, size_t parts, size_t index, size_t *begin, size_t *end) {
  *begin = count * index / parts;
  *end = count * (index + 1) / parts;
}

/* How a team's threads split C: threads_m * threads_n == the thread count. */
typedef struct gemm_grid {
  size_t threads_m, threads_n;
} gemm_grid_t;

/* Chooses the grid that gives the busiest thread the fewest tiles of a
 * panel of width columns, preferring to split rows on a tie, because
 * threads that share rows pack the same A block twice. */
static gemm_grid_t gemm_grid(size_t m, size_t width, size_t mr, size_t nr,
                             size_t thread_count) {
  size_t row_slivers = gemm_div_up(m, mr), col_slivers = gemm_div_up(width, nr);
  gemm_grid_t best = {thread_count, 1};
  size_t best_tiles = SIZE_MAX;
  for (size_t threads_m = thread_count; threads_m >= 1; threads_m--) {
    if (thread_count % threads_m != 0)
      continue;
    size_t threads_n = thread_count / threads_m;
    size_t tiles =
        gemm_div_up(row_slivers, threads_m) * gemm_div_up(col_slivers, threads_n);
    if (tiles < best_tiles) {
      best_tiles = tiles;
      best = (gemm_grid_t){threads_m, threads_n};
    }
  }
  return best;
}

/* Multiply-adds the microkernels do for an m x n C, padding included. */
static double gemm_padded_area(size_t m, size_t n, const numapool__gemm_blocking_t *blocking) {
  size_t step = blocking->narrow_step != 0 ? blocking->narrow_step : blocking->nr;
  size_t full = n / blocking->nr * blocking->nr;
  size_t padded_n = full + gemm_div_up(n - full, step) * step;
  return (double)(gemm_div_up(m, blocking->mr) * blocking->mr) * (double)padded_n;
}

/* Whether computing C^T pads the tiles less than C by more than 3%, which
 * pays for writing the tiles of C^T through a local buffer. */
static bool gemm_prefer_transposed(size_t m, size_t n,
                                   const numapool__gemm_blocking_t *blocking) {
  double natural = gemm_padded_area(m, n, blocking);
  double transposed = gemm_padded_area(n, m, blocking);
  return transposed * 1.03 < natural;
}

static bool gemm_is_small(size_t m, size_t n, size_t k) {
  return m * n * k < GEMM_SERIAL_WORK;
}

/* Tiny problems, and those that the packed path would compute mostly as
 * tile padding (in either orientation), are cheaper without packing. */
static bool gemm_use_direct(size_t m, size_t n, size_t k,
                            const numapool__gemm_blocking_t *blocking) {
  if (m * n * k <= GEMM_DIRECT_WORK)
    return true;
  double natural = gemm_padded_area(m, n, blocking);
  double transposed = gemm_padded_area(n, m, blocking);
  double padded = natural < transposed ? natural : transposed;
  return (double)m * (double)n < 0.5 * padded;
}

/* Tiles of the direct path: one per thread, along columns when there are
 * at least 8 and along rows (multiples of 64) otherwise, or a single tile
 * when the work is below two GEMM_DIRECT_TILE_WORK. Large tiles keep the
 * streaming form's reads of op(A) sequential. */
static void gemm_direct_tiles(size_t m, size_t n, size_t k, size_t threads, size_t *tile_rows,
                              size_t *tile_cols) {
  *tile_rows = m;
  *tile_cols = n;
  if (threads <= 1 || m * n * k < 2 * GEMM_DIRECT_TILE_WORK)
    return;
  if (n >= 8)
    *tile_cols = gemm_div_up(n, threads);
  else
    *tile_rows = gemm_div_up(gemm_div_up(m, threads), 64) * 64;
}

#define GEMM_TYPE float
#define GEMM_PREFIX sgemm
#include "kernels/gemm_template.h"
#undef GEMM_TYPE
#undef GEMM_PREFIX

#define GEMM_TYPE double
#define GEMM_PREFIX dgemm
#include "kernels/gemm_template.h"
#undef GEMM_TYPE
#undef GEMM_PREFIX

/* The microkernels in use, chosen once per process. */
static const numapool__sgemm_ukernel_info_t *sgemm_ukernel;
static const numapool__dgemm_ukernel_info_t *dgemm_ukernel;
static pthread_once_t ukernel_once = PTHREAD_ONCE_INIT;

/* Picks the widest microkernels the CPU supports. NUMAPOOL_GEMM_KERNEL =
 * avx512, avx2 or portable requests a set, so the tests can run each; a
 * request the CPU cannot run falls back to the automatic choice. */
static void ukernel_choose(void) {
  bool avx512 = false, avx2 = false;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  avx512 = __builtin_cpu_supports("avx512f");
  avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif

  const char *request = getenv("NUMAPOOL_GEMM_KERNEL");
  if (request != NULL && request[0] != '\0') {
    if (strcmp(request, "portable") == 0) {
      avx512 = avx2 = false;
    } else if (strcmp(request, "avx2") == 0 && avx2) {
      avx512 = false;
    } else if (strcmp(request, "avx512") != 0 || !avx512) {
      NUMAPOOL_LOG_WARN("NUMAPOOL_GEMM_KERNEL=%s is not one of avx512, avx2, portable "
                        "that this CPU supports; choosing by CPU features",
                        request);
    }
  }

  sgemm_ukernel = avx512 ? &numapool__sgemm_ukernel_avx512
                  : avx2 ? &numapool__sgemm_ukernel_avx2
                         : &numapool__sgemm_ukernel_portable;
  dgemm_ukernel = avx512 ? &numapool__dgemm_ukernel_avx512
                  : avx2 ? &numapool__dgemm_ukernel_avx2
                         : &numapool__dgemm_ukernel_portable;
  NUMAPOOL_LOG_INFO("gemm microkernels: %s, %s", sgemm_ukernel->name, dgemm_ukernel->name);
}

/* Loads the chosen microkernels; pthread_once cannot fail with a valid
 * once control, but its result is checked all the same. */
static bool ukernel_load(void) {
  int error = pthread_once(&ukernel_once, ukernel_choose);
  if (error != 0) {
    NUMAPOOL_LOG_ERROR("gemm: choosing the microkernel failed: %s", strerror(error));
    return false;
  }
  return true;
}

/* The arguments shared by both element types, checked in BLAS's way. */
typedef struct gemm_arguments {
  const char *function;
  numapool_layout_t layout;
  numapool_transpose_t trans_a, trans_b;
  int m, n, k;
  bool alpha_is_zero;
  bool a_is_null, b_is_null, c_is_null;
  int lda, ldb, ldc;
} gemm_arguments_t;

static bool transpose_valid(numapool_transpose_t trans) {
  return trans == NUMAPOOL_NO_TRANS || trans == NUMAPOOL_TRANS || trans == NUMAPOOL_CONJ_TRANS;
}

static int max1(int value) {
  return value > 1 ? value : 1;
}

/* Logs an invalid parameter by position (the pool is parameter 1) and
 * name, as xerbla does, and returns NUMAPOOL_EINVAL. */
static int reject(const gemm_arguments_t *args, int position, const char *name,
                  const char *problem) {
  NUMAPOOL_LOG_ERROR("%s: parameter %d (%s) is invalid: %s", args->function, position, name,
                     problem);
  return NUMAPOOL_EINVAL;
}

/* Checks a leading dimension against the stored width of its matrix. */
static int check_leading(const gemm_arguments_t *args, int position, const char *name,
                         int value, int count, const char *matrix) {
  if (value >= max1(count))
    return 0;
  char problem[160];
  snprintf(problem, sizeof problem, "%s is %d, must be at least max(1, %d), %d being the %s",
           name, value, count, count, matrix);
  return reject(args, position, name, problem);
}

static int check_arguments(const gemm_arguments_t *args) {
  char problem[160];
  if (args->layout != NUMAPOOL_ROW_MAJOR && args->layout != NUMAPOOL_COL_MAJOR) {
    snprintf(problem, sizeof problem,
             "layout %d is neither NUMAPOOL_ROW_MAJOR (101) nor NUMAPOOL_COL_MAJOR (102)",
             (int)args->layout);
    return reject(args, 2, "layout", problem);
  }
  if (!transpose_valid(args->trans_a)) {
    snprintf(problem, sizeof problem, "trans_a %d is not one of 111, 112, 113",
             (int)args->trans_a);
    return reject(args, 3, "trans_a", problem);
  }
  if (!transpose_valid(args->trans_b)) {
    snprintf(problem, sizeof problem, "trans_b %d is not one of 111, 112, 113",
             (int)args->trans_b);
    return reject(args, 4, "trans_b", problem);
  }
  const int sizes[3] = {args->m, args->n, args->k};
  const char *size_names[3] = {"m", "n", "k"};
  for (int i = 0; i < 3; i++) {
    if (sizes[i] < 0) {
      snprintf(problem, sizeof problem, "%s is %d, must be 0 or more", size_names[i], sizes[i]);
      return reject(args, 5 + i, size_names[i], problem);
    }
  }

  /* A column-major matrix stores columns of height rows, so its leading
   * dimension is at least its row count. A row-major one needs at least
   * its column count. */
  bool row_major = args->layout == NUMAPOOL_ROW_MAJOR;
  bool a_trans = args->trans_a != NUMAPOOL_NO_TRANS, b_trans = args->trans_b != NUMAPOOL_NO_TRANS;
  int a_rows = a_trans ? args->k : args->m, a_cols = a_trans ? args->m : args->k;
  int b_rows = b_trans ? args->n : args->k, b_cols = b_trans ? args->k : args->n;
  int status = check_leading(args, 10, "lda", args->lda, row_major ? a_cols : a_rows,
                             row_major ? "column count of the row-major stored A"
                                       : "row count of the column-major stored A");
  if (status == 0)
    status = check_leading(args, 12, "ldb", args->ldb, row_major ? b_cols : b_rows,
                           row_major ? "column count of the row-major stored B"
                                     : "row count of the column-major stored B");
  if (status == 0)
    status = check_leading(args, 15, "ldc", args->ldc, row_major ? args->n : args->m,
                           row_major ? "column count of the row-major C"
                                     : "row count of the column-major C");
  if (status != 0)
    return status;

  bool writes_c = args->m > 0 && args->n > 0;
  bool reads_ab = writes_c && args->k > 0 && !args->alpha_is_zero;
  if (reads_ab && args->a_is_null)
    return reject(args, 9, "a", "a is NULL but the call reads A");
  if (reads_ab && args->b_is_null)
    return reject(args, 11, "b", "b is NULL but the call reads B");
  if (writes_c && args->c_is_null)
    return reject(args, 14, "c", "c is NULL but the call writes C");
  return 0;
}

/* Element strides of op(X) for a matrix stored with leading dimension ld:
 * op(X)(i, j) = x[i * *rs + j * *cs]. */
static void operand_strides(bool row_major, bool trans, int ld, size_t *rs, size_t *cs) {
  bool unit_rows = row_major == trans; /* consecutive rows of op(X) are adjacent */
  *rs = unit_rows ? 1 : (size_t)ld;
  *cs = unit_rows ? (size_t)ld : 1;
}

/* Fills the normalized problem for either element type: a row-major C is
 * a column-major C transposed, so C^T = op(B)^T * op(A)^T is computed
 * instead, with the operands swapped and their strides exchanged. */
#define GEMM_NORMALIZE(problem, args, a_ptr, b_ptr, c_ptr)                     \
  do {                                                                         \
    bool row_major_ = (args).layout == NUMAPOOL_ROW_MAJOR;                     \
    size_t a_rs_, a_cs_, b_rs_, b_cs_;                                         \
    operand_strides(row_major_, (args).trans_a != NUMAPOOL_NO_TRANS, (args).lda, &a_rs_, &a_cs_); \
    operand_strides(row_major_, (args).trans_b != NUMAPOOL_NO_TRANS, (args).ldb, &b_rs_, &b_cs_); \
    (problem).k = (size_t)(args).k;                                            \
    (problem).c = (c_ptr);                                                     \
    (problem).c_rs = 1;                                                        \
    (problem).c_cs = (size_t)(args).ldc;                                        \
    if (!row_major_) {                                                         \
      (problem).m = (size_t)(args).m, (problem).n = (size_t)(args).n;          \
      (problem).a = (a_ptr), (problem).a_rs = a_rs_, (problem).a_cs = a_cs_;   \
      (problem).b = (b_ptr), (problem).b_rs = b_rs_, (problem).b_cs = b_cs_;   \
    } else {                                                                   \
      (problem).m = (size_t)(args).n, (problem).n = (size_t)(args).m;          \
      (problem).a = (b_ptr), (problem).a_rs = b_cs_, (problem).a_cs = b_rs_;   \
      (problem).b = (a_ptr), (problem).b_rs = a_cs_, (problem).b_cs = a_rs_;   \
    }                                                                          \
  } while (0)

int numapool_sgemm(numapool_t *pool, numapool_layout_t layout, numapool_transpose_t trans_a,
                   numapool_transpose_t trans_b, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb, float beta, float *c,
                   int ldc) {
  gemm_arguments_t args = {"numapool_sgemm", layout, trans_a, trans_b, m, n, k, alpha == 0,
                           a == NULL, b == NULL, c == NULL, lda, ldb, ldc};
  int status = check_arguments(&args);
  if (status != 0)
    return status;
  if (m == 0 || n == 0)
    return 0;
  if (!ukernel_load())
    return NUMAPOOL_EINVAL;

  sgemm_problem_t problem = {.alpha = alpha, .beta = beta,
                             .kernel = sgemm_ukernel->kernel,
                             .narrow = {sgemm_ukernel->narrow[0], sgemm_ukernel->narrow[1]},
                             .blocking = sgemm_ukernel->blocking};
  GEMM_NORMALIZE(problem, args, a, b, c);
  return sgemm_run(pool, &problem);
}

int numapool_dgemm(numapool_t *pool, numapool_layout_t layout, numapool_transpose_t trans_a,
                   numapool_transpose_t trans_b, int m, int n, int k, double alpha,
                   const double *a, int lda, const double *b, int ldb, double beta, double *c,
                   int ldc) {
  gemm_arguments_t args = {"numapool_dgemm", layout, trans_a, trans_b, m, n, k, alpha == 0,
                           a == NULL, b == NULL, c == NULL, lda, ldb, ldc};
  int status = check_arguments(&args);
  if (status != 0)
    return status;
  if (m == 0 || n == 0)
    return 0;
  if (!ukernel_load())
    return NUMAPOOL_EINVAL;

  dgemm_problem_t problem = {.alpha = alpha, .beta = beta,
                             .kernel = dgemm_ukernel->kernel,
                             .narrow = {dgemm_ukernel->narrow[0], dgemm_ukernel->narrow[1]},
                             .blocking = dgemm_ukernel->blocking};
  GEMM_NORMALIZE(problem, args, a, b, c);
  return dgemm_run(pool, &problem);
}
