/* Tensor checks, broadcasting and dimension merging for the elementwise
 * operators. */
#include <stdint.h>
#include <string.h>

#include "common/log.h"
#include "kernels/eltwise_plan.h"

int numapool_tensor_init(numapool_tensor_t *tensor, size_t rank, const size_t shape[]) {
  if (tensor == NULL || rank > NUMAPOOL_MAX_DIMS || (shape == NULL && rank > 0)) {
    NUMAPOOL_LOG_ERROR("numapool_tensor_init: invalid %s: expected a tensor, a rank of 0 to "
                       "%d and a shape",
                       tensor == NULL ? "tensor (NULL)" : rank > NUMAPOOL_MAX_DIMS ? "rank" : "shape (NULL)",
                       NUMAPOOL_MAX_DIMS);
    return NUMAPOOL_EINVAL;
  }
  numapool_tensor_t result = {.rank = rank};
  size_t stride = 1;
  bool overflow = false;
  for (size_t d = rank; d-- > 0;) {
    result.shape[d] = shape[d];
    result.strides[d] = (ptrdiff_t)stride;
    if (shape[d] != 0 && __builtin_mul_overflow(stride, shape[d], &stride))
      overflow = true;
  }
  if (overflow || stride > (size_t)PTRDIFF_MAX / sizeof(float)) {
    NUMAPOOL_LOG_ERROR("numapool_tensor_init: the element count of the shape overflows");
    return NUMAPOOL_EOVERFLOW;
  }
  *tensor = result;
  return 0;
}

int numapool__tensor_check(const char *function, const char *what, const numapool_tensor_t *desc,
                           const void *data, size_t *count) {
  if (desc == NULL) {
    NUMAPOOL_LOG_ERROR("%s: invalid %s_desc: NULL", function, what);
    return NUMAPOOL_EINVAL;
  }
  if (desc->rank > NUMAPOOL_MAX_DIMS) {
    NUMAPOOL_LOG_ERROR("%s: invalid %s rank %zu: expected 0 to %d", function, what, desc->rank,
                       NUMAPOOL_MAX_DIMS);
    return NUMAPOOL_EINVAL;
  }

  /* The element count, and the largest offset magnitude, must fit. */
  size_t elements = 1;
  size_t reach = 0;
  bool overflow = false;
  for (size_t d = 0; d < desc->rank; d++) {
    size_t size = desc->shape[d];
    if (__builtin_mul_overflow(elements, size, &elements))
      overflow = true;
    ptrdiff_t stride = desc->strides[d];
    size_t magnitude = stride < 0 ? -(size_t)stride : (size_t)stride;
    size_t span;
    if (size > 1 && (__builtin_mul_overflow(magnitude, size - 1, &span) ||
                     __builtin_add_overflow(reach, span, &reach)))
      overflow = true;
  }
  if (elements == 0)
    overflow = false;
  if (overflow || reach > (size_t)PTRDIFF_MAX / sizeof(float) ||
      elements > (size_t)PTRDIFF_MAX / sizeof(float)) {
    NUMAPOOL_LOG_ERROR("%s: invalid %s: its element count or offsets overflow", function, what);
    return NUMAPOOL_EOVERFLOW;
  }
  if (data == NULL && elements > 0) {
    NUMAPOOL_LOG_ERROR("%s: invalid %s: NULL data for %zu elements", function, what, elements);
    return NUMAPOOL_EINVAL;
  }
  if (count != NULL)
    *count = elements;
  return 0;
}

/* Drops dimensions of size 1, then merges dimension d into d + 1 where
 * every operand steps over d exactly as over the whole of d + 1. */
static void plan_simplify(numapool__eltwise_plan_t *plan) {
  size_t rank = 0;
  for (size_t d = 0; d < plan->rank; d++) {
    if (plan->shape[d] == 1)
      continue;
    bool merge = rank > 0;
    for (size_t k = 0; merge && k < plan->operands; k++)
      merge = plan->strides[k][rank - 1] == plan->strides[k][d] * (ptrdiff_t)plan->shape[d];
    if (merge) {
      plan->shape[rank - 1] *= plan->shape[d];
      for (size_t k = 0; k < plan->operands; k++)
        plan->strides[k][rank - 1] = plan->strides[k][d];
      continue;
    }
    plan->shape[rank] = plan->shape[d];
    for (size_t k = 0; k < plan->operands; k++)
      plan->strides[k][rank] = plan->strides[k][d];
    rank++;
  }
  if (rank == 0) {
    plan->shape[0] = 1;
    for (size_t k = 0; k < plan->operands; k++)
      plan->strides[k][0] = 1;
    rank = 1;
  }
  plan->rank = rank;
}

