/* A real pthreadpool client: runs an fp32 fully-connected and an fp32
 * convolution operator of Debian's XNNPACK on a pool of 2 threads, checks
 * them against a plain serial reference, and prints the library it loaded
 * and a checksum of the exact output bits. compare_runs.cmake runs it
 * against Debian's libpthreadpool and numapool's build and requires the
 * same bits from both. */
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthreadpool.h>
#include <xnnpack.h>

/* Fully connected: batch x input channels times input x output channels. */
enum { FC_BATCH = 67, FC_INPUT = 129, FC_OUTPUT = 95 };
/* Convolution: NHWC, 3x3 kernel, padding 1, stride 1. */
enum { CONV_H = 23, CONV_W = 19, CONV_IN = 13, CONV_OUT = 21, CONV_K = 3 };

static uint32_t random_state = 12345u;

/* Deterministic values in [-1, 1). */
static float next_value(void) {
  random_state = random_state * 1664525u + 1013904223u;
  return (float)(random_state >> 8) / (float)(1u << 23) - 1.0f;
}

static void fill(float *values, size_t count) {
  for (size_t i = 0; i < count; i++)
    values[i] = next_value();
}

static uint64_t bits_checksum(const float *values, size_t count) {
  uint64_t sum = 1469598103934665603ull;
  for (size_t i = 0; i < count; i++) {
    uint32_t bits;
    memcpy(&bits, &values[i], sizeof(bits));
    sum = (sum ^ bits) * 1099511628211ull;
  }
  return sum;
}

static double max_difference(const float *a, const float *b, size_t count) {
  double worst = 0;
  for (size_t i = 0; i < count; i++) {
    double difference = fabs((double)a[i] - (double)b[i]);
    worst = difference > worst ? difference : worst;
  }
  return worst;
}

/* Returns 0 when the operator's output matches the reference. */
static int run_fully_connected(pthreadpool_t pool) {
  static float input[FC_BATCH * FC_INPUT], kernel[FC_OUTPUT * FC_INPUT], bias[FC_OUTPUT];
  static float output[FC_BATCH * FC_OUTPUT], reference[FC_BATCH * FC_OUTPUT];
  fill(input, FC_BATCH * FC_INPUT);
  fill(kernel, FC_OUTPUT * FC_INPUT);
  fill(bias, FC_OUTPUT);

  xnn_operator_t op = NULL;
  if (xnn_create_fully_connected_nc_f32(FC_INPUT, FC_OUTPUT, FC_INPUT, FC_OUTPUT, kernel, bias,
                                        -INFINITY, INFINITY, 0, &op) != xnn_status_success ||
      xnn_setup_fully_connected_nc_f32(op, FC_BATCH, input, output, pool) != xnn_status_success ||
      xnn_run_operator(op, pool) != xnn_status_success) {
    fprintf(stderr, "XNNPACK fully-connected operator failed\n");
    return 1;
  }
  xnn_delete_operator(op);

  /* kernel is output channels x input channels. */
  for (size_t b = 0; b < FC_BATCH; b++)
    for (size_t o = 0; o < FC_OUTPUT; o++) {
      double sum = bias[o];
      for (size_t i = 0; i < FC_INPUT; i++)
        sum += (double)input[b * FC_INPUT + i] * kernel[o * FC_INPUT + i];
      reference[b * FC_OUTPUT + o] = (float)sum;
    }
  double error = max_difference(output, reference, FC_BATCH * FC_OUTPUT);
  printf("fully_connected checksum: %016llx\n",
         (unsigned long long)bits_checksum(output, FC_BATCH * FC_OUTPUT));
  if (error > 1e-3) {
    fprintf(stderr, "fully-connected output differs from the reference by %g\n", error);
    return 1;
  }
  return 0;
}

static int run_convolution(pthreadpool_t pool) {
  enum { INPUT = CONV_H * CONV_W * CONV_IN, OUTPUT = CONV_H * CONV_W * CONV_OUT };
  static float input[INPUT], kernel[CONV_OUT * CONV_K * CONV_K * CONV_IN], bias[CONV_OUT];
  static float output[OUTPUT], reference[OUTPUT];
  fill(input, INPUT);
  fill(kernel, CONV_OUT * CONV_K * CONV_K * CONV_IN);
  fill(bias, CONV_OUT);

  xnn_operator_t op = NULL;
  if (xnn_create_convolution2d_nhwc_f32(1, 1, 1, 1, CONV_K, CONV_K, 1, 1, 1, 1, 1, CONV_IN,
                                        CONV_OUT, CONV_IN, CONV_OUT, kernel, bias, -INFINITY,
                                        INFINITY, 0, &op) != xnn_status_success ||
      xnn_setup_convolution2d_nhwc_f32(op, 1, CONV_H, CONV_W, input, output, pool) !=
          xnn_status_success ||
      xnn_run_operator(op, pool) != xnn_status_success) {
    fprintf(stderr, "XNNPACK convolution operator failed\n");
    return 1;
  }
  xnn_delete_operator(op);

  /* kernel is [output channel][ky][kx][input channel]. */
  for (int y = 0; y < CONV_H; y++)
    for (int x = 0; x < CONV_W; x++)
      for (int o = 0; o < CONV_OUT; o++) {
        double sum = bias[o];
        for (int ky = 0; ky < CONV_K; ky++)
          for (int kx = 0; kx < CONV_K; kx++) {
            int iy = y + ky - 1, ix = x + kx - 1;
            if (iy < 0 || iy >= CONV_H || ix < 0 || ix >= CONV_W)
              continue;
            for (int i = 0; i < CONV_IN; i++)
              sum += (double)input[(iy * CONV_W + ix) * CONV_IN + i] *
                     kernel[((o * CONV_K + ky) * CONV_K + kx) * CONV_IN + i];
          }
        reference[(y * CONV_W + x) * CONV_OUT + o] = (float)sum;
      }
  double error = max_difference(output, reference, OUTPUT);
  printf("convolution checksum: %016llx\n", (unsigned long long)bits_checksum(output, OUTPUT));
  if (error > 1e-3) {
    fprintf(stderr, "convolution output differs from the reference by %g\n", error);
    return 1;
  }
  return 0;
}

int main(void) {
  if (xnn_initialize(NULL) != xnn_status_success) {
    fprintf(stderr, "xnn_initialize failed\n");
    return 1;
  }
  pthreadpool_t pool = pthreadpool_create(2);
  if (pool == NULL) {
    fprintf(stderr, "pthreadpool_create(2) failed\n");
    return 1;
  }

  /* XNNPACK resolves its pthreadpool calls to the same loaded library. */
  Dl_info info;
  void *symbol = dlsym(RTLD_DEFAULT, "pthreadpool_parallelize_2d_tile_2d");
  if (symbol == NULL || dladdr(symbol, &info) == 0 || info.dli_fname == NULL) {
    fprintf(stderr, "cannot locate pthreadpool_parallelize_2d_tile_2d\n");
    return 1;
  }
  printf("library: %s\n", info.dli_fname);
  printf("threads: %zu\n", pthreadpool_get_threads_count(pool));

  int failures = run_fully_connected(pool) + run_convolution(pool);
  pthreadpool_destroy(pool);
  xnn_deinitialize();
  return failures == 0 ? 0 : 1;
}
