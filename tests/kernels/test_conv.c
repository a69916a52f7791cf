/* numapool_conv2d against a naive direct convolution computed in double
 * precision. The table of shapes covers 1x1, 3x3 stride 2, 7x7 pad 3,
 * dilation 2, depthwise, depthwise with a channel multiplier, groups 2,
 * odd and asymmetric sizes and padding, and batch 1, 2 and 8. Each shape
 * runs in both layouts, on a NULL pool and a pool of 2 threads, with bias
 * or without and with no activation, ReLU or clamp. Each output must lie
 * within 1e-5 * sum |w x| + 1e-6 of the reference. Then the descriptor
 * checks: every invalid field is rejected with the documented code. */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/kernels.h>
#include <numapool/operators.h>

#include "check.h"

static unsigned checks;

static unsigned long long rng_state = 0x9E3779B97F4A7C15ULL;
static float random_float(void) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (float)((double)(rng_state >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

typedef struct conv_case {
  const char *name;
  size_t batch, in_c, in_h, in_w, out_c, k_h, k_w, s_h, s_w, d_h, d_w;
  size_t pad_top, pad_bottom, pad_left, pad_right, groups;
  numapool_activation_t activation;
  bool bias;
} conv_case_t;

static const conv_case_t cases[] = {
    {"1x1", 1, 16, 9, 9, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, NUMAPOOL_ACTIVATION_NONE, true},
    {"1x1 stride 2", 2, 8, 10, 11, 40, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1,
     NUMAPOOL_ACTIVATION_RELU, false},
    {"1x1 padded", 1, 5, 4, 6, 7, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, NUMAPOOL_ACTIVATION_NONE,
     true},
    {"3x3 stride 2", 1, 8, 15, 15, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1,
     NUMAPOOL_ACTIVATION_NONE, true},
    {"7x7 pad 3", 1, 3, 23, 23, 16, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1, NUMAPOOL_ACTIVATION_RELU,
     true},
    {"dilation 2", 1, 6, 13, 12, 10, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, NUMAPOOL_ACTIVATION_NONE,
     false},
    {"depthwise 3x3", 1, 32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32,
     NUMAPOOL_ACTIVATION_CLAMP, true},
    {"depthwise stride 2 dilation 2", 2, 12, 17, 16, 12, 3, 3, 2, 2, 2, 2, 2, 1, 0, 2, 12,
     NUMAPOOL_ACTIVATION_NONE, false},
    {"depthwise dilation 2 wide", 1, 6, 9, 37, 6, 3, 3, 1, 1, 2, 2, 1, 0, 3, 1, 6,
     NUMAPOOL_ACTIVATION_RELU, true},
    {"depthwise 5x5 stride 2x1", 2, 5, 11, 21, 5, 5, 5, 2, 1, 1, 1, 2, 2, 2, 2, 5,
     NUMAPOOL_ACTIVATION_NONE, false},
    {"depthwise multiplier 2", 1, 8, 9, 9, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8,
     NUMAPOOL_ACTIVATION_RELU, true},
    {"groups 2", 1, 8, 11, 10, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, NUMAPOOL_ACTIVATION_NONE,
     true},
    {"odd 3x5 asymmetric", 1, 5, 17, 19, 9, 3, 5, 1, 2, 1, 1, 0, 2, 1, 0, 1,
     NUMAPOOL_ACTIVATION_CLAMP, false},
    {"batch 8", 8, 16, 7, 9, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, NUMAPOOL_ACTIVATION_RELU,
     true},
    {"kernel above input", 1, 4, 3, 3, 6, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1,
     NUMAPOOL_ACTIVATION_NONE, true},
    {"wide channels", 2, 64, 20, 20, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1,
     NUMAPOOL_ACTIVATION_NONE, true},
    {"1x1 many channels", 1, 96, 6, 7, 70, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
     NUMAPOOL_ACTIVATION_CLAMP, false},
};

static numapool_conv2d_desc_t make_desc(const conv_case_t *c, numapool_conv2d_layout_t layout) {
  return (numapool_conv2d_desc_t){
      .layout = layout, .batch = c->batch, .in_channels = c->in_c, .in_height = c->in_h,
      .in_width = c->in_w, .out_channels = c->out_c, .kernel_height = c->k_h,
      .kernel_width = c->k_w, .stride_height = c->s_h, .stride_width = c->s_w,
      .dilation_height = c->d_h, .dilation_width = c->d_w, .pad_top = c->pad_top,
      .pad_bottom = c->pad_bottom, .pad_left = c->pad_left, .pad_right = c->pad_right,
      .groups = c->groups, .activation = c->activation, .clamp_min = -0.5f, .clamp_max = 0.75f};
}

/* Reference output in NCHW and the bound sum |w x| per element. */
static void reference(const conv_case_t *c, size_t oh_count, size_t ow_count, const float *in,
                      const float *w, const float *bias, double *out, double *bound) {
  size_t gi = c->in_c / c->groups, go = c->out_c / c->groups;
  for (size_t n = 0; n < c->batch; n++)
    for (size_t o = 0; o < c->out_c; o++)
      for (size_t oh = 0; oh < oh_count; oh++)
        for (size_t ow = 0; ow < ow_count; ow++) {
          double sum = bias != NULL ? bias[o] : 0.0, magnitude = 0.0;
          size_t g = o / go;
          for (size_t i = 0; i < gi; i++)
            for (size_t kh = 0; kh < c->k_h; kh++)
              for (size_t kw = 0; kw < c->k_w; kw++) {
                long ih = (long)(oh * c->s_h + kh * c->d_h) - (long)c->pad_top;
                long iw = (long)(ow * c->s_w + kw * c->d_w) - (long)c->pad_left;
                if (ih < 0 || iw < 0 || ih >= (long)c->in_h || iw >= (long)c->in_w)
                  continue;
                double x = in[((n * c->in_c + g * gi + i) * c->in_h + (size_t)ih) * c->in_w +
                              (size_t)iw];
                double weight = w[((o * gi + i) * c->k_h + kh) * c->k_w + kw];
                sum += x * weight;
                magnitude += fabs(x * weight);
              }
          if (c->activation == NUMAPOOL_ACTIVATION_RELU)
            sum = sum > 0.0 ? sum : 0.0;
          if (c->activation == NUMAPOOL_ACTIVATION_CLAMP)
            sum = fmin(fmax(sum, -0.5), 0.75);
          size_t index = ((n * c->out_c + o) * oh_count + oh) * ow_count + ow;
          out[index] = sum;
          bound[index] = magnitude + (bias != NULL ? fabs(bias[o]) : 0.0);
        }
}

/* NCHW to NHWC for the input, OIHW to OHWI for the weights. */
static void to_channels_last(size_t outer, size_t channels, size_t pixels, const float *src,
                             float *dst) {
  for (size_t n = 0; n < outer; n++)
    for (size_t c = 0; c < channels; c++)
      for (size_t p = 0; p < pixels; p++)
        dst[(n * pixels + p) * channels + c] = src[(n * channels + c) * pixels + p];
}

static void run_case(numapool_t *pool, const conv_case_t *c, numapool_conv2d_layout_t layout) {
  numapool_conv2d_desc_t desc = make_desc(c, layout);
  size_t oh, ow;
  CHECK_EQ(numapool_conv2d_output_size(&desc, &oh, &ow), 0);
  size_t in_count = c->batch * c->in_c * c->in_h * c->in_w;
  size_t w_count = c->out_c * (c->in_c / c->groups) * c->k_h * c->k_w;
  size_t out_count = c->batch * c->out_c * oh * ow;
  float *in = malloc(in_count * sizeof(float)), *w = malloc(w_count * sizeof(float));
  float *bias = malloc(c->out_c * sizeof(float));
  float *in_layout = malloc(in_count * sizeof(float)), *w_layout = malloc(w_count * sizeof(float));
  float *out = malloc((out_count + 1) * sizeof(float));
  double *expected = malloc(out_count * sizeof(double)), *bound = malloc(out_count * sizeof(double));
  CHECK(in != NULL);
  CHECK(w != NULL);
  CHECK(bias != NULL);
  CHECK(in_layout != NULL);
  CHECK(w_layout != NULL);
  CHECK(out != NULL);
  CHECK(expected != NULL);
  CHECK(bound != NULL);
  for (size_t i = 0; i < in_count; i++)
    in[i] = random_float();
  for (size_t i = 0; i < w_count; i++)
    w[i] = random_float();
  for (size_t i = 0; i < c->out_c; i++)
    bias[i] = random_float();
  reference(c, oh, ow, in, w, c->bias ? bias : NULL, expected, bound);

  bool nhwc = layout == NUMAPOOL_LAYOUT_NHWC;
  if (nhwc) {
    to_channels_last(c->batch, c->in_c, c->in_h * c->in_w, in, in_layout);
    to_channels_last(c->out_c, c->in_c / c->groups, c->k_h * c->k_w, w, w_layout);
  } else {
    memcpy(in_layout, in, in_count * sizeof(float));
    memcpy(w_layout, w, w_count * sizeof(float));
  }
  for (size_t i = 0; i <= out_count; i++)
    out[i] = NAN;
  CHECK_EQ(numapool_conv2d(pool, &desc, in_layout, w_layout, c->bias ? bias : NULL, out), 0);

  for (size_t n = 0; n < c->batch; n++)
    for (size_t o = 0; o < c->out_c; o++)
      for (size_t p = 0; p < oh * ow; p++) {
        size_t ref = (n * c->out_c + o) * oh * ow + p;
        size_t got = nhwc ? (n * oh * ow + p) * c->out_c + o : ref;
        double tolerance = 1e-5 * bound[ref] + 1e-6;
        checks++;
        if (!(fabs(out[got] - expected[ref]) <= tolerance)) {
          char detail[240];
          snprintf(detail, sizeof detail,
                   "%s (%s, %s pool): image %zu channel %zu pixel %zu = %.9g, expected %.9g",
                   c->name, nhwc ? "NHWC" : "NCHW", pool ? "2-thread" : "NULL", n, o, p,
                   out[got], expected[ref]);
          CHECK_MSG(false, detail);
        }
      }
  checks++;
  CHECK_MSG(isnan(out[out_count]), "the element after the output is untouched");
  free(in); free(w); free(bias); free(in_layout); free(w_layout); free(out);
  free(expected); free(bound);
}

static void test_shapes(numapool_t *pool) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    run_case(NULL, &cases[i], NUMAPOOL_LAYOUT_NCHW);
    run_case(NULL, &cases[i], NUMAPOOL_LAYOUT_NHWC);
    run_case(pool, &cases[i], NUMAPOOL_LAYOUT_NCHW);
    run_case(pool, &cases[i], NUMAPOOL_LAYOUT_NHWC);
  }
}