int numapool__eltwise_plan_build(const char *function, numapool__eltwise_plan_t *plan,
                                 const numapool_tensor_t *output,
                                 const numapool_tensor_t *const inputs[],
                                 const char *const input_names[], size_t input_count) {
  memset(plan, 0, sizeof(*plan));
  plan->operands = input_count + 1;
  plan->rank = output->rank;
  plan->count = 1;
  for (size_t d = 0; d < output->rank; d++) {
    plan->shape[d] = output->shape[d];
    plan->strides[0][d] = output->strides[d];
    plan->count *= output->shape[d];
  }

  for (size_t k = 0; k < input_count; k++) {
    const numapool_tensor_t *input = inputs[k];
    if (input->rank > output->rank) {
      NUMAPOOL_LOG_ERROR("%s: invalid %s rank %zu: above the output's rank %zu", function,
                         input_names[k], input->rank, output->rank);
      return NUMAPOOL_EINVAL;
    }
    /* Align the last dimensions; missing leading ones have size 1. */
    size_t offset = output->rank - input->rank;
    for (size_t d = 0; d < input->rank; d++) {
      size_t size = input->shape[d];
      size_t out_size = output->shape[d + offset];
      if (size != out_size && size != 1) {
        NUMAPOOL_LOG_ERROR("%s: %s dimension %zu has size %zu, which does not broadcast to the "
                           "output's size %zu: expected %zu or 1",
                           function, input_names[k], d, size, out_size, out_size);
        return NUMAPOOL_EINVAL;
      }
      plan->strides[k + 1][d + offset] = size == 1 ? 0 : input->strides[d];
    }
  }
  plan_simplify(plan);
  return 0;
}

/* The lowest and highest byte address a tensor touches. */
static void span_bounds(const void *base, size_t rank, const size_t shape[],
                        const ptrdiff_t strides[], uintptr_t *low, uintptr_t *high) {
  ptrdiff_t lowest = 0, highest = 0;
  for (size_t d = 0; d < rank; d++) {
    if (shape[d] <= 1)
      continue;
    ptrdiff_t reach = strides[d] * (ptrdiff_t)(shape[d] - 1);
    if (reach < 0)
      lowest += reach;
    else
      highest += reach;
  }
  *low = (uintptr_t)base + (uintptr_t)(lowest * (ptrdiff_t)sizeof(float));
  *high = (uintptr_t)base + (uintptr_t)(highest * (ptrdiff_t)sizeof(float)) + sizeof(float);
}

static bool shape_empty(size_t rank, const size_t shape[]) {
  for (size_t d = 0; d < rank; d++)
    if (shape[d] == 0)
      return true;
  return false;
}

bool numapool__spans_overlap(const void *a, size_t rank, const size_t shape[],
                             const ptrdiff_t a_strides[], const void *b, size_t b_rank,
                             const size_t b_shape[], const ptrdiff_t b_strides[]) {
  if (shape_empty(rank, shape) || shape_empty(b_rank, b_shape))
    return false;
  uintptr_t a_low, a_high, b_low, b_high;
  span_bounds(a, rank, shape, a_strides, &a_low, &a_high);
  span_bounds(b, b_rank, b_shape, b_strides, &b_low, &b_high);
  return a_low < b_high && b_low < a_high;
}

int numapool__eltwise_plan_check_overlap(const char *function,
                                         const numapool__eltwise_plan_t *plan,
                                         const void *const bases[], const char *const names[]) {
  if (plan->count == 0)
    return 0;
  for (size_t d = 0; d < plan->rank; d++) {
    if (plan->shape[d] > 1 && plan->strides[0][d] == 0) {
      NUMAPOOL_LOG_ERROR("%s: invalid %s: a stride of 0 makes the output overlap itself",
                         function, names[0]);
      return NUMAPOOL_EINVAL;
    }
  }
  for (size_t k = 1; k < plan->operands; k++) {
    if (!numapool__spans_overlap(bases[0], plan->rank, plan->shape, plan->strides[0], bases[k],
                                 plan->rank, plan->shape, plan->strides[k]))
      continue;
    bool exact = bases[0] == bases[k] &&
                 memcmp(plan->strides[0], plan->strides[k], plan->rank * sizeof(ptrdiff_t)) == 0;
    if (!exact) {
      NUMAPOOL_LOG_ERROR("%s: %s partly overlaps %s: an output may only alias an input "
                         "exactly (same data and strides) or not at all",
                         function, names[0], names[k]);
      return NUMAPOOL_EINVAL;
    }
  }
  return 0;
}
