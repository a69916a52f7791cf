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

#define COLUMN_DECLARE(V, j) V##_VEC acc##j##_0 = V##_ZERO(), acc##j##_1 = V##_ZERO()

/* X(V, j) for the first 4, 8 or 12 columns. */
#define COLUMNS_4(X, V) X(V, 0); X(V, 1); X(V, 2); X(V, 3)
#define COLUMNS_8(X, V) COLUMNS_4(X, V); X(V, 4); X(V, 5); X(V, 6); X(V, 7)
#define COLUMNS_12(X, V) COLUMNS_8(X, V); X(V, 8); X(V, 9); X(V, 10); X(V, 11)

/* The kernel body for the vector type V and the first WIDTH columns of a
 * B sliver packed 12 wide, so that narrower kernels serve the last sliver
 * of a panel without computing its zero padding. */
#define UKERNEL_BODY(V, WIDTH)                                                 \
  COLUMNS_##WIDTH(COLUMN_DECLARE, V);                                          \
                                                                               \
  /* Bring the C tile towards L1 while the k loop runs. */                     \
  for (size_t j = 0; j < (WIDTH); j++) {                                       \
    _mm_prefetch((const char *)(c + j * ldc), _MM_HINT_T0);                    \
    _mm_prefetch((const char *)(c + j * ldc + 2 * V##_LANES - 1), _MM_HINT_T0); \
  }                                                                            \
                                                                               \
  _Pragma("GCC unroll 4") for (size_t p = 0; p < k; p++) {                     \
    _mm_prefetch((const char *)(a + 16 * 2 * V##_LANES), _MM_HINT_T0);         \
    V##_VEC a0 = V##_LOAD(a);                                                  \
    V##_VEC a1 = V##_LOAD(a + V##_LANES);                                      \
    COLUMNS_##WIDTH(COLUMN_STEP, V);                                           \
    a += 2 * V##_LANES;                                                        \
    b += 12;                                                                   \
  }                                                                            \
                                                                               \
  V##_VEC valpha = V##_SET1(alpha);                                            \
  V##_VEC vbeta = V##_SET1(beta);                                              \
  COLUMNS_##WIDTH(COLUMN_STORE, V)

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

/* Defines NAME for the vector type V, element type T and WIDTH columns. */
#define DEFINE_UKERNEL(NAME, V, T, WIDTH)                                      \
  AVX512_TARGET static void NAME(size_t k, const T *a, const T *b, T *c,       \
                                 size_t ldc, T alpha, T beta) {                \
    UKERNEL_BODY(V, WIDTH);                                                    \
  }

DEFINE_UKERNEL(sgemm_ukernel_32x12, PS, float, 12)
DEFINE_UKERNEL(sgemm_ukernel_32x8, PS, float, 8)
DEFINE_UKERNEL(sgemm_ukernel_32x4, PS, float, 4)
DEFINE_UKERNEL(dgemm_ukernel_16x12, PD, double, 12)
DEFINE_UKERNEL(dgemm_ukernel_16x8, PD, double, 8)
DEFINE_UKERNEL(dgemm_ukernel_16x4, PD, double, 4)

const numapool__sgemm_ukernel_info_t numapool__sgemm_ukernel_avx512 = {
    .name = "avx512 32x12",
    .kernel = sgemm_ukernel_32x12,
    .narrow = {sgemm_ukernel_32x4, sgemm_ukernel_32x8},
    .blocking = {.mr = 32, .nr = 12, .narrow_step = 4, .mc = 320, .kc = 384, .nc = 4092},
};

const numapool__dgemm_ukernel_info_t numapool__dgemm_ukernel_avx512 = {
    .name = "avx512 16x12",
    .kernel = dgemm_ukernel_16x12,
    .narrow = {dgemm_ukernel_16x4, dgemm_ukernel_16x8},
    .blocking = {.mr = 16, .nr = 12, .narrow_step = 4, .mc = 192, .kc = 256, .nc = 4092},
};