static void test_output_size(void) {
  numapool_conv2d_desc_t stem = {.batch = 1, .in_channels = 3, .in_height = 224,
                                 .in_width = 224, .out_channels = 64, .kernel_height = 7,
                                 .kernel_width = 7, .stride_height = 2, .stride_width = 2,
                                 .pad_top = 3, .pad_bottom = 3, .pad_left = 3, .pad_right = 3};
  size_t oh = 0, ow = 0;
  CHECK_EQ(numapool_conv2d_output_size(&stem, &oh, &ow), 0);
  CHECK_UEQ(oh, 112);
  CHECK_UEQ(ow, 112);
  numapool_conv2d_desc_t dilated = {.batch = 1, .in_channels = 1, .in_height = 10,
                                    .in_width = 9, .out_channels = 1, .kernel_height = 3,
                                    .kernel_width = 2, .dilation_height = 3, .dilation_width = 4};
  CHECK_EQ(numapool_conv2d_output_size(&dilated, &oh, &ow), 0);
  CHECK_UEQ(oh, 4);
  CHECK_UEQ(ow, 5);
  checks += 6;
}

static void test_invalid(void) {
  float in[64] = {0}, w[64] = {0}, out[64];
  numapool_conv2d_desc_t base = {.batch = 1, .in_channels = 2, .in_height = 4, .in_width = 4,
                                 .out_channels = 2, .kernel_height = 3, .kernel_width = 3};
  CHECK_EQ(numapool_conv2d(NULL, &base, in, w, NULL, out), 0);

  numapool_conv2d_desc_t d = base;
  d.kernel_height = 5; /* output height 0 */
  CHECK_EQ(numapool_conv2d(NULL, &d, in, w, NULL, out), NUMAPOOL_EINVAL);
  d = base;
  d.groups = 3;
  CHECK_EQ(numapool_conv2d(NULL, &d, in, w, NULL, out), NUMAPOOL_EINVAL);
  d = base;
  d.out_channels = 3;
  d.groups = 2;
  CHECK_EQ(numapool_conv2d(NULL, &d, in, w, NULL, out), NUMAPOOL_EINVAL);
  d = base;
  d.in_channels = 0;
  CHECK_EQ(numapool_conv2d(NULL, &d, in, w, NULL, out), NUMAPOOL_EINVAL);
  d = base;
  d.flags = 1;
  CHECK_EQ(numapool_conv2d(NULL, &d, in, w, NULL, out), NUMAPOOL_EINVAL);
  d = base;
  d.layout = (numapool_conv2d_layout_t)7;
  CHECK_EQ(numapool_conv2d(NULL, &d, in, w, NULL, out), NUMAPOOL_EINVAL);
  d = base;
  d.activation = NUMAPOOL_ACTIVATION_CLAMP;
  d.clamp_min = 1.0f;
  d.clamp_max = 0.0f;
  CHECK_EQ(numapool_conv2d(NULL, &d, in, w, NULL, out), NUMAPOOL_EINVAL);
  d = base;
  d.in_height = SIZE_MAX;
  d.pad_top = 2;
  CHECK_EQ(numapool_conv2d(NULL, &d, in, w, NULL, out), NUMAPOOL_EOVERFLOW);
  d = base;
  d.batch = SIZE_MAX / 4;
  CHECK_EQ(numapool_conv2d(NULL, &d, in, w, NULL, out), NUMAPOOL_EOVERFLOW);
  d = base;
  d.dilation_width = SIZE_MAX / 2 + 1;
  CHECK_EQ(numapool_conv2d(NULL, &d, in, w, NULL, out), NUMAPOOL_EOVERFLOW);
  CHECK_EQ(numapool_conv2d(NULL, NULL, in, w, NULL, out), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_conv2d(NULL, &base, NULL, w, NULL, out), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_conv2d(NULL, &base, in, NULL, NULL, out), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_conv2d(NULL, &base, in, w, NULL, NULL), NUMAPOOL_EINVAL);
  /* The output over the input or the bias. */
  CHECK_EQ(numapool_conv2d(NULL, &base, in, w, NULL, in + 4), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_conv2d(NULL, &base, in, w, out + 2, out), NUMAPOOL_EINVAL);
  /* Batch 0 does nothing and needs no data. */
  d = base;
  d.batch = 0;
  CHECK_EQ(numapool_conv2d(NULL, &d, NULL, NULL, NULL, NULL), 0);
  checks += 18;
}

