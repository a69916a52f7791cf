/* Timing of numapool's convolution and elementwise operators against their
 * usual CPU peers, measured side by side in one run on 1 and 2 threads:
 *   conv:    im2col (serial, per image and group, as Caffe does) followed
 *            by OpenBLAS cblas_sgemm, and oneDNN's convolution with the
 *            layouts it picks itself (format_tag any, reorders untimed);
 *   eltwise: an OpenMP parallel-for loop doing the same operation, on
 *            arrays far larger than the last-level cache.
 * Prints a Markdown table: the best time of several repetitions, the
 * rate (GFLOP/s or GB/s), and numapool's speed as a ratio to each peer.
 * Not a test: it asserts nothing.
 *
 * Usage: bench_ops [conv|eltwise|all] [repetitions]
 * OMP_WAIT_POLICY=passive is recommended, so that OpenMP threads do not
 * spin on the CPUs numapool's workers need after each peer run. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#include <dnnl.h>
#include <omp.h>

#include <numapool/operators.h>

/* OpenBLAS's own calls, declared here because Debian's cblas.h may come
 * from another BLAS. */
void openblas_set_num_threads(int threads);
char *openblas_get_corename(void);

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The best time: on a shared machine, other processes only ever add time,
 * so the minimum is the most repeatable estimate. */
static double best(const double *values, int count) {
  double result = values[0];
  for (int i = 1; i < count; i++)
    result = values[i] < result ? values[i] : result;
  return result;
}

static float *filled(size_t count, float value) {
  float *data = aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64);
  if (data == NULL) {
    fprintf(stderr, "bench_ops: out of memory for %zu floats\n", count);
    exit(1);
  }
  for (size_t i = 0; i < count; i++)
    data[i] = value + (float)(i % 7) * 0.01f;
  return data;
}

