/* numapool_conv2d: descriptor checks and the choice of path. */
#include <math.h>
#include <stdint.h>

#include "common/log.h"
#include "kernels/conv_internal.h"
#include "kernels/eltwise_plan.h"

static size_t default_one(size_t value) { return value == 0 ? 1 : value; }

static int reject(const char *field, size_t value, const char *expected) {
  NUMAPOOL_LOG_ERROR("numapool_conv2d: invalid %s %zu: expected %s", field, value, expected);
  return NUMAPOOL_EINVAL;
}

/* Checks the fields that need no arithmetic. */
static int check_fields(const numapool_conv2d_desc_t *desc) {
  if (desc->flags != 0)
    return reject("flags", desc->flags, "0");
  if (desc->layout != NUMAPOOL_LAYOUT_NCHW && desc->layout != NUMAPOOL_LAYOUT_NHWC)
    return reject("layout", (size_t)desc->layout, "NUMAPOOL_LAYOUT_NCHW or NUMAPOOL_LAYOUT_NHWC");
  if ((unsigned)desc->activation > NUMAPOOL_ACTIVATION_CLAMP)
    return reject("activation", (size_t)desc->activation, "a numapool_activation_t value");
  if (desc->activation == NUMAPOOL_ACTIVATION_CLAMP && !(desc->clamp_min <= desc->clamp_max)) {
    NUMAPOOL_LOG_ERROR("numapool_conv2d: invalid clamp_min %g and clamp_max %g: expected "
                       "clamp_min <= clamp_max, neither NaN",
                       (double)desc->clamp_min, (double)desc->clamp_max);
    return NUMAPOOL_EINVAL;
  }
  const struct {
    const char *name;
    size_t value;
  } sizes[] = {{"in_channels", desc->in_channels},   {"in_height", desc->in_height},
               {"in_width", desc->in_width},         {"out_channels", desc->out_channels},
               {"kernel_height", desc->kernel_height}, {"kernel_width", desc->kernel_width}};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (sizes[i].value == 0)
      return reject(sizes[i].name, 0, "at least 1");
  size_t groups = default_one(desc->groups);
  if (desc->in_channels % groups != 0)
    return reject("groups", groups, "a divisor of in_channels");
  if (desc->out_channels % groups != 0)
    return reject("groups", groups, "a divisor of out_channels");
  return 0;
}

/* One spatial dimension: the output size, or 0 with the error logged. */
static int output_extent(const char *name, size_t in, size_t kernel, size_t stride,
                         size_t dilation, size_t pad_before, size_t pad_after, size_t *out) {
  size_t span, padded;
  if (__builtin_mul_overflow(dilation, kernel - 1, &span) ||
      __builtin_add_overflow(span, 1, &span) ||
      __builtin_add_overflow(in, pad_before, &padded) ||
      __builtin_add_overflow(padded, pad_after, &padded)) {
    NUMAPOOL_LOG_ERROR("numapool_conv2d: the padded %s or the dilated kernel overflows size_t",
                       name);
    return NUMAPOOL_EOVERFLOW;
  }
  if (padded < span) {
    NUMAPOOL_LOG_ERROR("numapool_conv2d: invalid %s: the padded input (%zu) is smaller than the "
                       "dilated kernel (%zu), so the output would be empty; pad more or use a "
                       "smaller kernel or dilation",
                       name, padded, span);
    return NUMAPOOL_EINVAL;
  }
  *out = (padded - span) / stride + 1;
  return 0;
}

/* Whether a product of sizes, times sizeof(float), fits ptrdiff_t. */
static bool product_fits(const size_t factors[], size_t count) {
  size_t total = sizeof(float);
  for (size_t i = 0; i < count; i++)
    if (__builtin_mul_overflow(total, factors[i], &total))
      return false;
  return total <= (size_t)PTRDIFF_MAX;
}

