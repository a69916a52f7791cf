/* The body shared by the x86 microkernels: two vectors of accumulators
 * down the rows of the tile for each of its columns. A file defines the
 * vector operations V##_VEC, V##_SCALAR, V##_LANES, V##_ZERO, V##_SET1,
 * V##_LOAD, V##_STORE, V##_FMA and V##_MUL for its vector type V, then
 * expands UKERNEL_BODY(V, WIDTH, NR) inside a function with the parameters
 * of numapool__sgemm_ukernel_t or numapool__dgemm_ukernel_t. */
#ifndef NUMAPOOL_KERNELS_GEMM_UKERNEL_BODY_H
#define NUMAPOOL_KERNELS_GEMM_UKERNEL_BODY_H

#include <immintrin.h>

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

/* X(V, j) for the first 4, 6, 8 or 12 columns. */
#define COLUMNS_4(X, V) X(V, 0); X(V, 1); X(V, 2); X(V, 3)
#define COLUMNS_6(X, V) COLUMNS_4(X, V); X(V, 4); X(V, 5)
#define COLUMNS_8(X, V) COLUMNS_4(X, V); X(V, 4); X(V, 5); X(V, 6); X(V, 7)
#define COLUMNS_12(X, V) COLUMNS_8(X, V); X(V, 8); X(V, 9); X(V, 10); X(V, 11)

/* The kernel body for the vector type V and the first WIDTH columns of a
 * B sliver packed NR wide, so that narrower kernels serve the last sliver
 * of a panel without computing its zero padding. */
#define UKERNEL_BODY(V, WIDTH, NR)                                             \
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
    b += (NR);                                                                 \
  }                                                                            \
                                                                               \
  V##_VEC valpha = V##_SET1(alpha);                                            \
  V##_VEC vbeta = V##_SET1(beta);                                              \
  COLUMNS_##WIDTH(COLUMN_STORE, V)

#endif /* NUMAPOOL_KERNELS_GEMM_UKERNEL_BODY_H */
