/*
 * numapool operators: 2-D convolution and elementwise operators on fp32
 * tensors, run on a numapool pool (NULL runs them serially on the caller).
 *
 * Every function follows the error contract of <numapool/numapool.h>: it
 * returns 0 or a negative NUMAPOOL_E* code, and the diagnostic log names the
 * argument at fault. When an argument is rejected, nothing is written to
 * an output; after NUMAPOOL_ENOMEM an output may be partly written. Sizes,
 * strides and shapes are in elements, never in bytes.
 *
 * Thread count and results: every operator gives bit-identical results for
 * the same inputs and the same thread count. The reductions
 * (numapool_reduce, numapool_softmax) split work at fixed boundaries and
 * combine partial results in a fixed order, so their results do not depend
 * on the thread count either.
 */
#ifndef NUMAPOOL_OPERATORS_H
#define NUMAPOOL_OPERATORS_H

#include <stddef.h>
#include <stdint.h>

#include <numapool/numapool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Tensors
 * ------------------------------------------------------------------------ */

/*
 * The shape and strides of a dense fp32 tensor of up to NUMAPOOL_MAX_DIMS
 * dimensions. Element (i0, ..., i{rank-1}) is at
 * base[i0 * strides[0] + ... + i{rank-1} * strides[rank-1]].
 * Strides may be negative or 0 (a dimension repeated without copying); the
 * stride of a dimension of size 1 is never used. Rank 0 is a scalar.
 * numapool_tensor_init() fills row-major contiguous strides.
 */
typedef struct numapool_tensor {
  size_t rank;
  size_t shape[NUMAPOOL_MAX_DIMS];
  ptrdiff_t strides[NUMAPOOL_MAX_DIMS];
} numapool_tensor_t;

/* Sets *tensor to a contiguous row-major tensor of the given shape.
 * Returns NUMAPOOL_EINVAL for a NULL tensor, a NULL shape with rank > 0 or
 * a rank above NUMAPOOL_MAX_DIMS, NUMAPOOL_EOVERFLOW when the element count
 * overflows. */
NUMAPOOL_API int numapool_tensor_init(numapool_tensor_t *tensor, size_t rank,
                                      const size_t shape[]);

/* ------------------------------------------------------------------------
 * Elementwise operators
 *
 * Aliasing: an output may be the same memory as an input only when it
 * aliases it exactly (same base pointer, and for tensors the same shape and
 * strides), which makes the operation in place. Any other overlap between
 * an output and an input is rejected with NUMAPOOL_EINVAL. An output must
 * not overlap itself (no stride of 0 on a dimension of size > 1).
 *
 * Precision of the transcendental functions, checked against double
 * precision references over [-30, 30] by tests/kernels/test_eltwise.c:
 *   exp:      relative error <= 4e-7 (about 3 ulp) for results that are
 *             normal floats; exp overflows to +inf above 88.72 and returns 0
 *             below -103.9;
 *   sigmoid:  absolute error <= 1e-6;
 *   tanh:     absolute error <= 2e-6;
 *   gelu:     the exact form 0.5 * x * (1 + erf(x / sqrt(2))), with erf
 *             approximated to an absolute error of 1.5e-7, so the result's
 *             error is <= 2e-6 * max(1, |x|).
 * Every other operator is exact, as the scalar C expression is.
 *
 * Outputs of at least NUMAPOOL_ELTWISE_STREAM_BYTES bytes (an environment
 * variable; default: the last-level cache size the C library reports, else
 * 32 MiB) are written with non-temporal stores by numapool_unary and
 * numapool_binary unless an input aliases them, which saves the read of
 * each output line from memory.
 * NaN inputs give NaN outputs for every unary operator except relu and
 * clamp, whose result for NaN is unspecified.
 * ------------------------------------------------------------------------ */

typedef enum numapool_unary_op {
  NUMAPOOL_UNARY_COPY = 0,       /* y = x */
  NUMAPOOL_UNARY_SCALE = 1,      /* y = alpha * x */
  NUMAPOOL_UNARY_RELU = 2,       /* y = max(x, 0) */
  NUMAPOOL_UNARY_LEAKY_RELU = 3, /* y = x > 0 ? x : alpha * x */
  NUMAPOOL_UNARY_CLAMP = 4,      /* y = min(max(x, alpha), beta); alpha <= beta */
  NUMAPOOL_UNARY_SIGMOID = 5,    /* y = 1 / (1 + exp(-x)) */
  NUMAPOOL_UNARY_TANH = 6,       /* y = tanh(x) */
  NUMAPOOL_UNARY_EXP = 7,        /* y = exp(x) */
  NUMAPOOL_UNARY_GELU = 8        /* y = 0.5 * x * (1 + erf(x / sqrt(2))) */
} numapool_unary_op_t;

