/* Reductions and softmax. Every result is computed by one fixed formula
 * chosen from the shape and strides alone, never from the tiling, so the
 * results do not depend on the thread count:
 *   - over every element: blocks of REDUCE_BLOCK elements in row-major
 *     order, each folded in the fixed 16-lane order, and the block results
 *     combined in block order;
 *   - over one axis: each output element is the sequential fold over the
 *     axis, except where the axis is contiguous in memory, where it is the
 *     16-lane fold of that row;
 *   - softmax: the 16-lane max and sum of each row. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "kernels/eltwise_kernels.h"
#include "kernels/eltwise_plan.h"

/* Elements per block of a whole-tensor reduction. Part of the result's
 * definition: changing it changes the rounding of sums. */
#define REDUCE_BLOCK 16384
/* Output elements (or softmax elements) per parallel-for tile. */
#define TILE_ELEMENTS 16384

static float identity(numapool_reduce_op_t op) {
  return op == NUMAPOOL_REDUCE_SUM ? 0.0f : -INFINITY;
}

static float combine(numapool_reduce_op_t op, float acc, float value) {
  if (op == NUMAPOOL_REDUCE_SUM)
    return acc + value;
  return (value > acc || value != value) ? value : acc;
}

/* Offset of linear element index in a plan's operand, row-major. */
static ptrdiff_t plan_offset(const numapool__eltwise_plan_t *plan, size_t operand,
                             size_t index) {
  ptrdiff_t offset = 0;
  for (size_t d = plan->rank; d-- > 0;) {
    offset += (ptrdiff_t)(index % plan->shape[d]) * plan->strides[operand][d];
    index /= plan->shape[d];
  }
  return offset;
}

/* ---- Over every element ---- */

typedef struct reduce_all_call {
  numapool_t *pool;
  const numapool__eltwise_kernels_t *kernels;
  numapool_reduce_op_t op;
  numapool__eltwise_plan_t plan; /* x alone, as operand 0 */
  const float *x;
  float *partials; /* one per block, each written by the task of its block */
  atomic_int status;
} reduce_all_call_t;

/* Copies elements [first, first + count) of x, row-major, into block. */
static void gather_elements(const reduce_all_call_t *call, size_t first, size_t count,
                            float *block) {
  const numapool__eltwise_plan_t *plan = &call->plan;
  size_t index[NUMAPOOL_MAX_DIMS];
  size_t rest = first;
  for (size_t d = plan->rank; d-- > 0;) {
    index[d] = rest % plan->shape[d];
    rest /= plan->shape[d];
  }
  ptrdiff_t offset = plan_offset(plan, 0, first);
  for (size_t i = 0; i < count; i++) {
    block[i] = call->x[offset];
    /* Step the multi-index, last dimension fastest. */
    for (size_t d = plan->rank; d-- > 0;) {
      offset += plan->strides[0][d];
      if (++index[d] < plan->shape[d])
        break;
      offset -= (ptrdiff_t)plan->shape[d] * plan->strides[0][d];
      index[d] = 0;
    }
  }
}

static void reduce_all_task(void *context, size_t thread_index, size_t block, size_t blocks) {
  reduce_all_call_t *call = context;
  size_t count = call->plan.count;
  bool contiguous = call->plan.rank == 1 && call->plan.strides[0][0] == 1;
  float *buffer = NULL;
  if (!contiguous) {
    buffer = numapool_scratch(call->pool, thread_index, REDUCE_BLOCK * sizeof(float));
    if (buffer == NULL) {
      atomic_store_explicit(&call->status, NUMAPOOL_ENOMEM, memory_order_relaxed);
      return;
    }
  }
  for (size_t b = block; b < block + blocks; b++) {
    size_t first = b * REDUCE_BLOCK;
    size_t n = count - first < REDUCE_BLOCK ? count - first : REDUCE_BLOCK;
    const float *data = call->x + first;
    if (!contiguous) {
      gather_elements(call, first, n, buffer);
      data = buffer;
    }
    call->partials[b] = call->kernels->reduce(call->op, n, data);
  }
}

