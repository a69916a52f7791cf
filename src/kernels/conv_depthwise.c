/* The direct path of numapool_conv2d for depthwise convolutions (one input
 * and one output channel per group). Each output row or pixel starts from
 * the bias and accumulates one kernel tap at a time with the vector loops
 * of the elementwise operators. For NCHW they run along the row (a scalar
 * weight times a run of input pixels), for NHWC along the channels (a
 * weight vector times an input pixel). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "kernels/conv_internal.h"
#include "kernels/eltwise_kernels.h"

/* Output elements per parallel-for tile. */
#define TILE_ELEMENTS 8192

typedef struct depthwise_call {
  const numapool__conv2d_shape_t *shape;
  const numapool__eltwise_kernels_t *kernels;
  const float *input;
  const float *weights; /* NCHW: [C][KH][KW]; NHWC: repacked to [KH][KW][C] */
  const float *bias;
  float *output;
} depthwise_call_t;

bool numapool__conv2d_depthwise_fits(const numapool__conv2d_shape_t *shape) {
  return shape->group_in == 1 && shape->group_out == 1;
}

/* Clamps count values in place when the convolution has an activation. */
static void activate(const depthwise_call_t *call, size_t count, float *values) {
  const numapool__conv2d_shape_t *s = call->shape;
  if (s->low == -INFINITY && s->high == INFINITY)
    return;
  call->kernels->unary(NUMAPOOL_UNARY_CLAMP, s->low, s->high, count, values, values);
}

/* First and last + 1 output column whose input column ow * stride + base
 * lies inside the row. */
static void valid_columns(ptrdiff_t base, size_t stride, size_t width, size_t out_width,
                          size_t *first, size_t *last) {
  ptrdiff_t s = (ptrdiff_t)stride, w = (ptrdiff_t)width;
  ptrdiff_t lo = base >= 0 ? 0 : (-base + s - 1) / s;
  ptrdiff_t hi = base >= w ? 0 : (w - 1 - base) / s + 1;
  if (hi > (ptrdiff_t)out_width)
    hi = (ptrdiff_t)out_width;
  *first = (size_t)lo;
  *last = (size_t)(hi > lo ? hi : lo);
}

#if defined(__x86_64__)
/* Limits of the tables of nchw_rows_avx512. */
#define MAX_TAPS 64
#define MAX_COLUMN_STEPS 512

/* Whether nchw_rows_avx512 handles the shape: unit stride along the rows
 * and small enough tables. */
static bool nchw_rows_avx512_fits(const numapool__conv2d_shape_t *s) {
  size_t blocks = (s->out_width + 15) / 16;
  return s->stride_width == 1 && s->kernel_height * s->kernel_width <= MAX_TAPS &&
         blocks * s->kernel_width <= MAX_COLUMN_STEPS;
}

/* Computes NCHW output rows [oh, oh + rows) of one plane with unit stride,
 * all taps at once. Each block of 16 outputs stays in a register while
 * every tap adds a masked load of its input row, and is stored once,
 * clamped. The load masks and offsets depend only on the block and kw, so
 * they are computed once per task, before the rows. */
