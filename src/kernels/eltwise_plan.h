/* Checking of tensor arguments and the plan an elementwise call runs: the
 * output's shape with the operands' strides in that index space, after
 * dropping dimensions of size 1 and merging dimensions that are contiguous
 * in every operand. */
#ifndef NUMAPOOL_KERNELS_ELTWISE_PLAN_H
#define NUMAPOOL_KERNELS_ELTWISE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include <numapool/export.h>
#include <numapool/operators.h>

/* Operand 0 is the output; inputs follow. */
#define NUMAPOOL__PLAN_MAX_OPERANDS 3

typedef struct numapool__eltwise_plan {
  size_t operands;
  size_t rank; /* at least 1; shape[rank - 1] is the innermost dimension */
  size_t shape[NUMAPOOL_MAX_DIMS];
  ptrdiff_t strides[NUMAPOOL__PLAN_MAX_OPERANDS][NUMAPOOL_MAX_DIMS];
  size_t count; /* elements of the output */
} numapool__eltwise_plan_t;

/* Checks a tensor argument: non-NULL descriptor, rank within bounds, and
 * an element count and offsets that fit ptrdiff_t. The pointer may be NULL
 * only for an empty tensor. what names the argument in the log (for
 * example "x"). Stores the element count in *count when it is not NULL. */
NUMAPOOL_INTERNAL int numapool__tensor_check(const char *function, const char *what,
                                             const numapool_tensor_t *desc, const void *data,
                                             size_t *count);

/* Builds the plan of an output and up to two inputs broadcast to it with
 * NumPy rules. Every descriptor must have passed numapool__tensor_check().
 * Returns NUMAPOOL_EINVAL, naming the dimension, when an input does not
 * broadcast to the output's shape. */
NUMAPOOL_INTERNAL int numapool__eltwise_plan_build(const char *function,
                                                   numapool__eltwise_plan_t *plan,
                                                   const numapool_tensor_t *output,
                                                   const numapool_tensor_t *const inputs[],
                                                   const char *const input_names[],
                                                   size_t input_count);

/* Rejects an output that overlaps itself (a stride of 0 on a dimension of
 * size > 1) or overlaps an input other than by exact aliasing (the same
 * base and the same strides in the plan). bases[k] is operand k's data. */
NUMAPOOL_INTERNAL int numapool__eltwise_plan_check_overlap(const char *function,
                                                           const numapool__eltwise_plan_t *plan,
                                                           const void *const bases[],
                                                           const char *const names[]);

/* Whether the byte ranges spanned by two tensors of the given shape and
 * strides intersect. An empty tensor spans nothing. */
NUMAPOOL_INTERNAL bool numapool__spans_overlap(const void *a, size_t rank, const size_t shape[],
                                               const ptrdiff_t a_strides[], const void *b,
                                               size_t b_rank, const size_t b_shape[],
                                               const ptrdiff_t b_strides[]);

#endif /* NUMAPOOL_KERNELS_ELTWISE_PLAN_H */