static int fill_shape(const numapool_conv2d_desc_t *desc, numapool__conv2d_shape_t *shape) {
  if (desc == NULL) {
    NUMAPOOL_LOG_ERROR("numapool_conv2d: invalid desc: NULL");
    return NUMAPOOL_EINVAL;
  }
  int status = check_fields(desc);
  if (status != 0)
    return status;

  numapool__conv2d_shape_t s = {
      .layout = desc->layout, .batch = desc->batch, .groups = default_one(desc->groups),
      .in_channels = desc->in_channels, .in_height = desc->in_height,
      .in_width = desc->in_width, .out_channels = desc->out_channels,
      .kernel_height = desc->kernel_height, .kernel_width = desc->kernel_width,
      .stride_height = default_one(desc->stride_height),
      .stride_width = default_one(desc->stride_width),
      .dilation_height = default_one(desc->dilation_height),
      .dilation_width = default_one(desc->dilation_width), .pad_top = desc->pad_top,
      .pad_left = desc->pad_left, .low = -INFINITY, .high = INFINITY};
  s.group_in = s.in_channels / s.groups;
  s.group_out = s.out_channels / s.groups;
  status = output_extent("in_height", s.in_height, s.kernel_height, s.stride_height,
                         s.dilation_height, desc->pad_top, desc->pad_bottom, &s.out_height);
  if (status == 0)
    status = output_extent("in_width", s.in_width, s.kernel_width, s.stride_width,
                           s.dilation_width, desc->pad_left, desc->pad_right, &s.out_width);
  if (status != 0)
    return status;

  const size_t in[] = {s.batch, s.in_channels, s.in_height, s.in_width};
  const size_t out[] = {s.batch, s.out_channels, s.out_height, s.out_width};
  const size_t filter[] = {s.out_channels, s.group_in, s.kernel_height, s.kernel_width};
  if (!product_fits(in, 4) || !product_fits(out, 4) || !product_fits(filter, 4)) {
    NUMAPOOL_LOG_ERROR("numapool_conv2d: the %s tensor's size overflows",
                       !product_fits(in, 4) ? "input" : !product_fits(out, 4) ? "output" : "weights");
    return NUMAPOOL_EOVERFLOW;
  }
  s.reduction = s.group_in * s.kernel_height * s.kernel_width;
  if (desc->activation == NUMAPOOL_ACTIVATION_RELU)
    s.low = 0.0f;
  if (desc->activation == NUMAPOOL_ACTIVATION_CLAMP) {
    s.low = desc->clamp_min;
    s.high = desc->clamp_max;
  }
  *shape = s;
  return 0;
}

int numapool_conv2d_output_size(const numapool_conv2d_desc_t *desc, size_t *out_height,
                                size_t *out_width) {
  numapool__conv2d_shape_t shape;
  int status = fill_shape(desc, &shape);
  if (status != 0)
    return status;
  if (out_height != NULL)
    *out_height = shape.out_height;
  if (out_width != NULL)
    *out_width = shape.out_width;
  return 0;
}

/* Whether two contiguous float arrays share any byte. */
static bool arrays_overlap(const float *a, size_t a_count, const float *b, size_t b_count) {
  size_t a_shape[1] = {a_count}, b_shape[1] = {b_count};
  ptrdiff_t unit[1] = {1};
  return numapool__spans_overlap(a, 1, a_shape, unit, b, 1, b_shape, unit);
}

static int check_pointers(const numapool__conv2d_shape_t *s, const float *input,
                          const float *weights, const float *bias, const float *output) {
  const char *missing = input == NULL ? "input" : weights == NULL ? "weights"
                                              : output == NULL   ? "output"
                                                                 : NULL;
  if (missing != NULL) {
    NUMAPOOL_LOG_ERROR("numapool_conv2d: invalid %s: NULL", missing);
    return NUMAPOOL_EINVAL;
  }
  size_t out_count = s->batch * s->out_channels * s->out_height * s->out_width;
  size_t in_count = s->batch * s->in_channels * s->in_height * s->in_width;
  size_t weight_count = s->out_channels * s->reduction;
  const char *overlapped = arrays_overlap(output, out_count, input, in_count) ? "input"
                           : arrays_overlap(output, out_count, weights, weight_count) ? "weights"
                           : bias != NULL && arrays_overlap(output, out_count, bias, s->out_channels)
                               ? "bias"
                               : NULL;
  if (overlapped != NULL) {
    NUMAPOOL_LOG_ERROR("numapool_conv2d: invalid output: it overlaps the %s", overlapped);
    return NUMAPOOL_EINVAL;
  }
  return 0;
}

int numapool_conv2d(numapool_t *pool, const numapool_conv2d_desc_t *desc, const float *input,
                    const float *weights, const float *bias, float *output) {
  numapool__conv2d_shape_t shape;
  int status = fill_shape(desc, &shape);
  if (status == 0 && shape.batch > 0)
    status = check_pointers(&shape, input, weights, bias, output);
  if (status != 0 || shape.batch == 0)
    return status;

  if (numapool__conv2d_depthwise_fits(&shape))
    status = numapool__conv2d_depthwise(pool, &shape, input, weights, bias, output);
  else
    status = numapool__conv2d_gemm(pool, &shape, input, weights, bias, output);
  if (status == NUMAPOOL_ENOMEM)
    NUMAPOOL_LOG_ERROR("numapool_conv2d: out of memory for packed weights or per-thread panels");
  return status;
}