__attribute__((target("avx512f"))) static void nchw_rows_avx512(const depthwise_call_t *call,
                                                                size_t plane, size_t oh,
                                                                size_t rows) {
  const numapool__conv2d_shape_t *s = call->shape;
  size_t channel = plane % s->in_channels, blocks = (s->out_width + 15) / 16;
  size_t kernel_width = s->kernel_width, taps = s->kernel_height * kernel_width;
  ptrdiff_t width = (ptrdiff_t)s->in_width;
  __m512 weight[MAX_TAPS];
  __mmask16 mask[MAX_COLUMN_STEPS];
  ptrdiff_t offset[MAX_COLUMN_STEPS];
  for (size_t t = 0; t < taps; t++)
    weight[t] = _mm512_set1_ps(call->weights[channel * taps + t]);
  for (size_t b = 0; b < blocks; b++) {
    ptrdiff_t lanes = (ptrdiff_t)(s->out_width - 16 * b < 16 ? s->out_width - 16 * b : 16);
    for (size_t kw = 0; kw < kernel_width; kw++) {
      ptrdiff_t base = (ptrdiff_t)(16 * b + kw * s->dilation_width) - (ptrdiff_t)s->pad_left;
      ptrdiff_t lo = base < 0 ? -base : 0, hi = width - base;
      hi = hi < lanes ? hi : lanes;
      lo = lo < hi ? lo : hi;
      lo = lo > 0 ? lo : 0;
      hi = hi > lo ? hi : lo;
      mask[b * kernel_width + kw] = (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1));
      offset[b * kernel_width + kw] = base;
    }
  }

  const float *in_plane = call->input + plane * s->in_height * s->in_width;
  __m512 start = _mm512_set1_ps(call->bias != NULL ? call->bias[channel] : 0.0f);
  __m512 low = _mm512_set1_ps(s->low), high = _mm512_set1_ps(s->high);
  for (size_t r = oh; r < oh + rows; r++) {
    float *out = call->output + (plane * s->out_height + r) * s->out_width;
    for (size_t b = 0; b < blocks; b++) {
      __m512 acc = start;
      for (size_t kh = 0; kh < s->kernel_height; kh++) {
        ptrdiff_t ih = (ptrdiff_t)(r * s->stride_height + kh * s->dilation_height) -
                       (ptrdiff_t)s->pad_top;
        if (ih < 0 || ih >= (ptrdiff_t)s->in_height)
          continue;
        const float *line = in_plane + ih * width;
        for (size_t kw = 0; kw < kernel_width; kw++) {
          size_t step = b * kernel_width + kw;
          __m512 x = _mm512_maskz_loadu_ps(mask[step], line + offset[step]);
          acc = _mm512_fmadd_ps(x, weight[kh * kernel_width + kw], acc);
        }
      }
      acc = _mm512_min_ps(_mm512_max_ps(acc, low), high);
      size_t lanes = s->out_width - 16 * b < 16 ? s->out_width - 16 * b : 16;
      _mm512_mask_storeu_ps(out + 16 * b, (__mmask16)((1u << lanes) - 1), acc);
    }
  }
}
#endif

/* One NCHW output row of channel plane `plane` (image * C + channel). */
static void nchw_row(const depthwise_call_t *call, size_t plane, size_t oh) {
  const numapool__conv2d_shape_t *s = call->shape;
  size_t channel = plane % s->in_channels;
  float *out = call->output + (plane * s->out_height + oh) * s->out_width;
  float start = call->bias != NULL ? call->bias[channel] : 0.0f;
  for (size_t ow = 0; ow < s->out_width; ow++)
    out[ow] = start;

  const float *in_plane = call->input + plane * s->in_height * s->in_width;
  const float *w = call->weights + channel * s->kernel_height * s->kernel_width;
  for (size_t kh = 0; kh < s->kernel_height; kh++) {
    ptrdiff_t ih = (ptrdiff_t)(oh * s->stride_height + kh * s->dilation_height) -
                   (ptrdiff_t)s->pad_top;
    if (ih < 0 || ih >= (ptrdiff_t)s->in_height)
      continue;
    const float *line = in_plane + (size_t)ih * s->in_width;
    for (size_t kw = 0; kw < s->kernel_width; kw++) {
      float weight = w[kh * s->kernel_width + kw];
      ptrdiff_t base = (ptrdiff_t)(kw * s->dilation_width) - (ptrdiff_t)s->pad_left;
      size_t first, last;
      valid_columns(base, s->stride_width, s->in_width, s->out_width, &first, &last);
      if (s->stride_width == 1) {
        call->kernels->axpy(last - first, weight, line + base + (ptrdiff_t)first, out + first);
        continue;
      }
      for (size_t ow = first; ow < last; ow++)
        out[ow] += weight * line[base + (ptrdiff_t)(ow * s->stride_width)];
    }
  }
  activate(call, s->out_width, out);
}