#define DNNL_CHECK(call)                                                       \
  do {                                                                         \
    dnnl_status_t dnnl_status_ = (call);                                       \
    if (dnnl_status_ != dnnl_success) {                                        \
      fprintf(stderr, "bench_ops: %s failed with status %d\n", #call, (int)dnnl_status_); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

/* ---- Convolution ---- */

typedef struct conv_layer {
  const char *name;
  size_t channels, size, out_channels, kernel, stride, groups;
} conv_layer_t;

static const conv_layer_t layers[] = {
    {"3x3 56x56x64", 64, 56, 64, 3, 1, 1},
    {"3x3 28x28x128", 128, 28, 128, 3, 1, 1},
    {"1x1 56x56x256->64", 256, 56, 64, 1, 1, 1},
    {"3x3 s2 56x56x128", 128, 56, 128, 3, 2, 1},
    {"dw 3x3 56x56x128", 128, 56, 128, 3, 1, 128},
};

typedef struct conv_setup {
  numapool_conv2d_desc_t desc;
  size_t out_size, in_count, weight_count, out_count, col_rows, col_cols;
  float *input, *weights, *output, *columns;
  /* oneDNN */
  dnnl_primitive_t primitive;
  dnnl_memory_t memory[3];
} conv_setup_t;

/* Serial im2col of one image and group, rows (c, kh, kw), columns pixels. */
static void im2col(const conv_setup_t *s, const float *image, size_t group) {
  const numapool_conv2d_desc_t *d = &s->desc;
  size_t group_in = d->in_channels / s->desc.groups, k = d->kernel_height, o = s->out_size;
  size_t pad = d->pad_top, stride = d->stride_height, size = d->in_height;
  float *col = s->columns;
  for (size_t c = 0; c < group_in; c++) {
    const float *plane = image + (group * group_in + c) * size * size;
    for (size_t kh = 0; kh < k; kh++)
      for (size_t kw = 0; kw < k; kw++)
        for (size_t oh = 0; oh < o; oh++) {
          long ih = (long)(oh * stride + kh) - (long)pad;
          for (size_t ow = 0; ow < o; ow++) {
            long iw = (long)(ow * stride + kw) - (long)pad;
            bool inside = ih >= 0 && iw >= 0 && ih < (long)size && iw < (long)size;
            *col++ = inside ? plane[(size_t)ih * size + (size_t)iw] : 0.0f;
          }
        }
  }
}

static void run_openblas(const conv_setup_t *s) {
  const numapool_conv2d_desc_t *d = &s->desc;
  size_t groups = d->groups, pixels = s->out_size * s->out_size;
  size_t group_in = d->in_channels / groups, group_out = d->out_channels / groups;
  size_t k = group_in * d->kernel_height * d->kernel_width;
  for (size_t n = 0; n < d->batch; n++) {
    const float *image = s->input + n * d->in_channels * d->in_height * d->in_width;
    for (size_t g = 0; g < groups; g++) {
      bool direct = d->kernel_height == 1 && d->stride_height == 1;
      const float *b = image + g * group_in * pixels;
      if (!direct) {
        im2col(s, image, g);
        b = s->columns;
      }
      float *c = s->output + (n * d->out_channels + g * group_out) * pixels;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)group_out, (int)pixels, (int)k,
                  1.0f, s->weights + g * group_out * k, (int)k, b, (int)pixels, 0.0f, c,
                  (int)pixels);
    }
  }
}

static void dnnl_setup(conv_setup_t *s, dnnl_engine_t engine) {
  const numapool_conv2d_desc_t *d = &s->desc;
  dnnl_dims_t src = {(dnnl_dim_t)d->batch, (dnnl_dim_t)d->in_channels, (dnnl_dim_t)d->in_height,
                     (dnnl_dim_t)d->in_width};
  dnnl_dims_t dst = {(dnnl_dim_t)d->batch, (dnnl_dim_t)d->out_channels,
                     (dnnl_dim_t)s->out_size, (dnnl_dim_t)s->out_size};
  dnnl_dims_t weights = {(dnnl_dim_t)d->groups, (dnnl_dim_t)(d->out_channels / d->groups),
                         (dnnl_dim_t)(d->in_channels / d->groups),
                         (dnnl_dim_t)d->kernel_height, (dnnl_dim_t)d->kernel_width};

  /* format_tag_any: oneDNN picks its own (blocked) layouts. */
  dnnl_memory_desc_t src_md, weights_md, dst_md;
  DNNL_CHECK(dnnl_memory_desc_init_by_tag(&src_md, 4, src, dnnl_f32, dnnl_format_tag_any));
  DNNL_CHECK(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst, dnnl_f32, dnnl_format_tag_any));
  DNNL_CHECK(dnnl_memory_desc_init_by_tag(&weights_md, 5, weights, dnnl_f32,
                                          dnnl_format_tag_any));

  dnnl_dims_t strides = {(dnnl_dim_t)d->stride_height, (dnnl_dim_t)d->stride_width};
  dnnl_dims_t dilates = {0, 0};
  dnnl_dims_t pad_l = {(dnnl_dim_t)d->pad_top, (dnnl_dim_t)d->pad_left};
  dnnl_dims_t pad_r = {(dnnl_dim_t)d->pad_bottom, (dnnl_dim_t)d->pad_right};
  dnnl_convolution_desc_t conv;
  DNNL_CHECK(dnnl_dilated_convolution_forward_desc_init(
      &conv, dnnl_forward_inference, dnnl_convolution_direct, &src_md, &weights_md, NULL,
      &dst_md, strides, dilates, pad_l, pad_r));

  dnnl_primitive_desc_t pd;
  DNNL_CHECK(dnnl_primitive_desc_create(&pd, &conv, NULL, engine, NULL));

  /* Memory in the chosen layouts, filled with small values (contents do
   * not change the timing, but NaN or denormals could). */
  const dnnl_query_t queries[3] = {dnnl_query_src_md, dnnl_query_weights_md, dnnl_query_dst_md};
  for (int i = 0; i < 3; i++) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, queries[i], 0);
    DNNL_CHECK(dnnl_memory_create(&s->memory[i], md, engine, DNNL_MEMORY_ALLOCATE));
    void *handle;
    DNNL_CHECK(dnnl_memory_get_data_handle(s->memory[i], &handle));
    size_t bytes = dnnl_memory_desc_get_size(md);
    for (size_t b = 0; b < bytes / sizeof(float); b++)
      ((float *)handle)[b] = 0.01f * (float)(b % 5);
  }
  DNNL_CHECK(dnnl_primitive_create(&s->primitive, pd));
  DNNL_CHECK(dnnl_primitive_desc_destroy(pd));
}

static void run_dnnl(const conv_setup_t *s, dnnl_stream_t stream) {
  dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, s->memory[0]},
                             {DNNL_ARG_WEIGHTS, s->memory[1]},
                             {DNNL_ARG_DST, s->memory[2]}};
  DNNL_CHECK(dnnl_primitive_execute(s->primitive, stream, 3, args));
  DNNL_CHECK(dnnl_stream_wait(stream));
}

