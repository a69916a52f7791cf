/* Unary, binary and axpy operators: argument checks, then a 2-D
 * parallel-for over the plan's rows and innermost dimension. Contiguous
 * spans go straight to the vector loops; strided spans are gathered into
 * per-thread blocks first and scattered back afterwards. */
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "common/env.h"
#include "common/log.h"
#include "kernels/eltwise_kernels.h"
#include "kernels/eltwise_plan.h"

/* Elements per parallel-for tile: 64 KiB of output, large enough that the
 * per-tile cost vanishes and small enough to balance two threads well. */
#define TILE_ELEMENTS 16384
/* Elements per gathered block of a strided span. */
#define BLOCK_ELEMENTS 1024

typedef enum span_kind { SPAN_UNARY, SPAN_BINARY, SPAN_AXPY } span_kind_t;

typedef struct eltwise_call {
  numapool_t *pool; /* the pool whose scratch the tasks use, or NULL */
  const numapool__eltwise_kernels_t *kernels;
  numapool__eltwise_plan_t plan;
  span_kind_t kind;
  bool stream; /* non-temporal stores on direct spans */
  int op;
  float alpha, beta;
  float *output;
  const float *inputs[2];
} eltwise_call_t;

/* Runs the operation on count elements: inputs with steps of 0 or 1. */
static void run_span(const eltwise_call_t *call, size_t count, const float *const in[],
                     const size_t steps[], float *out, bool stream) {
  const numapool__eltwise_kernels_t *kernels = call->kernels;
  switch (call->kind) {
  case SPAN_UNARY:
    (stream ? kernels->unary_stream : kernels->unary)((numapool_unary_op_t)call->op,
                                                      call->alpha, call->beta, count, in[0],
                                                      out);
    return;
  case SPAN_BINARY:
    (stream ? kernels->binary_stream : kernels->binary)((numapool_binary_op_t)call->op, count,
                                                        in[0], steps[0], in[1], steps[1], out);
    return;
  case SPAN_AXPY:
    if (out != in[1])
      memcpy(out, in[1], count * sizeof(float));
    kernels->axpy(count, call->alpha, in[0], out);
    return;
  }
}

/* Whether a span runs without gathering: the output contiguous and every
 * input contiguous, or repeated where the operation takes a scalar. */
static bool span_is_direct(const eltwise_call_t *call, const ptrdiff_t inner[]) {
  if (inner[0] != 1)
    return false;
  for (size_t k = 1; k < call->plan.operands; k++) {
    bool scalar_ok = call->kind == SPAN_BINARY;
    if (inner[k] != 1 && !(inner[k] == 0 && scalar_ok))
      return false;
  }
  return true;
}

static void gather(float *block, const float *source, ptrdiff_t stride, size_t count) {
  for (size_t i = 0; i < count; i++)
    block[i] = source[(ptrdiff_t)i * stride];
}

/* One span of the innermost dimension through per-thread blocks. */
static void run_gathered(const eltwise_call_t *call, float *scratch, const float *const base[],
                         const ptrdiff_t inner[], float *out, size_t count) {
  size_t inputs = call->plan.operands - 1;
  for (size_t done = 0; done < count; done += BLOCK_ELEMENTS) {
    size_t n = count - done < BLOCK_ELEMENTS ? count - done : BLOCK_ELEMENTS;
    const float *in[2] = {NULL, NULL};
    size_t steps[2] = {1, 1};
    for (size_t k = 0; k < inputs; k++) {
      const float *source = base[k] + (ptrdiff_t)done * inner[k + 1];
      if (inner[k + 1] == 1) {
        in[k] = source;
      } else {
        gather(scratch + k * BLOCK_ELEMENTS, source, inner[k + 1], n);
        in[k] = scratch + k * BLOCK_ELEMENTS;
      }
    }
    float *result = scratch + 2 * BLOCK_ELEMENTS;
    run_span(call, n, in, steps, result, false);
    float *target = out + (ptrdiff_t)done * inner[0];
    for (size_t i = 0; i < n; i++)
      target[(ptrdiff_t)i * inner[0]] = result[i];
  }
}

