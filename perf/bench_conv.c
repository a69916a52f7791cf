/* numapool-perf conv: numapool_conv2d on ResNet-50 layers, in GFLOP/s.
 * The operator is looked up at run time, so the driver also runs against
 * a libnumapool built without the operators and then reports that. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/operators.h>

#include "peer_onednn.h"
#include "perf.h"

typedef int (*conv2d_fn)(numapool_t *, const numapool_conv2d_desc_t *, const float *,
                         const float *, const float *, float *);
typedef int (*output_size_fn)(const numapool_conv2d_desc_t *, size_t *, size_t *);

/* Batch 1 layers of ResNet-50: name, in channels, out channels, input
 * size, kernel size, stride. */
typedef struct conv_layer {
  const char *name;
  size_t in_channels, out_channels, size, kernel, stride;
} conv_layer_t;

static const conv_layer_t layers[] = {
    {"res2_3x3", 64, 64, 56, 3, 1},
    {"res3_3x3", 128, 128, 28, 3, 1},
    {"res4_1x1", 256, 1024, 14, 1, 1},
};
#define LAYER_COUNT (sizeof layers / sizeof layers[0])

static numapool_conv2d_desc_t layer_desc(const conv_layer_t *layer) {
  size_t pad = layer->kernel / 2;
  numapool_conv2d_desc_t desc = {
      .layout = NUMAPOOL_LAYOUT_NCHW,
      .batch = 1,
      .in_channels = layer->in_channels,
      .in_height = layer->size,
      .in_width = layer->size,
      .out_channels = layer->out_channels,
      .kernel_height = layer->kernel,
      .kernel_width = layer->kernel,
      .stride_height = layer->stride,
      .stride_width = layer->stride,
      .pad_top = pad,
      .pad_bottom = pad,
      .pad_left = pad,
      .pad_right = pad,
  };
  return desc;
}

static int measure_onednn(void *context, double *samples, size_t count, char *error,
                          size_t error_size) {
  return onednn_conv_measure(context, samples, count, error, error_size);
}

/* Runs the layer on oneDNN in a child process. */
static void add_onednn(const perf_options_t *options, perf_result_t *result,
                       const conv_layer_t *layer, size_t out_size, size_t threads,
                       size_t warmup, size_t count) {
  if (!perf_baseline_wanted(options, "onednn"))
    return;
  perf_peer_result_t *peer = perf_result_peer(result, "onednn");
  double *samples = calloc(count, sizeof *samples);
  onednn_conv_shape_t shape = {
      (int64_t)layer->in_channels, (int64_t)layer->out_channels, (int64_t)layer->size,
      (int64_t)out_size,           (int64_t)layer->kernel,       (int64_t)layer->stride,
      (int64_t)(layer->kernel / 2), threads,                     warmup};
  if (peer != NULL && samples != NULL &&
      perf_run_isolated(measure_onednn, &shape, samples, count, peer->error,
                        sizeof peer->error) == 0)
    perf_peer_set(peer, samples, count);
  free(samples);
}

/* The operands of one layer's numapool_conv2d call. */
typedef struct conv_call {
  conv2d_fn conv2d;
  numapool_conv2d_desc_t desc;
  const float *input, *weights, *bias;
  float *output;
} conv_call_t;

static int call_conv2d(void *context, numapool_t *pool) {
  const conv_call_t *call = context;
  return call->conv2d(pool, &call->desc, call->input, call->weights, call->bias, call->output);
}

static float *filled(size_t count) {
  float *buffer = malloc(count * sizeof *buffer);
  for (size_t i = 0; buffer != NULL && i < count; i++)
    buffer[i] = (float)((i * 7919) % 23) / 23.0f - 0.5f;
  return buffer;
}