typedef enum numapool_binary_op {
  NUMAPOOL_BINARY_ADD = 0, /* y = a + b */
  NUMAPOOL_BINARY_SUB = 1, /* y = a - b */
  NUMAPOOL_BINARY_MUL = 2, /* y = a * b */
  NUMAPOOL_BINARY_DIV = 3, /* y = a / b */
  NUMAPOOL_BINARY_MAX = 4, /* y = a > b ? a : b, NaN if either is NaN */
  NUMAPOOL_BINARY_MIN = 5  /* y = a < b ? a : b, NaN if either is NaN */
} numapool_binary_op_t;

/* Applies op to count contiguous elements: y[i] = op(x[i]) for i < count.
 * alpha and beta are the operator's parameters (see numapool_unary_op_t);
 * operators without them ignore them. count 0 does nothing. */
NUMAPOOL_API int numapool_unary(numapool_t *pool, numapool_unary_op_t op, float alpha,
                                float beta, size_t count, const float *x, float *y);

/* The strided form: x and y must have the same shape. */
NUMAPOOL_API int numapool_unary_tensor(numapool_t *pool, numapool_unary_op_t op, float alpha,
                                       float beta, const numapool_tensor_t *x_desc,
                                       const float *x, const numapool_tensor_t *y_desc,
                                       float *y);

/*
 * y = op(a, b) with NumPy broadcasting: the shapes of a and b are aligned
 * on their last dimension (a missing leading dimension counts as size 1),
 * and each pair of sizes must be equal or contain a 1. y_desc must have the
 * broadcast shape, with rank max(rank a, rank b). Returns NUMAPOOL_EINVAL
 * for shapes that do not broadcast, naming the dimension.
 */
NUMAPOOL_API int numapool_binary(numapool_t *pool, numapool_binary_op_t op,
                                 const numapool_tensor_t *a_desc, const float *a,
                                 const numapool_tensor_t *b_desc, const float *b,
                                 const numapool_tensor_t *y_desc, float *y);

/* y[i * incy] = alpha * x[i * incx] + y[i * incy] for i < count, as BLAS
 * saxpy but with strides in elements that must not be 0 (negative strides
 * start at element 0, unlike BLAS). x and y must not overlap unless they
 * are the same array with the same stride. */
NUMAPOOL_API int numapool_axpy(numapool_t *pool, size_t count, float alpha, const float *x,
                               ptrdiff_t incx, float *y, ptrdiff_t incy);

typedef enum numapool_reduce_op {
  NUMAPOOL_REDUCE_SUM = 0, /* sum; 0 for no elements */
  NUMAPOOL_REDUCE_MAX = 1  /* maximum, NaN if any element is NaN; -inf for no elements */
} numapool_reduce_op_t;

/* Pass as the axis of numapool_reduce to reduce over every element. */
#define NUMAPOOL_REDUCE_ALL (-1)

/*
 * Reduces x over one axis, or over every element with NUMAPOOL_REDUCE_ALL.
 * For one axis, y_desc has x's shape without that axis (rank - 1); for
 * every element it has rank 0 (a single float). The summation order is
 * fixed by the shape and strides alone. Over every element, blocks of 16384
 * elements are each summed in 16 fixed vector lanes, and the block sums are
 * added in index order. Over one axis, each output is the sum along the
 * axis in index order, or in 16 fixed lanes where the axis has stride 1.
 * So the result depends neither on the thread count nor on the scheduling,
 * nor on the instruction set. y must not overlap x.
 */
NUMAPOOL_API int numapool_reduce(numapool_t *pool, numapool_reduce_op_t op,
                                 const numapool_tensor_t *x_desc, const float *x, int axis,
                                 const numapool_tensor_t *y_desc, float *y);

/* Softmax over the last axis: y = exp(x - max) / sum(exp(x - max)) for each
 * row. y_desc must have x's shape; y may alias x exactly. A row of -inf
 * values gives NaN, as the formula does. */