static int reduce_all(numapool_t *pool, numapool_reduce_op_t op, const numapool_tensor_t *x_desc,
                      const float *x, float *y) {
  reduce_all_call_t call = {.op = op, .x = x, .kernels = numapool__eltwise_kernels()};
  int status = numapool__eltwise_plan_build("numapool_reduce", &call.plan, x_desc, NULL, NULL, 0);
  if (status != 0)
    return status;
  if (call.plan.count == 0) {
    *y = identity(op);
    return 0;
  }

  size_t blocks = (call.plan.count + REDUCE_BLOCK - 1) / REDUCE_BLOCK;
  call.partials = malloc(blocks * sizeof(float));
  if (call.partials == NULL) {
    NUMAPOOL_LOG_ERROR("numapool_reduce: out of memory for %zu partial results", blocks);
    return NUMAPOOL_ENOMEM;
  }
  call.pool = blocks > 1 ? pool : NULL;
  atomic_init(&call.status, 0);
  status = numapool_parallel_for_1d(call.pool, blocks, 1, reduce_all_task, &call, 0);
  if (status == 0)
    status = atomic_load_explicit(&call.status, memory_order_relaxed);
  if (status == 0) {
    float result = identity(op);
    for (size_t b = 0; b < blocks; b++)
      result = combine(op, result, call.partials[b]);
    *y = result;
  } else if (status == NUMAPOOL_ENOMEM) {
    NUMAPOOL_LOG_ERROR("numapool_reduce: out of memory for a per-thread block");
  }
  free(call.partials);
  return status;
}

/* ---- Over one axis ---- */

typedef struct reduce_axis_call {
  const numapool__eltwise_kernels_t *kernels;
  numapool_reduce_op_t op;
  numapool__eltwise_plan_t plan; /* y (operand 0) and x without the axis (1) */
  ptrdiff_t axis_stride;
  size_t axis_size;
  const float *x;
  float *y;
} reduce_axis_call_t;

/* Columns: out[i] = fold over k of column[k * axis_stride + i], with x and y
 * contiguous along i, so whole vectors are folded at each k. */
static void fold_columns(const reduce_axis_call_t *call, const float *column, float *out,
                         size_t count) {
  if (call->axis_size == 0) {
    for (size_t i = 0; i < count; i++)
      out[i] = identity(call->op);
    return;
  }
  numapool_binary_op_t op = call->op == NUMAPOOL_REDUCE_SUM ? NUMAPOOL_BINARY_ADD
                                                             : NUMAPOOL_BINARY_MAX;
  memcpy(out, column, count * sizeof(float));
  for (size_t k = 1; k < call->axis_size; k++)
    call->kernels->binary(op, count, column + (ptrdiff_t)k * call->axis_stride, 1, out, 1, out);
}

static float fold_row(const reduce_axis_call_t *call, const float *row) {
  if (call->axis_stride == 1)
    return call->kernels->reduce(call->op, call->axis_size, row);
  float acc = identity(call->op);
  for (size_t k = 0; k < call->axis_size; k++)
    acc = combine(call->op, acc, row[(ptrdiff_t)k * call->axis_stride]);
  return acc;
}

static void reduce_axis_task(void *context, size_t thread_index, size_t row, size_t first,
                             size_t rows, size_t count) {
  (void)thread_index;
  const reduce_axis_call_t *call = context;
  const numapool__eltwise_plan_t *plan = &call->plan;
  size_t last = plan->rank - 1;
  size_t inner = plan->shape[last];
  ptrdiff_t y_step = plan->strides[0][last], x_step = plan->strides[1][last];
  bool columns = y_step == 1 && x_step == 1 && call->axis_stride != 1;

  for (size_t r = row; r < row + rows; r++) {
    size_t index = r * inner + first;
    float *out = call->y + plan_offset(plan, 0, index);
    const float *in = call->x + plan_offset(plan, 1, index);
    if (columns) {
      fold_columns(call, in, out, count);
      continue;
    }
    for (size_t i = 0; i < count; i++)
      out[(ptrdiff_t)i * y_step] = fold_row(call, in + (ptrdiff_t)i * x_step);
  }
}

/* Checks that y has x's shape without the axis, and fills x without it. */
static int check_axis_shape(const numapool_tensor_t *x_desc, size_t axis,
                            const numapool_tensor_t *y_desc, numapool_tensor_t *x_rest) {
  *x_rest = (numapool_tensor_t){.rank = x_desc->rank - 1};
  for (size_t d = 0, e = 0; d < x_desc->rank; d++) {
    if (d == axis)
      continue;
    x_rest->shape[e] = x_desc->shape[d];
    x_rest->strides[e] = x_desc->strides[d];
    e++;
  }
  if (y_desc->rank != x_rest->rank ||
      memcmp(y_desc->shape, x_rest->shape, x_rest->rank * sizeof(size_t)) != 0) {
    NUMAPOOL_LOG_ERROR("numapool_reduce: invalid y_desc: expected x's shape without axis %zu "
                       "(rank %zu)",
                       axis, x_rest->rank);
    return NUMAPOOL_EINVAL;
  }
  return 0;
}

