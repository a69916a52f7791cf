/* AVX2 + FMA3 microkernels: a tile of two ymm vectors down the rows times 6
 * columns, so 12 of the 16 ymm registers hold accumulators (16 x 6 floats,
 * 8 x 6 doubles). Target attributes keep the rest of the library on the
 * baseline instruction set. */
#include <immintrin.h>

#include "kernels/gemm_ukernel_body.h"
#include "kernels/gemm_ukernels.h"

#define AVX2_TARGET __attribute__((target("avx2,fma")))

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
  UKERNEL_BODY(PS, 6, 6);
}

AVX2_TARGET static void dgemm_ukernel_8x6(size_t k, const double *a, const double *b,
                                          double *c, size_t ldc, double alpha, double beta) {
  UKERNEL_BODY(PD, 6, 6);
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
