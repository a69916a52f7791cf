/* AVX-512F microkernels: a tile of two zmm vectors down the rows times 12
 * columns, so 24 of the 32 zmm registers hold accumulators (32 x 12 floats,
 * 16 x 12 doubles). The functions carry target attributes instead of the
 * file taking -mavx512f, so the rest of the library keeps the baseline
 * instruction set and the dispatcher decides at run time. */
#include <immintrin.h>

#include "kernels/gemm_ukernels.h"

#define AVX512_TARGET __attribute__((target("avx512f,fma")))

/* One column j of the tile: broadcast b[j] and update both accumulators. */
#define COLUMN_STEP(V, j)                                                      \
  do {                                                                         \
    V##_VEC bj = V##_SET1(b[j]);                                               \
    acc##j##_0 = V##_FMA(a0, bj, acc##j##_0);                                  \
    acc##j##_1 = V##_FMA(a1, bj, acc##j##_1);                                  \
  } while (0)

/* Writes column j of the tile to C: alpha * acc, plus beta * C unless beta
 * is 0. */
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

#define FOR_COLUMNS(X, V)                                                      \
  X(V, 0); X(V, 1); X(V, 2); X(V, 3); X(V, 4); X(V, 5);                        \
  X(V, 6); X(V, 7); X(V, 8); X(V, 9); X(V, 10); X(V, 11)

/* The kernel body for the vector type V, with NR = 12. */
#define UKERNEL_BODY(V)                                                        \
  V##_VEC acc0_0 = V##_ZERO(), acc0_1 = V##_ZERO();                            \
  V##_VEC acc1_0 = V##_ZERO(), acc1_1 = V##_ZERO();                            \
  V##_VEC acc2_0 = V##_ZERO(), acc2_1 = V##_ZERO();                            \
  V##_VEC acc3_0 = V##_ZERO(), acc3_1 = V##_ZERO();                            \
  V##_VEC acc4_0 = V##_ZERO(), acc4_1 = V##_ZERO();                            \
  V##_VEC acc5_0 = V##_ZERO(), acc5_1 = V##_ZERO();                            \
  V##_VEC acc6_0 = V##_ZERO(), acc6_1 = V##_ZERO();                            \
  V##_VEC acc7_0 = V##_ZERO(), acc7_1 = V##_ZERO();                            \
  V##_VEC acc8_0 = V##_ZERO(), acc8_1 = V##_ZERO();                            \
  V##_VEC acc9_0 = V##_ZERO(), acc9_1 = V##_ZERO();                            \
  V##_VEC acc10_0 = V##_ZERO(), acc10_1 = V##_ZERO();                          \
  V##_VEC acc11_0 = V##_ZERO(), acc11_1 = V##_ZERO();                          \
                                                                               \
  /* Bring the C tile towards L1 while the k loop runs. */                     \
  for (size_t j = 0; j < 12; j++) {                                            \
    _mm_prefetch((const char *)(c + j * ldc), _MM_HINT_T0);                    \
    _mm_prefetch((const char *)(c + j * ldc + 2 * V##_LANES - 1), _MM_HINT_T0); \
  }                                                                            \
                                                                               \
  _Pragma("GCC unroll 4") for (size_t p = 0; p < k; p++) {                     \
    _mm_prefetch((const char *)(a + 16 * 2 * V##_LANES), _MM_HINT_T0);         \
    V##_VEC a0 = V##_LOAD(a);                                                  \
    V##_VEC a1 = V##_LOAD(a + V##_LANES);                                      \
    FOR_COLUMNS(COLUMN_STEP, V);                                               \
    a += 2 * V##_LANES;                                                        \
    b += 12;                                                                   \
  }                                                                            \
                                                                               \
  V##_VEC valpha = V##_SET1(alpha);                                            \
  V##_VEC vbeta = V##_SET1(beta);                                              \
  FOR_COLUMNS(COLUMN_STORE, V)

#define PS_VEC __m512
#define PS_SCALAR float
#define PS_LANES 16
#define PS_ZERO _mm512_setzero_ps
#define PS_SET1 _mm512_set1_ps
#define PS_LOAD _mm512_loadu_ps
#define PS_STORE _mm512_storeu_ps
#define PS_FMA _mm512_fmadd_ps
#define PS_MUL _mm512_mul_ps

#define PD_VEC __m512d
#define PD_SCALAR double
#define PD_LANES 8
#define PD_ZERO _mm512_setzero_pd
#define PD_SET1 _mm512_set1_pd
#define PD_LOAD _mm512_loadu_pd
#define PD_STORE _mm512_storeu_pd
#define PD_FMA _mm512_fmadd_pd
#define PD_MUL _mm512_mul_pd

AVX512_TARGET static void sgemm_ukernel_32x12(size_t k, const float *a, const float *b,
                                              float *c, size_t ldc, float alpha, float beta) {
  UKERNEL_BODY(PS);
}

AVX512_TARGET static void dgemm_ukernel_16x12(size_t k, const double *a, const double *b,
                                              double *c, size_t ldc, double alpha,
                                              double beta) {
  UKERNEL_BODY(PD);
}

const numapool__sgemm_ukernel_info_t numapool__sgemm_ukernel_avx512 = {
    .name = "avx512 32x12",
    .kernel = sgemm_ukernel_32x12,
    .blocking = {.mr = 32, .nr = 12, .mc = 320, .kc = 384, .nc = 4092},
};

const numapool__dgemm_ukernel_info_t numapool__dgemm_ukernel_avx512 = {
    .name = "avx512 16x12",
    .kernel = dgemm_ukernel_16x12,
    .blocking = {.mr = 16, .nr = 12, .mc = 192, .kc = 256, .nc = 4092},
};