/* Convolutions of different sizes from two application threads at once,
 * on NULL pools: each must match its own single-threaded result, so calls
 * never share a weight buffer. */
typedef struct concurrent_run {
  numapool_conv2d_desc_t desc;
  float *input, *weights, *output, *expected;
  size_t out_count;
  bool same;
} concurrent_run_t;

static void *concurrent_thread(void *argument) {
  concurrent_run_t *run = argument;
  run->same = true;
  for (int i = 0; i < 20; i++) {
    if (numapool_conv2d(NULL, &run->desc, run->input, run->weights, NULL, run->output) != 0 ||
        memcmp(run->output, run->expected, run->out_count * sizeof(float)) != 0)
      run->same = false;
  }
  return NULL;
}

static void test_concurrent_calls(void) {
  concurrent_run_t runs[2];
  for (int r = 0; r < 2; r++) {
    size_t channels = r == 0 ? 16 : 40;
    runs[r].desc = (numapool_conv2d_desc_t){
        .batch = 1, .in_channels = channels, .in_height = 12, .in_width = 12,
        .out_channels = 3 * channels, .kernel_height = 3, .kernel_width = 3, .pad_top = 1,
        .pad_bottom = 1, .pad_left = 1, .pad_right = 1};
    size_t in_count = channels * 144, w_count = 3 * channels * channels * 9;
    runs[r].out_count = 3 * channels * 144;
    runs[r].input = malloc(in_count * sizeof(float));
    runs[r].weights = malloc(w_count * sizeof(float));
    runs[r].output = malloc(runs[r].out_count * sizeof(float));
    runs[r].expected = malloc(runs[r].out_count * sizeof(float));
    CHECK(runs[r].input != NULL);
    CHECK(runs[r].weights != NULL);
    CHECK(runs[r].output != NULL);
    CHECK(runs[r].expected != NULL);
    for (size_t i = 0; i < in_count; i++)
      runs[r].input[i] = random_float();
    for (size_t i = 0; i < w_count; i++)
      runs[r].weights[i] = random_float();
    CHECK_EQ(numapool_conv2d(NULL, &runs[r].desc, runs[r].input, runs[r].weights, NULL,
                             runs[r].expected),
             0);
  }
  pthread_t threads[2];
  for (int r = 0; r < 2; r++)
    CHECK_EQ(pthread_create(&threads[r], NULL, concurrent_thread, &runs[r]), 0);
  for (int r = 0; r < 2; r++) {
    CHECK_EQ(pthread_join(threads[r], NULL), 0);
    checks++;
    CHECK_MSG(runs[r].same, "concurrent calls give their single-threaded results");
    free(runs[r].input);
    free(runs[r].weights);
    free(runs[r].output);
    free(runs[r].expected);
  }
}

int main(void) {
  numapool_options_t options = {.thread_count = 2};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  test_output_size();
  test_invalid();
  test_shapes(pool);
  test_concurrent_calls();
  numapool_destroy(pool);
  return check_done("kernels_conv", checks);
}