static void nchw_task(void *context, size_t thread_index, size_t plane, size_t oh,
                      size_t planes, size_t rows) {
  (void)thread_index;
  const depthwise_call_t *call = context;
#if defined(__x86_64__)
  if (call->kernels == &numapool__eltwise_avx512 && nchw_rows_avx512_fits(call->shape)) {
    for (size_t p = plane; p < plane + planes; p++)
      nchw_rows_avx512(call, p, oh, rows);
    return;
  }
#endif
  for (size_t p = plane; p < plane + planes; p++)
    for (size_t r = oh; r < oh + rows; r++)
      nchw_row(call, p, r);
}

/* One NHWC output pixel: every channel at once. */
static void nhwc_pixel(const depthwise_call_t *call, size_t image, size_t oh, size_t ow) {
  const numapool__conv2d_shape_t *s = call->shape;
  size_t channels = s->in_channels;
  float *out = call->output + ((image * s->out_height + oh) * s->out_width + ow) * channels;
  if (call->bias != NULL)
    memcpy(out, call->bias, channels * sizeof(float));
  else
    memset(out, 0, channels * sizeof(float));

  const float *in_image = call->input + image * s->in_height * s->in_width * channels;
  for (size_t kh = 0; kh < s->kernel_height; kh++) {
    ptrdiff_t ih = (ptrdiff_t)(oh * s->stride_height + kh * s->dilation_height) -
                   (ptrdiff_t)s->pad_top;
    if (ih < 0 || ih >= (ptrdiff_t)s->in_height)
      continue;
    for (size_t kw = 0; kw < s->kernel_width; kw++) {
      ptrdiff_t iw = (ptrdiff_t)(ow * s->stride_width + kw * s->dilation_width) -
                     (ptrdiff_t)s->pad_left;
      if (iw < 0 || iw >= (ptrdiff_t)s->in_width)
        continue;
      const float *in = in_image + ((size_t)ih * s->in_width + (size_t)iw) * channels;
      const float *w = call->weights + (kh * s->kernel_width + kw) * channels;
      call->kernels->multiply_add(channels, in, w, out);
    }
  }
  activate(call, channels, out);
}

static void nhwc_task(void *context, size_t thread_index, size_t row, size_t ow,
                      size_t rows, size_t columns) {
  (void)thread_index;
  const depthwise_call_t *call = context;
  size_t out_height = call->shape->out_height;
  for (size_t r = row; r < row + rows; r++)
    for (size_t c = ow; c < ow + columns; c++)
      nhwc_pixel(call, r / out_height, r % out_height, c);
}

int numapool__conv2d_depthwise(numapool_t *pool, const numapool__conv2d_shape_t *shape,
                               const float *input, const float *weights, const float *bias,
                               float *output) {
  depthwise_call_t call = {.shape = shape, .kernels = numapool__eltwise_kernels(),
                           .input = input, .weights = weights, .bias = bias, .output = output};
  size_t out_width = shape->out_width;
  if (shape->layout == NUMAPOOL_LAYOUT_NCHW) {
    size_t rows = TILE_ELEMENTS / out_width > 0 ? TILE_ELEMENTS / out_width : 1;
    return numapool_parallel_for_2d(pool, shape->batch * shape->in_channels, shape->out_height,
                                    1, rows, nchw_task, &call, 0);
  }

  /* NHWC: the weights [C][KH][KW] become [KH][KW][C], so that each tap is
   * a contiguous vector over the channels. */
  size_t channels = shape->in_channels, taps = shape->kernel_height * shape->kernel_width;
  float *repacked = malloc(channels * taps * sizeof(float));
  if (repacked == NULL)
    return NUMAPOOL_ENOMEM;
  for (size_t c = 0; c < channels; c++)
    for (size_t t = 0; t < taps; t++)
      repacked[t * channels + c] = weights[c * taps + t];
  call.weights = repacked;
  size_t columns = TILE_ELEMENTS / channels > 0 ? TILE_ELEMENTS / channels : 1;
  int status = numapool_parallel_for_2d(pool, shape->batch * shape->out_height, out_width, 1,
                                        columns, nhwc_task, &call, 0);
  free(repacked);
  return status;
}