static conv_setup_t conv_setup(const conv_layer_t *layer, size_t batch) {
  size_t pad = layer->kernel / 2;
  conv_setup_t s = {.desc = {.layout = NUMAPOOL_LAYOUT_NCHW, .batch = batch,
                             .in_channels = layer->channels, .in_height = layer->size,
                             .in_width = layer->size, .out_channels = layer->out_channels,
                             .kernel_height = layer->kernel, .kernel_width = layer->kernel,
                             .stride_height = layer->stride, .stride_width = layer->stride,
                             .pad_top = pad, .pad_bottom = pad, .pad_left = pad,
                             .pad_right = pad, .groups = layer->groups}};
  size_t oh, ow;
  if (numapool_conv2d_output_size(&s.desc, &oh, &ow) != 0)
    exit(1);
  s.out_size = oh;
  s.in_count = batch * layer->channels * layer->size * layer->size;
  s.weight_count = layer->out_channels * (layer->channels / layer->groups) * layer->kernel *
                   layer->kernel;
  s.out_count = batch * layer->out_channels * oh * ow;
  s.col_rows = (layer->channels / layer->groups) * layer->kernel * layer->kernel;
  s.input = filled(s.in_count, 0.5f);
  s.weights = filled(s.weight_count, -0.25f);
  s.output = filled(s.out_count, 0.0f);
  s.columns = filled(s.col_rows * oh * ow, 0.0f);
  return s;
}

static void conv_free(conv_setup_t *s) {
  free(s->input);
  free(s->weights);
  free(s->output);
  free(s->columns);
  for (int i = 0; i < 3; i++)
    dnnl_memory_destroy(s->memory[i]);
  dnnl_primitive_destroy(s->primitive);
}

static void bench_conv(numapool_t *pool, int repetitions) {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  DNNL_CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
  DNNL_CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
  printf("\n| conv (NCHW, fp32) | batch | threads | numapool ms | GFLOP/s | im2col+OpenBLAS ms "
         "| oneDNN ms | vs OpenBLAS | vs oneDNN |\n");
  printf("|---|---|---|---|---|---|---|---|---|\n");
  const size_t batches[2] = {1, 8};
  for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++) {
    for (int b = 0; b < 2; b++) {
      for (int threads = 1; threads <= 2; threads++) {
        numapool_set_thread_count(pool, (size_t)threads);
        openblas_set_num_threads(threads);
        omp_set_num_threads(threads);
        conv_setup_t s = conv_setup(&layers[l], batches[b]);
        dnnl_setup(&s, engine);
        double flops = 2.0 * (double)s.out_count * (double)s.col_rows;
        double times[3][32] = {{0}};
        for (int r = -1; r < repetitions; r++) {
          double t0 = now();
          if (numapool_conv2d(pool, &s.desc, s.input, s.weights, NULL, s.output) != 0)
            exit(1);
          double t1 = now();
          run_openblas(&s);
          double t2 = now();
          run_dnnl(&s, stream);
          double t3 = now();
          if (r >= 0) {
            times[0][r] = t1 - t0;
            times[1][r] = t2 - t1;
            times[2][r] = t3 - t2;
          }
        }
        double ours = best(times[0], repetitions), blas = best(times[1], repetitions);
        double dnnl = best(times[2], repetitions);
        printf("| %s | %zu | %d | %.3f | %.1f | %.3f | %.3f | %.2fx | %.2fx |\n",
               layers[l].name, batches[b], threads, ours * 1e3, flops / ours * 1e-9,
               blas * 1e3, dnnl * 1e3, blas / ours, dnnl / ours);
        fflush(stdout);
        conv_free(&s);
      }
    }
  }
  dnnl_stream_destroy(stream);
  dnnl_engine_destroy(engine);
}

/* ---- Elementwise ---- */

typedef enum eltwise_case { COPY, SCALE, RELU, ADD, AXPY, SIGMOID, SUM, CASES } eltwise_case_t;
static const char *const case_names[CASES] = {"copy",    "scale", "relu", "add",
                                              "axpy",    "sigmoid", "sum"};
/* Bytes moved per element: reads plus writes, write-allocate not counted. */
static const double case_bytes[CASES] = {8, 8, 8, 12, 12, 8, 4};

static float sink;

static void run_numapool(numapool_t *pool, eltwise_case_t c, size_t n, const float *x,
                         const float *z, float *y) {
  numapool_tensor_t desc;
  numapool_tensor_init(&desc, 1, &n);
  numapool_tensor_t scalar;
  numapool_tensor_init(&scalar, 0, NULL);
  int status = 0;
  switch (c) {
  case COPY: status = numapool_unary(pool, NUMAPOOL_UNARY_COPY, 0, 0, n, x, y); break;
  case SCALE: status = numapool_unary(pool, NUMAPOOL_UNARY_SCALE, 1.5f, 0, n, x, y); break;
  case RELU: status = numapool_unary(pool, NUMAPOOL_UNARY_RELU, 0, 0, n, x, y); break;
  case ADD: status = numapool_binary(pool, NUMAPOOL_BINARY_ADD, &desc, x, &desc, z, &desc, y); break;
  case AXPY: status = numapool_axpy(pool, n, 0.5f, x, 1, y, 1); break;
  case SIGMOID: status = numapool_unary(pool, NUMAPOOL_UNARY_SIGMOID, 0, 0, n, x, y); break;
  case SUM:
    status = numapool_reduce(pool, NUMAPOOL_REDUCE_SUM, &desc, x, NUMAPOOL_REDUCE_ALL, &scalar,
                             &sink);
    break;
  case CASES: break;
  }
  if (status != 0)
    exit(1);
}

