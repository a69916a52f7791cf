/* AVX-512F microkernels: a tile of two zmm vectors down the rows times 12
 * columns, so 24 of the 32 zmm registers hold accumulators (32 x 12 floats,
 * 16 x 12 doubles). The functions carry target attributes instead of the
 * file taking -mavx512f, so the rest of the library keeps the baseline
 * instruction set and the dispatcher decides at run time. */
#include <immintrin.h>

#include "kernels/gemm_ukernel_body.h"
#include "kernels/gemm_ukernels.h"

#define AVX512_TARGET __attribute__((target("avx512f,fma")))

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
    UKERNEL_BODY(V, WIDTH, 12);                                                    \
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