/* Task over rows [row, row + rows) and inner elements [first, first + count). */
static void eltwise_task(void *context, size_t thread_index, size_t row, size_t first,
                         size_t rows, size_t count) {
  const eltwise_call_t *call = context;
  const numapool__eltwise_plan_t *plan = &call->plan;
  size_t last = plan->rank - 1;
  ptrdiff_t inner[NUMAPOOL__PLAN_MAX_OPERANDS] = {0, 0, 0};
  for (size_t k = 0; k < plan->operands; k++)
    inner[k] = plan->strides[k][last];
  bool direct = span_is_direct(call, inner);
  float *scratch = NULL;
  if (!direct) {
    scratch = numapool_scratch(call->pool, thread_index, 3 * BLOCK_ELEMENTS * sizeof(float));
    /* NOTE: a failed scratch allocation here cannot be reported to the
     * caller, so the span is done element by element instead. */
  }

  for (size_t r = row; r < row + rows; r++) {
    /* Offsets of this row: unravel r over the outer dimensions. */
    ptrdiff_t offset[NUMAPOOL__PLAN_MAX_OPERANDS] = {0, 0, 0};
    size_t rest = r;
    for (size_t d = last; d-- > 0;) {
      size_t index = rest % plan->shape[d];
      rest /= plan->shape[d];
      for (size_t k = 0; k < plan->operands; k++)
        offset[k] += (ptrdiff_t)index * plan->strides[k][d];
    }
    float *out = call->output + offset[0] + (ptrdiff_t)first * inner[0];
    const float *base[2] = {NULL, NULL};
    for (size_t k = 1; k < plan->operands; k++)
      base[k - 1] = call->inputs[k - 1] + offset[k] + (ptrdiff_t)first * inner[k];

    if (direct) {
      size_t steps[2] = {(size_t)inner[1], plan->operands > 2 ? (size_t)inner[2] : 1};
      run_span(call, count, base, steps, out, call->stream);
    } else if (scratch != NULL) {
      run_gathered(call, scratch, base, inner, out, count);
    } else {
      for (size_t i = 0; i < count; i++) {
        const float *in[2] = {base[0] + (ptrdiff_t)i * inner[1],
                              plan->operands > 2 ? base[1] + (ptrdiff_t)i * inner[2] : NULL};
        size_t steps[2] = {1, 1};
        float value;
        run_span(call, 1, in, steps, &value, false);
        out[(ptrdiff_t)i * inner[0]] = value;
      }
    }
  }
}

/* Output bytes from which stores are non-temporal, 0 until read. Written
 * by whichever call comes first (relaxed: every thread computes the same
 * value), read by every call. */
static atomic_size_t stream_bytes;

/* NUMAPOOL_ELTWISE_STREAM_BYTES, else the last-level cache size that the C
 * library reports. */
static size_t stream_threshold(void) {
  size_t threshold = atomic_load_explicit(&stream_bytes, memory_order_relaxed);
  if (threshold != 0)
    return threshold;
  long value;
  if (numapool__env_long("NUMAPOOL_ELTWISE_STREAM_BYTES", 1, LONG_MAX, &value)) {
    threshold = (size_t)value;
  } else {
    long cache = sysconf(_SC_LEVEL3_CACHE_SIZE);
    /* NOTE: 32 MiB is a guess for CPUs whose cache size the C library does
     * not report. In a VM the reported size can be the host's. */
    threshold = cache > 0 ? (size_t)cache : ((size_t)32 << 20);
  }
  atomic_store_explicit(&stream_bytes, threshold, memory_order_relaxed);
  return threshold;
}

/* Whether to write the output with non-temporal stores: when it is larger
 * than the last-level cache, so that it would be evicted before being read
 * again, and no input aliases it. */
static bool use_streaming(const eltwise_call_t *call) {
  if (call->kind == SPAN_AXPY)
    return false;
  if (call->output == call->inputs[0] || call->output == call->inputs[1])
    return false;
  return call->plan.count * sizeof(float) >= stream_threshold();
}

/* Checks overlap and runs the plan over the pool. */
static int eltwise_run(const char *function, numapool_t *pool, eltwise_call_t *call,
                       const char *const names[]) {
  const void *bases[3] = {call->output, call->inputs[0], call->inputs[1]};
  int status = numapool__eltwise_plan_check_overlap(function, &call->plan, bases, names);
  if (status != 0 || call->plan.count == 0)
    return status;

  const numapool__eltwise_plan_t *plan = &call->plan;
  size_t inner = plan->shape[plan->rank - 1];
  size_t rows = plan->count / inner;
  size_t tile_inner = inner < TILE_ELEMENTS ? inner : TILE_ELEMENTS;
  size_t tile_rows = TILE_ELEMENTS / tile_inner;
  /* Small calls run on the caller: fanning out costs more than they do. */
  call->pool = plan->count <= TILE_ELEMENTS ? NULL : pool;
  call->kernels = numapool__eltwise_kernels();
  call->stream = use_streaming(call);
  return numapool_parallel_for_2d(call->pool, rows, inner, tile_rows, tile_inner, eltwise_task,
                                  call, 0);
}

static int check_unary_op(const char *function, numapool_unary_op_t op, float alpha,
                          float beta) {
  if ((unsigned)op > NUMAPOOL_UNARY_GELU) {
    NUMAPOOL_LOG_ERROR("%s: invalid op %d: expected a numapool_unary_op_t value", function,
                       (int)op);
    return NUMAPOOL_EINVAL;
  }
  if (op == NUMAPOOL_UNARY_CLAMP && !(alpha <= beta)) {
    NUMAPOOL_LOG_ERROR("%s: invalid clamp bounds alpha %g > beta %g (or NaN): expected "
                       "alpha <= beta",
                       function, (double)alpha, (double)beta);
    return NUMAPOOL_EINVAL;
  }
  return 0;
}