static int reduce_axis(numapool_t *pool, numapool_reduce_op_t op, const numapool_tensor_t *x_desc,
                       const float *x, size_t axis, const numapool_tensor_t *y_desc, float *y) {
  numapool_tensor_t x_rest;
  int status = check_axis_shape(x_desc, axis, y_desc, &x_rest);
  if (status != 0)
    return status;
  reduce_axis_call_t call = {.kernels = numapool__eltwise_kernels(), .op = op, .x = x, .y = y,
                             .axis_size = x_desc->shape[axis],
                             .axis_stride = x_desc->strides[axis]};
  const numapool_tensor_t *inputs[1] = {&x_rest};
  static const char *const names[] = {"y", "x"};
  status = numapool__eltwise_plan_build("numapool_reduce", &call.plan, y_desc, inputs, names + 1,
                                        1);
  /* x and y were checked not to overlap; this rejects a y that overlaps
   * itself. */
  const void *bases[2] = {y, x};
  if (status == 0)
    status = numapool__eltwise_plan_check_overlap("numapool_reduce", &call.plan, bases, names);
  if (status != 0 || call.plan.count == 0)
    return status;

  size_t inner = call.plan.shape[call.plan.rank - 1];
  size_t tile_inner = inner < TILE_ELEMENTS ? inner : TILE_ELEMENTS;
  size_t tile_rows = TILE_ELEMENTS / tile_inner;
  size_t work = call.plan.count * (call.axis_size > 0 ? call.axis_size : 1);
  return numapool_parallel_for_2d(work <= TILE_ELEMENTS ? NULL : pool, call.plan.count / inner,
                                  inner, tile_rows, tile_inner, reduce_axis_task, &call, 0);
}

int numapool_reduce(numapool_t *pool, numapool_reduce_op_t op, const numapool_tensor_t *x_desc,
                    const float *x, int axis, const numapool_tensor_t *y_desc, float *y) {
  static const char function[] = "numapool_reduce";
  if ((unsigned)op > NUMAPOOL_REDUCE_MAX) {
    NUMAPOOL_LOG_ERROR("%s: invalid op %d: expected a numapool_reduce_op_t value", function,
                       (int)op);
    return NUMAPOOL_EINVAL;
  }
  int status = numapool__tensor_check(function, "x", x_desc, x, NULL);
  if (status == 0)
    status = numapool__tensor_check(function, "y", y_desc, y, NULL);
  if (status != 0)
    return status;
  if (axis != NUMAPOOL_REDUCE_ALL && (axis < 0 || (size_t)axis >= x_desc->rank)) {
    NUMAPOOL_LOG_ERROR("%s: invalid axis %d: expected 0 to %zu or NUMAPOOL_REDUCE_ALL", function,
                       axis, x_desc->rank == 0 ? (size_t)0 : x_desc->rank - 1);
    return NUMAPOOL_EINVAL;
  }
  if (axis == NUMAPOOL_REDUCE_ALL && (y_desc->rank != 0 || y == NULL)) {
    NUMAPOOL_LOG_ERROR("%s: invalid y: a reduction over every element needs a rank-0 y_desc "
                       "and one float",
                       function);
    return NUMAPOOL_EINVAL;
  }
  if (numapool__spans_overlap(x, x_desc->rank, x_desc->shape, x_desc->strides, y, y_desc->rank,
                              y_desc->shape, y_desc->strides)) {
    NUMAPOOL_LOG_ERROR("%s: invalid y: it overlaps x", function);
    return NUMAPOOL_EINVAL;
  }
  if (axis == NUMAPOOL_REDUCE_ALL)
    return reduce_all(pool, op, x_desc, x, y);
  return reduce_axis(pool, op, x_desc, x, (size_t)axis, y_desc, y);
}

/* ---- Softmax ---- */

