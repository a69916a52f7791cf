/* Portable C microkernels, and the reference tile update the tests compare
 * every microkernel against. The fixed tile sizes let the compiler keep the
 * accumulators in registers and vectorize with the baseline instruction
 * set. */
#include "kernels/gemm_ukernels.h"

/* Defines a kernel NAME for TYPE with an MR x NR tile. */
#define DEFINE_PORTABLE_UKERNEL(NAME, TYPE, MR, NR)                            \
  static void NAME(size_t k, const TYPE *a, const TYPE *b, TYPE *c,            \
                   size_t ldc, TYPE alpha, TYPE beta) {                        \
    TYPE sum[NR][MR] = {{0}};                                                  \
    for (size_t p = 0; p < k; p++) {                                           \
      for (size_t j = 0; j < (NR); j++) {                                      \
        TYPE bj = b[p * (NR) + j];                                             \
        for (size_t i = 0; i < (MR); i++)                                      \
          sum[j][i] += a[p * (MR) + i] * bj;                                   \
      }                                                                        \
    }                                                                          \
    for (size_t j = 0; j < (NR); j++) {                                        \
      TYPE *column = c + j * ldc;                                              \
      if (beta == 0) {                                                         \
        for (size_t i = 0; i < (MR); i++)                                      \
          column[i] = alpha * sum[j][i];                                       \
      } else {                                                                 \
        for (size_t i = 0; i < (MR); i++)                                      \
          column[i] = alpha * sum[j][i] + beta * column[i];                    \
      }                                                                        \
    }                                                                          \
  }

DEFINE_PORTABLE_UKERNEL(sgemm_ukernel_8x4, float, 8, 4)
DEFINE_PORTABLE_UKERNEL(dgemm_ukernel_4x4, double, 4, 4)

const numapool__sgemm_ukernel_info_t numapool__sgemm_ukernel_portable = {
    .name = "portable 8x4",
    .kernel = sgemm_ukernel_8x4,
    .blocking = {.mr = 8, .nr = 4, .mc = 128, .kc = 256, .nc = 2048},
};

const numapool__dgemm_ukernel_info_t numapool__dgemm_ukernel_portable = {
    .name = "portable 4x4",
    .kernel = dgemm_ukernel_4x4,
    .blocking = {.mr = 4, .nr = 4, .mc = 128, .kc = 256, .nc = 2048},
};

/* Defines the reference tile update for TYPE. */
#define DEFINE_TILE_REFERENCE(NAME, TYPE)                                      \
  void NAME(size_t mr, size_t nr, size_t k, const TYPE *a, const TYPE *b,      \
            TYPE *c, size_t ldc, TYPE alpha, TYPE beta) {                      \
    for (size_t j = 0; j < nr; j++) {                                          \
      for (size_t i = 0; i < mr; i++) {                                        \
        TYPE sum = 0;                                                          \
        for (size_t p = 0; p < k; p++)                                         \
          sum += a[p * mr + i] * b[p * nr + j];                                \
        TYPE *out = &c[i + j * ldc];                                           \
        *out = beta == 0 ? alpha * sum : alpha * sum + beta * *out;            \
      }                                                                        \
    }                                                                          \
  }

DEFINE_TILE_REFERENCE(numapool__sgemm_tile_reference, float)
DEFINE_TILE_REFERENCE(numapool__dgemm_tile_reference, double)
