/* AVX2 + FMA3 microkernels: a tile of two ymm vectors down the rows times 6
 * columns, so 12 of the 16 ymm registers hold accumulators (16 x 6 floats,
 * 8 x 6 doubles). Target attributes keep the rest of the library on the
 * baseline instruction set. */
#include <immintrin.h>

#include "kernels/gemm_ukernels.h"

#define AVX2_TARGET __attribute__((target("avx2,fma")))

#define COLUMN_STEP(V, j)                                                      \
  do {                                                                         \
    V##_VEC bj = V##_SET1(b[j]);                                               \
    acc##j##_0 = V##_FMA(a0, bj, acc##j##_0);                                  \
    acc##j##_1 = V##_FMA(a1, bj, acc##j##_1);                                  \
  } while (0)

#define COLUMN_STORE(V, j)                                                     \
  do {                                                                         \
    V##_SCALAR *column = c + (size_t)(j) * ldc;                                \
    V##_VEC out0 = V##_MUL(valpha, acc##j##_0);                                \
    V##_VEC out1 = V##_MUL(valpha, acc##j##_1);                                \
    if (beta != 0) {                                                           \
      out0 = V##_FMA(vbeta, V##_LOAD(column), out0);                           \
      out1 = V##_FMA(vbeta, V##_LOAD(column + V##_LANES), out1);               \
    }                                                                          \
    V##_STORE(column, out0);                                                   \
    V##_STORE(column + V##_LANES, out1);                                       \
  } while (0)

#define FOR_COLUMNS(X, V) X(V, 0); X(V, 1); X(V, 2); X(V, 3); X(V, 4); X(V, 5)

/* The kernel body for the vector type V, with NR = 6. */
#define UKERNEL_BODY(V)                                                        \
  V##_VEC acc0_0 = V##_ZERO(), acc0_1 = V##_ZERO();                            \
  V##_VEC acc1_0 = V##_ZERO(), acc1_1 = V##_ZERO();                            \
  V##_VEC acc2_0 = V##_ZERO(), acc2_1 = V##_ZERO();                            \
  V##_VEC acc3_0 = V##_ZERO(), acc3_1 = V##_ZERO();                            \
  V##_VEC acc4_0 = V##_ZERO(), acc4_1 = V##_ZERO();                            \
  V##_VEC acc5_0 = V##_ZERO(), acc5_1 = V##_ZERO();                            \
                                                                               \
  for (size_t j = 0; j < 6; j++) {                                             \
    _mm_prefetch((const char *)(c + j * ldc), _MM_HINT_T0);                    \
    _mm_prefetch((const char *)(c + j * ldc + 2 * V##_LANES - 1), _MM_HINT_T0); \
  }                                                                            \
                                                                               \
  _Pragma("GCC unroll 4") for (size_t p = 0; p < k; p++) {                     \
    V##_VEC a0 = V##_LOAD(a);                                                  \
    V##_VEC a1 = V##_LOAD(a + V##_LANES);                                      \
    FOR_COLUMNS(COLUMN_STEP, V);                                               \
    a += 2 * V##_LANES;                                                        \
    b += 6;                                                                    \
  }                                                                            \
                                                                               \
  V##_VEC valpha = V##_SET1(alpha);                                            \
  V##_VEC vbeta = V##_SET1(beta);                                              \
  FOR_COLUMNS(COLUMN_STORE, V)

#define PS_VEC __m256
#define PS_SCALAR float
#define PS_LANES 8
#define PS_ZERO _mm256_setzero_ps
#define PS_SET1 _mm256_set1_ps
#define PS_LOAD _mm256_loadu_ps
#define PS_STORE _mm256_storeu_ps
#define PS_FMA _mm256_fmadd_ps
#define PS_MUL _mm256_mul_ps

#define PD_VEC __m256d
#define PD_SCALAR double
#define PD_LANES 4
#define PD_ZERO _mm256_setzero_pd
#define PD_SET1 _mm256_set1_pd
#define PD_LOAD _mm256_loadu_pd
#define PD_STORE _mm256_storeu_pd
#define PD_FMA _mm256_fmadd_pd
#define PD_MUL _mm256_mul_pd

AVX2_TARGET static void sgemm_ukernel_16x6(size_t k, const float *a, const float *b, float *c,
                                           size_t ldc, float alpha, float beta) {
  UKERNEL_BODY(PS);
}

AVX2_TARGET static void dgemm_ukernel_8x6(size_t k, const double *a, const double *b,
                                          double *c, size_t ldc, double alpha, double beta) {
  UKERNEL_BODY(PD);
}

const numapool__sgemm_ukernel_info_t numapool__sgemm_ukernel_avx2 = {
    .name = "avx2 16x6",
    .kernel = sgemm_ukernel_16x6,
    .blocking = {.mr = 16, .nr = 6, .mc = 144, .kc = 256, .nc = 4092},
};

const numapool__dgemm_ukernel_info_t numapool__dgemm_ukernel_avx2 = {
    .name = "avx2 8x6",
    .kernel = dgemm_ukernel_8x6,
    .blocking = {.mr = 8, .nr = 6, .mc = 96, .kc = 256, .nc = 4092},
};
