/* Contiguous elementwise loops, one set per instruction set, chosen at run
 * time. The tensor code in eltwise.c and eltwise_reduce.c walks shapes and
 * strides and calls these on contiguous spans. Every loop gives the same
 * bits on every instruction set. The vector width only changes how many
 * elements are done at once, never the order of a reduction (sums use 16
 * fixed lanes on every set) or the formula (no FMA contraction). */
#ifndef NUMAPOOL_KERNELS_ELTWISE_KERNELS_H
#define NUMAPOOL_KERNELS_ELTWISE_KERNELS_H

#include <stddef.h>

#include <numapool/export.h>
#include <numapool/operators.h>

/* The lanes of the fixed reduction order: element i of a span goes to lane
 * i % NUMAPOOL__REDUCE_LANES, lanes are combined by a fixed tree. */
#define NUMAPOOL__REDUCE_LANES 16

typedef struct numapool__eltwise_kernels {
  const char *name;

  /* y[i] = op(x[i]) for i < count; y may equal x. */
  void (*unary)(numapool_unary_op_t op, float alpha, float beta, size_t count,
                const float *x, float *y);

  /* unary with non-temporal stores, for outputs larger than the last-level
   * cache: y must not overlap x. */
  void (*unary_stream)(numapool_unary_op_t op, float alpha, float beta, size_t count,
                       const float *x, float *y);

  /* y[i] = op(a[i * a_step], b[i * b_step]) for i < count, where each step
   * is 0 (a repeated scalar) or 1; y may equal a or b. */
  void (*binary)(numapool_binary_op_t op, size_t count, const float *a, size_t a_step,
                 const float *b, size_t b_step, float *y);

  /* binary with non-temporal stores: y must not overlap a or b. */
  void (*binary_stream)(numapool_binary_op_t op, size_t count, const float *a, size_t a_step,
                        const float *b, size_t b_step, float *y);

  /* y[i] = alpha * x[i] + y[i], rounded after the product. */
  void (*axpy)(size_t count, float alpha, const float *x, float *y);

  /* y[i] = a[i] * b[i] + y[i], rounded after the product. */
  void (*multiply_add)(size_t count, const float *a, const float *b, float *y);

  /* The sum or the maximum of x[0 .. count - 1], in the fixed lane order. */
  float (*reduce)(numapool_reduce_op_t op, size_t count, const float *x);

  /* y[i] = exp(x[i] - shift), returning the sum of the y[i] in the fixed
   * lane order; y may equal x. */
  float (*exp_shift_sum)(size_t count, const float *x, float shift, float *y);
} numapool__eltwise_kernels_t;

NUMAPOOL_INTERNAL extern const numapool__eltwise_kernels_t numapool__eltwise_generic;
#if defined(__x86_64__)
/* Only call these when the CPU has AVX2 (AVX-512F for the second). */
NUMAPOOL_INTERNAL extern const numapool__eltwise_kernels_t numapool__eltwise_avx2;
NUMAPOOL_INTERNAL extern const numapool__eltwise_kernels_t numapool__eltwise_avx512;
#endif

/* The set for this CPU: the widest it supports, or the one named by the
 * NUMAPOOL_ELTWISE_ISA environment variable (avx512, avx2 or generic) when
 * the CPU supports it. Chosen on the first call, then fixed. */
NUMAPOOL_INTERNAL const numapool__eltwise_kernels_t *numapool__eltwise_kernels(void);

#endif /* NUMAPOOL_KERNELS_ELTWISE_KERNELS_H */