typedef struct softmax_call {
  numapool_t *pool;
  const numapool__eltwise_kernels_t *kernels;
  numapool__eltwise_plan_t rows; /* y (0) and x (1) over every dimension but the last */
  size_t length;                 /* elements per row */
  ptrdiff_t y_step, x_step;      /* strides along a row */
  const float *x;
  float *y;
  atomic_int status;
} softmax_call_t;

/* Softmax of one contiguous row; out may equal in. */
static void softmax_row(const numapool__eltwise_kernels_t *kernels, size_t length,
                        const float *in, float *out) {
  float max = kernels->reduce(NUMAPOOL_REDUCE_MAX, length, in);
  float sum = kernels->exp_shift_sum(length, in, max, out);
  kernels->binary(NUMAPOOL_BINARY_DIV, length, out, 1, &sum, 0, out);
}

static void softmax_task(void *context, size_t thread_index, size_t row, size_t rows) {
  softmax_call_t *call = context;
  bool contiguous = call->x_step == 1 && call->y_step == 1;
  float *buffer = NULL;
  if (!contiguous) {
    buffer = numapool_scratch(call->pool, thread_index, call->length * sizeof(float));
    if (buffer == NULL) {
      atomic_store_explicit(&call->status, NUMAPOOL_ENOMEM, memory_order_relaxed);
      return;
    }
  }
  for (size_t r = row; r < row + rows; r++) {
    const float *in = call->x + plan_offset(&call->rows, 1, r);
    float *out = call->y + plan_offset(&call->rows, 0, r);
    if (contiguous) {
      softmax_row(call->kernels, call->length, in, out);
      continue;
    }
    for (size_t i = 0; i < call->length; i++)
      buffer[i] = in[(ptrdiff_t)i * call->x_step];
    softmax_row(call->kernels, call->length, buffer, buffer);
    for (size_t i = 0; i < call->length; i++)
      out[(ptrdiff_t)i * call->y_step] = buffer[i];
  }
}

int numapool_softmax(numapool_t *pool, const numapool_tensor_t *x_desc, const float *x,
                     const numapool_tensor_t *y_desc, float *y) {
  static const char function[] = "numapool_softmax";
  int status = numapool__tensor_check(function, "x", x_desc, x, NULL);
  if (status == 0)
    status = numapool__tensor_check(function, "y", y_desc, y, NULL);
  if (status != 0)
    return status;
  if (x_desc->rank == 0 || x_desc->rank != y_desc->rank ||
      memcmp(x_desc->shape, y_desc->shape, x_desc->rank * sizeof(size_t)) != 0) {
    NUMAPOOL_LOG_ERROR("%s: invalid y_desc or x_desc: expected equal shapes of rank 1 or more",
                       function);
    return NUMAPOOL_EINVAL;
  }

  /* Overlap is checked on the whole tensors, then rows are planned. */
  numapool__eltwise_plan_t whole;
  const numapool_tensor_t *inputs[1] = {x_desc};
  static const char *const names[] = {"y", "x"};
  status = numapool__eltwise_plan_build(function, &whole, y_desc, inputs, names + 1, 1);
  const void *bases[2] = {y, x};
  if (status == 0)
    status = numapool__eltwise_plan_check_overlap(function, &whole, bases, names);
  if (status != 0 || whole.count == 0)
    return status;

  size_t last = x_desc->rank - 1;
  softmax_call_t call = {.kernels = numapool__eltwise_kernels(), .x = x, .y = y,
                         .length = x_desc->shape[last], .x_step = x_desc->strides[last],
                         .y_step = y_desc->strides[last]};
  numapool_tensor_t x_rows = *x_desc, y_rows = *y_desc;
  x_rows.rank = y_rows.rank = last;
  inputs[0] = &x_rows;
  status = numapool__eltwise_plan_build(function, &call.rows, &y_rows, inputs, names + 1, 1);
  if (status != 0)
    return status;

  size_t rows = call.rows.count;
  size_t tile = call.length < TILE_ELEMENTS ? TILE_ELEMENTS / call.length : 1;
  call.pool = whole.count <= TILE_ELEMENTS ? NULL : pool;
  atomic_init(&call.status, 0);
  status = numapool_parallel_for_1d(call.pool, rows, tile, softmax_task, &call, 0);
  if (status == 0)
    status = atomic_load_explicit(&call.status, memory_order_relaxed);
  if (status == NUMAPOOL_ENOMEM)
    NUMAPOOL_LOG_ERROR("%s: out of memory for a row buffer of %zu floats", function,
                       call.length);
  return status;
}