/* Times one layer on one thread count. Returns 0 or PERF_EXIT_FAILED. */
static int conv_one(perf_report_t *report, const perf_options_t *options,
                    const conv_layer_t *layer, size_t threads, conv2d_fn conv2d,
                    output_size_fn output_size) {
  numapool_conv2d_desc_t desc = layer_desc(layer);
  size_t out_height, out_width;
  int status = output_size(&desc, &out_height, &out_width);
  if (status != 0)
    return PERF_EXIT_FAILED;
  size_t count = (size_t)(options->repetitions > 0 ? options->repetitions : 7);
  size_t warmup = (size_t)(options->warmup >= 0 ? options->warmup : 2);
  perf_progress("conv %s on %zu threads", layer->name, threads);

  size_t k2 = layer->kernel * layer->kernel;
  float *input = filled(layer->in_channels * layer->size * layer->size);
  float *weights = filled(layer->out_channels * layer->in_channels * k2);
  float *bias = filled(layer->out_channels);
  float *output = malloc(layer->out_channels * out_height * out_width * sizeof *output);
  double *samples = calloc(count, sizeof *samples);
  perf_result_t *result = perf_report_add(report, "conv.resnet50", threads);
  numapool_t *pool = perf_pool_create(options, threads);
  if (input == NULL || weights == NULL || bias == NULL || output == NULL || samples == NULL ||
      result == NULL || pool == NULL)
    status = NUMAPOOL_ENOMEM;

  conv_call_t call = {conv2d, desc, input, weights, bias, output};
  if (status == 0)
    status = perf_time_numapool(options, pool, call_conv2d, &call, warmup, samples, count, result);

  if (status == 0) {
    result->stats = perf_stats_compute(samples, count);
    double flops = 2.0 * (double)(layer->out_channels * out_height * out_width) *
                   (double)(layer->in_channels * k2);
    result->gflops = flops / result->stats.median_s * 1e-9;
    perf_result_param(result, "layer", "%s", layer->name);
    perf_result_param(result, "shape", "N1 C%zu H%zu W%zu K%zu R%zu S%zu stride %zu NCHW",
                      layer->in_channels, layer->size, layer->size, layer->out_channels,
                      layer->kernel, layer->kernel, layer->stride);
    snprintf(result->note, sizeof result->note,
             "oneDNN runs forward inference in its preferred (blocked) layouts; its "
             "reorders are not timed");
    add_onednn(options, result, layer, out_height, threads, warmup, count);
  } else {
    /* A pool that could not be created was reported already. */
    if (pool != NULL)
      fprintf(stderr, "numapool-perf conv: %s failed: %s\n", layer->name,
              numapool_strerror(status));
    perf_report_discard(report, result);
  }
  numapool_destroy(pool);
  free(input), free(weights), free(bias), free(output), free(samples);
  return status == 0 ? 0 : PERF_EXIT_FAILED;
}

static int parse_layers(perf_options_t *options, const char *value) {
  const char *names[LAYER_COUNT];
  for (size_t l = 0; l < LAYER_COUNT; l++)
    names[l] = layers[l].name;
  return perf_parse_names(options, "--layers", value, names, LAYER_COUNT);
}

static const perf_option_t conv_options[] = {
    {"--layers", "LIST",
     "ResNet-50 layers, comma-separated: res2_3x3 (64 to 64 channels, 56x56), res3_3x3 "
     "(128 to 128, 28x28), res4_1x1 (256 to 1024, 14x14); default: all",
     parse_layers},
};

static bool layer_selected(const perf_options_t *options, const char *name) {
  if (options->name_count == 0)
    return true;
  for (size_t i = 0; i < options->name_count; i++)
    if (strcmp(options->names[i], name) == 0)
      return true;
  return false;
}

static int conv_run(perf_report_t *report, perf_options_t *options) {
  conv2d_fn conv2d = (conv2d_fn)perf_find_symbol("numapool_conv2d");
  output_size_fn output_size = (output_size_fn)perf_find_symbol("numapool_conv2d_output_size");
  if (conv2d == NULL || output_size == NULL) {
    fprintf(stderr, "numapool-perf conv: not built: this libnumapool has no "
                    "numapool_conv2d (the operators are missing from the build)\n");
    return PERF_EXIT_USAGE;
  }
  int status = 0;
  for (size_t l = 0; l < LAYER_COUNT; l++)
    for (size_t t = 0; t < options->thread_list_count && layer_selected(options, layers[l].name);
         t++)
      if (conv_one(report, options, &layers[l], options->threads[t], conv2d, output_size) != 0)
        status = PERF_EXIT_FAILED;
  return status;
}

const perf_subcommand_t perf_conv = {
    "conv",
    "Times numapool_conv2d (NCHW, fp32, batch 1) on three ResNet-50 layers, in GFLOP/s,\n"
    "against oneDNN. Default --repetitions 7, --warmup 2.",
    conv_options, sizeof conv_options / sizeof conv_options[0], conv_run};