int numapool_unary_tensor(numapool_t *pool, numapool_unary_op_t op, float alpha, float beta,
                          const numapool_tensor_t *x_desc, const float *x,
                          const numapool_tensor_t *y_desc, float *y) {
  static const char function[] = "numapool_unary_tensor";
  int status = check_unary_op(function, op, alpha, beta);
  if (status == 0)
    status = numapool__tensor_check(function, "x", x_desc, x, NULL);
  if (status == 0)
    status = numapool__tensor_check(function, "y", y_desc, y, NULL);
  if (status != 0)
    return status;
  if (x_desc->rank != y_desc->rank ||
      memcmp(x_desc->shape, y_desc->shape, x_desc->rank * sizeof(size_t)) != 0) {
    NUMAPOOL_LOG_ERROR("%s: invalid y_desc: its shape differs from x's", function);
    return NUMAPOOL_EINVAL;
  }

  eltwise_call_t call = {.kind = SPAN_UNARY, .op = op, .alpha = alpha, .beta = beta,
                         .output = y, .inputs = {x, NULL}};
  const numapool_tensor_t *inputs[1] = {x_desc};
  static const char *const names[] = {"y", "x"};
  status = numapool__eltwise_plan_build(function, &call.plan, y_desc, inputs, names + 1, 1);
  if (status != 0)
    return status;
  return eltwise_run(function, pool, &call, names);
}

int numapool_unary(numapool_t *pool, numapool_unary_op_t op, float alpha, float beta,
                   size_t count, const float *x, float *y) {
  numapool_tensor_t desc;
  int status = numapool_tensor_init(&desc, 1, &count);
  if (status != 0)
    return status;
  return numapool_unary_tensor(pool, op, alpha, beta, &desc, x, &desc, y);
}

int numapool_binary(numapool_t *pool, numapool_binary_op_t op, const numapool_tensor_t *a_desc,
                    const float *a, const numapool_tensor_t *b_desc, const float *b,
                    const numapool_tensor_t *y_desc, float *y) {
  static const char function[] = "numapool_binary";
  if ((unsigned)op > NUMAPOOL_BINARY_MIN) {
    NUMAPOOL_LOG_ERROR("%s: invalid op %d: expected a numapool_binary_op_t value", function,
                       (int)op);
    return NUMAPOOL_EINVAL;
  }
  int status = numapool__tensor_check(function, "a", a_desc, a, NULL);
  if (status == 0)
    status = numapool__tensor_check(function, "b", b_desc, b, NULL);
  if (status == 0)
    status = numapool__tensor_check(function, "y", y_desc, y, NULL);
  if (status != 0)
    return status;
  size_t rank = a_desc->rank > b_desc->rank ? a_desc->rank : b_desc->rank;
  if (y_desc->rank != rank) {
    NUMAPOOL_LOG_ERROR("%s: invalid y rank %zu: expected %zu, the larger rank of a and b",
                       function, y_desc->rank, rank);
    return NUMAPOOL_EINVAL;
  }

  eltwise_call_t call = {.kind = SPAN_BINARY, .op = op, .output = y, .inputs = {a, b}};
  const numapool_tensor_t *inputs[2] = {a_desc, b_desc};
  static const char *const names[] = {"y", "a", "b"};
  status = numapool__eltwise_plan_build(function, &call.plan, y_desc, inputs, names + 1, 2);
  if (status != 0)
    return status;
  return eltwise_run(function, pool, &call, names);
}

int numapool_axpy(numapool_t *pool, size_t count, float alpha, const float *x, ptrdiff_t incx,
                  float *y, ptrdiff_t incy) {
  static const char function[] = "numapool_axpy";
  if (incx == 0 || incy == 0) {
    NUMAPOOL_LOG_ERROR("%s: invalid %s 0: strides must not be 0", function,
                       incx == 0 ? "incx" : "incy");
    return NUMAPOOL_EINVAL;
  }
  numapool_tensor_t x_desc = {.rank = 1, .shape = {count}, .strides = {incx}};
  numapool_tensor_t y_desc = {.rank = 1, .shape = {count}, .strides = {incy}};
  int status = numapool__tensor_check(function, "x", &x_desc, x, NULL);
  if (status == 0)
    status = numapool__tensor_check(function, "y", &y_desc, y, NULL);
  if (status != 0)
    return status;

  /* Operands: y written, x read, y read. y aliases itself exactly. */
  eltwise_call_t call = {.kind = SPAN_AXPY, .alpha = alpha, .output = y, .inputs = {x, y}};
  const numapool_tensor_t *inputs[2] = {&x_desc, &y_desc};
  static const char *const names[] = {"y", "x", "y"};
  status = numapool__eltwise_plan_build(function, &call.plan, &y_desc, inputs, names + 1, 2);
  if (status != 0)
    return status;
  return eltwise_run(function, pool, &call, names);
}
