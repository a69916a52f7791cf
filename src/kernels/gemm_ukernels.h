/* GEMM microkernels: the register-blocked inner loops of numapool_sgemm and
 * numapool_dgemm, one set per instruction set, chosen at run time.
 *
 * A microkernel computes one mr x nr tile of a column-major C:
 *   C[i + j * ldc] = alpha * sum_p a[p * mr + i] * b[p * nr + j]
 *                    + beta * C[i + j * ldc]
 * for i < mr, j < nr, p < k, where a and b are packed micro-panels (mr
 * values of op(A) per step of k, then nr values of op(B) per step). With
 * beta == 0, C is written without being read. k may be 0. a and b need no
 * particular alignment; c may have any alignment.
 *
 * A set may add narrow kernels for the last sliver of a B panel: narrow[i]
 * computes only the first (i + 1) * narrow_step columns of the tile, still
 * reading b with a stride of nr per step. */
#ifndef NUMAPOOL_KERNELS_GEMM_UKERNELS_H
#define NUMAPOOL_KERNELS_GEMM_UKERNELS_H

#include <stdbool.h>
#include <stddef.h>

#include <numapool/export.h>

typedef void (*numapool__sgemm_ukernel_t)(size_t k, const float *a, const float *b, float *c,
                                          size_t ldc, float alpha, float beta);
typedef void (*numapool__dgemm_ukernel_t)(size_t k, const double *a, const double *b, double *c,
                                          size_t ldc, double alpha, double beta);

/* Tile shape of a microkernel and the cache block sizes the driver uses
 * with it. A packed panel covers kc steps of k, a packed A block mc rows
 * of op(A) (a multiple of mr), and a packed B panel nc columns of op(B)
 * (a multiple of nr). */
/* Maximum number of narrow kernels in a set. */
#define NUMAPOOL__GEMM_MAX_NARROW 2

typedef struct numapool__gemm_blocking {
  size_t mr, nr;
  size_t narrow_step; /* 0 when the set has no narrow kernels */
  size_t mc, kc, nc;
} numapool__gemm_blocking_t;

typedef struct numapool__sgemm_ukernel_info {
  const char *name;
  numapool__sgemm_ukernel_t kernel;
  numapool__sgemm_ukernel_t narrow[NUMAPOOL__GEMM_MAX_NARROW];
  numapool__gemm_blocking_t blocking;
} numapool__sgemm_ukernel_info_t;

typedef struct numapool__dgemm_ukernel_info {
  const char *name;
  numapool__dgemm_ukernel_t kernel;
  numapool__dgemm_ukernel_t narrow[NUMAPOOL__GEMM_MAX_NARROW];
  numapool__gemm_blocking_t blocking;
} numapool__dgemm_ukernel_info_t;

/* Portable C, any x86-64 or other CPU. */
NUMAPOOL_INTERNAL extern const numapool__sgemm_ukernel_info_t numapool__sgemm_ukernel_portable;
NUMAPOOL_INTERNAL extern const numapool__dgemm_ukernel_info_t numapool__dgemm_ukernel_portable;

/* AVX2 with FMA3; only call them when both are supported. */
NUMAPOOL_INTERNAL extern const numapool__sgemm_ukernel_info_t numapool__sgemm_ukernel_avx2;
NUMAPOOL_INTERNAL extern const numapool__dgemm_ukernel_info_t numapool__dgemm_ukernel_avx2;

/* AVX-512F; only call them when it is supported. */
NUMAPOOL_INTERNAL extern const numapool__sgemm_ukernel_info_t numapool__sgemm_ukernel_avx512;
NUMAPOOL_INTERNAL extern const numapool__dgemm_ukernel_info_t numapool__dgemm_ukernel_avx512;

/* Reference tile update of any shape, for the tests and for nothing
 * speed-critical: the formula above with mr and nr given. */
NUMAPOOL_INTERNAL void numapool__sgemm_tile_reference(size_t mr, size_t nr, size_t k,
                                                      const float *a, const float *b, float *c,
                                                      size_t ldc, float alpha, float beta);
NUMAPOOL_INTERNAL void numapool__dgemm_tile_reference(size_t mr, size_t nr, size_t k,
                                                      const double *a, const double *b,
                                                      double *c, size_t ldc, double alpha,
                                                      double beta);

#endif /* NUMAPOOL_KERNELS_GEMM_UKERNELS_H */