NUMAPOOL_API int numapool_softmax(numapool_t *pool, const numapool_tensor_t *x_desc,
                                  const float *x, const numapool_tensor_t *y_desc, float *y);

/* ------------------------------------------------------------------------
 * 2-D convolution
 * ------------------------------------------------------------------------ */

typedef enum numapool_conv2d_layout {
  /* Input [batch][in_channels][in_height][in_width], output
   * [batch][out_channels][out_height][out_width], weights
   * [out_channels][in_channels / groups][kernel_height][kernel_width]
   * (OIHW, as PyTorch and oneDNN's plain layout). */
  NUMAPOOL_LAYOUT_NCHW = 0,
  /* Input [batch][in_height][in_width][in_channels], output
   * [batch][out_height][out_width][out_channels], weights
   * [out_channels][kernel_height][kernel_width][in_channels / groups]
   * (OHWI, as XNNPACK and TensorFlow Lite). */
  NUMAPOOL_LAYOUT_NHWC = 1
} numapool_conv2d_layout_t;

/* The activation applied to each output after the bias. Where a result is
 * NaN, RELU and CLAMP give NaN or the lower bound depending on the path. */
typedef enum numapool_activation {
  NUMAPOOL_ACTIVATION_NONE = 0,
  NUMAPOOL_ACTIVATION_RELU = 1,  /* y = max(y, 0) */
  NUMAPOOL_ACTIVATION_CLAMP = 2  /* y = min(max(y, clamp_min), clamp_max) */
} numapool_activation_t;

/*
 * The shape of a convolution. Fields marked "0: 1" take 1 when left 0, so
 * a zeroed struct with the sizes filled in is a plain convolution.
 * Output size: out_height = (in_height + pad_top + pad_bottom -
 * dilation_height * (kernel_height - 1) - 1) / stride_height + 1, and the
 * same for the width; it must be at least 1.
 * Channel c of group g is channel g * (in_channels / groups) + c; output
 * channel o belongs to group o / (out_channels / groups). Depthwise is
 * groups == in_channels (out_channels a multiple of it).
 */
typedef struct numapool_conv2d_desc {
  numapool_conv2d_layout_t layout;
  size_t batch;
  size_t in_channels;
  size_t in_height;
  size_t in_width;
  size_t out_channels;
  size_t kernel_height;
  size_t kernel_width;
  size_t stride_height;   /* 0: 1 */
  size_t stride_width;    /* 0: 1 */
  size_t dilation_height; /* 0: 1 */
  size_t dilation_width;  /* 0: 1 */
  size_t pad_top;
  size_t pad_bottom;
  size_t pad_left;
  size_t pad_right;
  size_t groups;          /* 0: 1; must divide in_channels and out_channels */
  numapool_activation_t activation;
  float clamp_min;        /* NUMAPOOL_ACTIVATION_CLAMP only; <= clamp_max */
  float clamp_max;
  uint32_t flags;         /* reserved; must be 0 */
} numapool_conv2d_desc_t;

/* Computes the output height and width of *desc and checks the whole
 * descriptor. Returns 0, NUMAPOOL_EINVAL (the log names the field) or
 * NUMAPOOL_EOVERFLOW (a tensor's element count overflows size_t). */
NUMAPOOL_API int numapool_conv2d_output_size(const numapool_conv2d_desc_t *desc,
                                             size_t *out_height, size_t *out_width);

/*
 * output = activation(conv2d(input, weights) + bias) in desc->layout.
 * bias has out_channels elements, or is NULL for none. output must not
 * overlap the input, weights or bias. Per-thread buffers come from
 * numapool_scratch(), so the first call on a pool allocates them. The
 * weights are repacked for the microkernels on every call, into a buffer
 * that is kept for the next call until the process exits.
 * Returns 0, NUMAPOOL_EINVAL, NUMAPOOL_EOVERFLOW or NUMAPOOL_ENOMEM.
 */
NUMAPOOL_API int numapool_conv2d(numapool_t *pool, const numapool_conv2d_desc_t *desc,
                                 const float *input, const float *weights, const float *bias,
                                 float *output);

#ifdef __cplusplus
}
#endif

#endif /* NUMAPOOL_OPERATORS_H */
