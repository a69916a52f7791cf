/*
 * numapool's bundled GEMM kernels.
 *
 * numapool_sgemm and numapool_dgemm compute
 *   C = alpha * op(A) * op(B) + beta * C
 * where op(A) is m x k, op(B) is k x n and C is m x n. They take the
 * parameters of CBLAS's cblas_sgemm and cblas_dgemm in the same order and
 * with the same types, with the pool in front, so a call such as
 *   cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, ...)
 * becomes
 *   numapool_sgemm(pool, NUMAPOOL_ROW_MAJOR, NUMAPOOL_NO_TRANS,
 *                  NUMAPOOL_TRANS, m, n, k, ...).
 * The enum values equal CBLAS's, so CBLAS enum values may be passed after a
 * cast.
 *
 * BLAS semantics: with beta = 0, C is written without being read, so NaN or
 * infinity in C does not reach the result. With m or n of 0 nothing is
 * done. With k = 0 or alpha = 0, A and B are not read and C becomes
 * beta * C (zero when beta = 0).
 *
 * Returns 0, or NUMAPOOL_EINVAL for an invalid argument. Invalid are an
 * unknown layout or transpose value, a negative size, and a NULL matrix
 * pointer in a call that reads or writes that matrix. A leading dimension
 * is invalid below 1 and below the row count of its stored matrix
 * (column-major) or its column count (row-major). The diagnostic log names
 * the parameter by position and name, as the reference BLAS routine xerbla
 * does. NUMAPOOL_ENOMEM when a pack buffer
 * cannot be allocated. C is unchanged when an error is returned, except
 * after NUMAPOOL_ENOMEM on a multi-threaded call, when its contents are
 * unspecified.
 *
 * A NULL pool runs the call on the calling thread. Small problems run on
 * the calling thread even with a pool. The call is a pool call: the rules
 * of numapool.h for nesting and for concurrent callers apply.
 */
#ifndef NUMAPOOL_KERNELS_H
#define NUMAPOOL_KERNELS_H

#include <numapool/numapool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Storage order of the matrices; the values of CBLAS_LAYOUT. */
typedef enum numapool_layout {
  NUMAPOOL_ROW_MAJOR = 101,
  NUMAPOOL_COL_MAJOR = 102
} numapool_layout_t;

/* op(X): X, its transpose, or its conjugate transpose (the transpose for
 * real matrices); the values of CBLAS_TRANSPOSE. */
typedef enum numapool_transpose {
  NUMAPOOL_NO_TRANS = 111,
  NUMAPOOL_TRANS = 112,
  NUMAPOOL_CONJ_TRANS = 113
} numapool_transpose_t;

NUMAPOOL_API int numapool_sgemm(numapool_t *pool, numapool_layout_t layout,
                                numapool_transpose_t trans_a, numapool_transpose_t trans_b,
                                int m, int n, int k, float alpha, const float *a, int lda,
                                const float *b, int ldb, float beta, float *c, int ldc);

NUMAPOOL_API int numapool_dgemm(numapool_t *pool, numapool_layout_t layout,
                                numapool_transpose_t trans_a, numapool_transpose_t trans_b,
                                int m, int n, int k, double alpha, const double *a, int lda,
                                const double *b, int ldb, double beta, double *c, int ldc);

#ifdef __cplusplus
}
#endif

#endif /* NUMAPOOL_KERNELS_H */
