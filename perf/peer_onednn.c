/* oneDNN running a convolution layer: forward inference, fp32, with the
 * memory layouts oneDNN prefers (format tag "any", usually blocked), as
 * frameworks that keep tensors in oneDNN's layouts run it. Reorders into
 * those layouts are not timed. Debian's oneDNN uses the OpenMP runtime, so
 * the thread count is set with omp_set_num_threads(). */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

#include "perf.h"
#include "peer_onednn.h"

typedef struct onednn_conv {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  dnnl_primitive_desc_t descriptor;
  dnnl_primitive_t primitive;
  dnnl_memory_t memory[4]; /* source, weights, bias, destination */
} onednn_conv_t;

/* Writes the failed call and oneDNN's reason to error. Returns -1. */
static int failed(dnnl_status_t status, const char *call, char *error, size_t error_size) {
  snprintf(error, error_size, "%s failed: %s", call, dnnl_status2str(status));
  return -1;
}

#define TRY(call)                                                                          \
  do {                                                                                     \
    dnnl_status_t try_status_ = (call);                                                    \
    if (try_status_ != dnnl_success)                                                       \
      return failed(try_status_, #call, error, error_size);                                \
  } while (0)

/* Creates the primitive and its memory, filled with small values. */
static int create(onednn_conv_t *conv, const onednn_conv_shape_t *shape, char *error,
                  size_t error_size) {
  dnnl_dims_t src = {1, shape->in_channels, shape->in_size, shape->in_size};
  dnnl_dims_t weights = {shape->out_channels, shape->in_channels, shape->kernel, shape->kernel};
  dnnl_dims_t bias = {shape->out_channels};
  dnnl_dims_t dst = {1, shape->out_channels, shape->out_size, shape->out_size};
  dnnl_dims_t strides = {shape->stride, shape->stride};
  dnnl_dims_t padding = {shape->pad, shape->pad};
  dnnl_memory_desc_t src_md, weights_md, bias_md, dst_md;
  TRY(dnnl_memory_desc_init_by_tag(&src_md, 4, src, dnnl_f32, dnnl_format_tag_any));
  TRY(dnnl_memory_desc_init_by_tag(&weights_md, 4, weights, dnnl_f32, dnnl_format_tag_any));
  TRY(dnnl_memory_desc_init_by_tag(&bias_md, 1, bias, dnnl_f32, dnnl_x));
  TRY(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst, dnnl_f32, dnnl_format_tag_any));

  dnnl_convolution_desc_t op;
  TRY(dnnl_convolution_forward_desc_init(&op, dnnl_forward_inference, dnnl_convolution_direct,
                                         &src_md, &weights_md, &bias_md, &dst_md, strides,
                                         padding, padding));
  TRY(dnnl_engine_create(&conv->engine, dnnl_cpu, 0));
  TRY(dnnl_stream_create(&conv->stream, conv->engine, dnnl_stream_default_flags));
  TRY(dnnl_primitive_desc_create(&conv->descriptor, &op, NULL, conv->engine, NULL));
  TRY(dnnl_primitive_create(&conv->primitive, conv->descriptor));

  static const dnnl_query_t queries[4] = {dnnl_query_src_md, dnnl_query_weights_md,
                                          dnnl_query_weights_md, dnnl_query_dst_md};
  for (int i = 0; i < 4; i++) {
    const dnnl_memory_desc_t *md = i == 2 ? &bias_md
                                          : dnnl_primitive_desc_query_md(conv->descriptor,
                                                                         queries[i], 0);
    TRY(dnnl_memory_create(&conv->memory[i], md, conv->engine, DNNL_MEMORY_ALLOCATE));
    void *data;
    TRY(dnnl_memory_get_data_handle(conv->memory[i], &data));
    float *values = data;
    for (size_t j = 0; j < dnnl_memory_desc_get_size(md) / sizeof(float); j++)
      values[j] = (float)((j * 7919) % 23) / 23.0f - 0.5f;
  }
  return 0;
}

static int execute(const onednn_conv_t *conv, char *error, size_t error_size) {
  dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, conv->memory[0]},
                             {DNNL_ARG_WEIGHTS, conv->memory[1]},
                             {DNNL_ARG_BIAS, conv->memory[2]},
                             {DNNL_ARG_DST, conv->memory[3]}};
  TRY(dnnl_primitive_execute(conv->primitive, conv->stream, 4, args));
  TRY(dnnl_stream_wait(conv->stream));
  return 0;
}

int onednn_conv_measure(const onednn_conv_shape_t *shape, double *samples, size_t count,
                        char *error, size_t error_size) {
  omp_set_num_threads((int)shape->threads);
  onednn_conv_t conv;
  memset(&conv, 0, sizeof conv);
  /* The child process exits after this, which frees the objects. */
  if (create(&conv, shape, error, error_size) != 0)
    return -1;
  for (size_t r = 0; r < shape->warmup + count; r++) {
    double start = perf_now();
    if (execute(&conv, error, error_size) != 0)
      return -1;
    if (r >= shape->warmup)
      samples[r - shape->warmup] = perf_now() - start;
  }
  return 0;
}
