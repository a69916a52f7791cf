/* The checked shape of a convolution and the paths that run it: a GEMM
 * path (per-thread im2col panels fed to the GEMM microkernels) for any
 * shape, and a direct path for depthwise convolutions. */
#ifndef NUMAPOOL_KERNELS_CONV_INTERNAL_H
#define NUMAPOOL_KERNELS_CONV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <numapool/export.h>
#include <numapool/operators.h>

/* A descriptor with its defaults applied and its sizes derived. */
typedef struct numapool__conv2d_shape {
  numapool_conv2d_layout_t layout;
  size_t batch, groups;
  size_t in_channels, in_height, in_width;
  size_t out_channels, out_height, out_width;
  size_t group_in, group_out; /* channels per group */
  size_t kernel_height, kernel_width;
  size_t stride_height, stride_width;
  size_t dilation_height, dilation_width;
  size_t pad_top, pad_left;
  size_t reduction;           /* group_in * kernel_height * kernel_width */
  float low, high;            /* output clamp: -inf and +inf when there is none */
} numapool__conv2d_shape_t;

/* Clamps a convolution result to [low, high], letting NaN through. */
static inline float numapool__conv2d_clamp(float value, float low, float high) {
  value = value < low ? low : value;
  return value > high ? high : value;
}

/* The GEMM path; handles every shape. Returns 0 or NUMAPOOL_ENOMEM. */
NUMAPOOL_INTERNAL int numapool__conv2d_gemm(numapool_t *pool,
                                            const numapool__conv2d_shape_t *shape,
                                            const float *input, const float *weights,
                                            const float *bias, float *output);

/* Whether the direct depthwise path handles the shape: one input and one
 * output channel per group. */
NUMAPOOL_INTERNAL bool numapool__conv2d_depthwise_fits(const numapool__conv2d_shape_t *shape);

/* The direct depthwise path. Returns 0 or NUMAPOOL_ENOMEM. */
NUMAPOOL_INTERNAL int numapool__conv2d_depthwise(numapool_t *pool,
                                                 const numapool__conv2d_shape_t *shape,
                                                 const float *input, const float *weights,
                                                 const float *bias, float *output);

#endif /* NUMAPOOL_KERNELS_CONV_INTERNAL_H */