static void run_openmp(eltwise_case_t c, size_t n, const float *x, const float *z, float *y) {
  long count = (long)n;
  switch (c) {
  case COPY:
#pragma omp parallel for schedule(static)
    for (long i = 0; i < count; i++)
      y[i] = x[i];
    break;
  case SCALE:
#pragma omp parallel for schedule(static)
    for (long i = 0; i < count; i++)
      y[i] = 1.5f * x[i];
    break;
  case RELU:
#pragma omp parallel for schedule(static)
    for (long i = 0; i < count; i++)
      y[i] = x[i] > 0.0f ? x[i] : 0.0f;
    break;
  case ADD:
#pragma omp parallel for schedule(static)
    for (long i = 0; i < count; i++)
      y[i] = x[i] + z[i];
    break;
  case AXPY:
#pragma omp parallel for schedule(static)
    for (long i = 0; i < count; i++)
      y[i] = 0.5f * x[i] + y[i];
    break;
  case SIGMOID:
#pragma omp parallel for schedule(static)
    for (long i = 0; i < count; i++)
      y[i] = 1.0f / (1.0f + expf(-x[i]));
    break;
  case SUM: {
    float total = 0.0f;
#pragma omp parallel for schedule(static) reduction(+ : total)
    for (long i = 0; i < count; i++)
      total += x[i];
    sink = total;
    break;
  }
  case CASES: break;
  }
}

static void bench_eltwise(numapool_t *pool, int repetitions) {
  size_t n = (size_t)32 << 20; /* 32 Mi floats: 128 MiB per array */
  float *x = filled(n, -0.5f), *z = filled(n, 0.25f), *y = filled(n, 0.0f);
  printf("\n| eltwise, %zu MiB per array | threads | numapool GB/s | OpenMP loop GB/s | ratio |\n",
         n * sizeof(float) >> 20);
  printf("|---|---|---|---|---|\n");
  for (int c = 0; c < CASES; c++) {
    for (int threads = 1; threads <= 2; threads++) {
      numapool_set_thread_count(pool, (size_t)threads);
      omp_set_num_threads(threads);
      double times[2][32] = {{0}};
      for (int r = -1; r < repetitions; r++) {
        double t0 = now();
        run_numapool(pool, (eltwise_case_t)c, n, x, z, y);
        double t1 = now();
        run_openmp((eltwise_case_t)c, n, x, z, y);
        double t2 = now();
        if (r >= 0) {
          times[0][r] = t1 - t0;
          times[1][r] = t2 - t1;
        }
      }
      double bytes = case_bytes[c] * (double)n;
      double ours = best(times[0], repetitions), omp = best(times[1], repetitions);
      printf("| %s | %d | %.1f | %.1f | %.2fx |\n", case_names[c], threads, bytes / ours * 1e-9,
             bytes / omp * 1e-9, omp / ours);
      fflush(stdout);
    }
  }
  free(x);
  free(y);
  free(z);
}

int main(int argc, char **argv) {
  const char *which = argc > 1 ? argv[1] : "all";
  int repetitions = argc > 2 ? atoi(argv[2]) : 7;
  if (repetitions < 1 || repetitions > 32) {
    fprintf(stderr, "bench_ops: invalid repetitions %s: expected 1 to 32\n", argv[2]);
    return 2;
  }
  numapool_options_t options = {.thread_count = 2};
  numapool_t *pool = numapool_create(&options);
  if (pool == NULL) {
    perror("bench_ops: numapool_create");
    return 1;
  }
  printf("OpenBLAS core: %s; oneDNN %d.%d; best of %d repetitions after a warm-up run\n",
         openblas_get_corename(), DNNL_VERSION_MAJOR, DNNL_VERSION_MINOR, repetitions);
  if (strcmp(which, "conv") == 0 || strcmp(which, "all") == 0)
    bench_conv(pool, repetitions);
  if (strcmp(which, "eltwise") == 0 || strcmp(which, "all") == 0)
    bench_eltwise(pool, repetitions);
  numapool_destroy(pool);
  return 0;
}
