/*
 * The GEMM path of numapool_conv2d. For each image and group, the output is
 * a product of the weights (group_out x reduction) and the im2col matrix
 * (reduction x pixels), computed tile by tile with the GEMM microkernels:
 *   - the weights are packed once per call into microkernel panels;
 *   - each task packs the im2col panels of its own pixel tile straight from
 *     the input into its per-thread scratch buffer, so no im2col matrix of
 *     the whole image is ever built;
 *   - each microkernel call computes one tile over the whole reduction, and
 *     the bias and activation are applied while the tile is in cache.
 * NCHW puts pixels on the microkernel's rows (mr, contiguous in the output)
 * and output channels on its columns; NHWC does the reverse, because there
 * the channels are contiguous. A 1x1 convolution with unit stride and no
 * padding takes the same route, but its panels are copied without any
 * spatial index arithmetic.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "common/log.h"
#include "kernels/conv_internal.h"
#include "kernels/gemm_ukernels.h"

/* Floats of packed im2col panels per task: 256 KiB, which leaves room in
 * a 1 MiB L2 for a weight panel and the output tile. */
#define PANEL_BUDGET 65536

static const numapool__sgemm_ukernel_info_t *ukernel;
static pthread_once_t ukernel_once = PTHREAD_ONCE_INIT;

/* NOTE: this repeats the microkernel choice of the GEMM driver, including
 * its NUMAPOOL_GEMM_KERNEL override, because the driver keeps its choice
 * private to gemm.c. */
static void ukernel_choose(void) {
  bool avx512 = false, avx2 = false;
#if defined(__x86_64__)
  __builtin_cpu_init();
  avx512 = __builtin_cpu_supports("avx512f");
  avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  const char *request = getenv("NUMAPOOL_GEMM_KERNEL");
  if (request != NULL && strcmp(request, "portable") == 0)
    avx512 = avx2 = false;
  else if (request != NULL && strcmp(request, "avx2") == 0 && avx2)
    avx512 = false;
  ukernel = avx512 ? &numapool__sgemm_ukernel_avx512
            : avx2 ? &numapool__sgemm_ukernel_avx2
                   : &numapool__sgemm_ukernel_portable;
  NUMAPOOL_LOG_INFO("conv2d microkernel: %s", ukernel->name);
}

typedef struct conv_call {
  numapool_t *pool;
  const numapool__conv2d_shape_t *shape;
  const numapool__sgemm_ukernel_info_t *ukernel;
  bool nchw;
  bool masked_copy; /* the CPU has AVX-512F, so copy_run_masked may run */
  bool pointwise;   /* 1x1, unit stride, no padding: pixels map one to one */
  size_t mr, nr;
  size_t pixel_width;   /* pixels per panel: mr for NCHW, nr for NHWC */
  size_t channel_width; /* output channels per weight panel: nr for NCHW, mr for NHWC */
  size_t channel_panels; /* weight panels per group */
  size_t pixels;        /* out_height * out_width */
  const float *input;
  const float *bias;
  float *output;
  float *packed_weights; /* written by the packing call, read by every task after it */
  atomic_int status;     /* NUMAPOOL_ENOMEM when a task found no scratch (relaxed) */
} conv_call_t;

/* ---- Weights ---- */

typedef struct weight_pack {
  const conv_call_t *call;
  const float *weights;
} weight_pack_t;

/* Panel q of group g: pack[p * width + j] = W[channel j of the panel][p],
 * zero past the group's last channel. Weights are [out_channels][reduction]
 * in both layouts; only the order of p differs. */
static void pack_weight_panels(void *context, size_t thread_index, size_t first, size_t count) {
  (void)thread_index;
  const weight_pack_t *pack = context;
  const conv_call_t *call = pack->call;
  const numapool__conv2d_shape_t *s = call->shape;
  size_t width = call->channel_width, k = s->reduction;
  for (size_t panel = first; panel < first + count; panel++) {
    size_t g = panel / call->channel_panels, q = panel % call->channel_panels;
    float *dst = call->packed_weights + panel * width * k;
    for (size_t j = 0; j < width; j++) {
      size_t channel = q * width + j;
      if (channel >= s->group_out) {
        for (size_t p = 0; p < k; p++)
          dst[p * width + j] = 0.0f;
        continue;
      }
      const float *src = pack->weights + (g * s->group_out + channel) * k;
      for (size_t p = 0; p < k; p++)
        dst[p * width + j] = src[p];
    }
  }
}

/* ---- Pixel panels ---- */

/* Pixels of one output row inside one panel. */
typedef struct pixel_run {
  size_t offset; /* of the first pixel in the packed tile: panel * mr * k + index in panel */
  size_t length;
  size_t oh, ow; /* output position of the first pixel */
} pixel_run_t;

/* Splits count pixels from pixel on into runs that end at each output row
 * and at each panel of width pixels. Returns the number of runs, at most
 * count. */
static size_t split_runs(const conv_call_t *call, size_t pixel, size_t count, size_t width,
                         pixel_run_t runs[]) {
  size_t out_width = call->shape->out_width, k = call->shape->reduction, n = 0;
  for (size_t i = 0; i < count;) {
    size_t oh = (pixel + i) / out_width, ow = (pixel + i) % out_width;
    size_t in_panel = i % width;
    size_t length = out_width - ow;
    if (length > count - i)
      length = count - i;
    if (length > width - in_panel)
      length = width - in_panel;
    runs[n++] = (pixel_run_t){.offset = i / width * width * k + in_panel, .length = length,
                              .oh = oh, .ow = ow};
    i += length;
  }
  return n;
}

/* The valid range [*first, *last) of t for which base + t * stride lies in
 * [0, limit), clamped to [0, length). */
static void valid_range(ptrdiff_t base, size_t stride, size_t limit, size_t length,
                        size_t *first, size_t *last) {
  ptrdiff_t s = (ptrdiff_t)stride, lim = (ptrdiff_t)limit;
  ptrdiff_t lo, hi;
  if (s == 1) {
    /* The common case, without the divisions. */
    lo = base >= 0 ? 0 : -base;
    hi = lim - base;
  } else {
    lo = base >= 0 ? 0 : (-base + s - 1) / s;
    hi = base >= lim ? 0 : (lim - 1 - base) / s + 1;
  }
  if (hi < 0)
    hi = 0;
  if (hi > (ptrdiff_t)length)
    hi = (ptrdiff_t)length;
  if (lo > hi)
    lo = hi;
  *first = (size_t)lo;
  *last = (size_t)hi;
}

/* out[t] = line[base + t * stride] for t in [first, last), 0 elsewhere
 * below length. Plain loops: runs are at most mr floats, too short for a
 * call to memcpy to pay off. */
static void copy_run(float *out, const float *line, ptrdiff_t base, size_t stride, size_t first,
                     size_t last, size_t length) {
  for (size_t t = 0; t < first; t++)
    out[t] = 0.0f;
  for (size_t t = first; t < last; t++)
    out[t] = line[base + (ptrdiff_t)(t * stride)];
  for (size_t t = last; t < length; t++)
    out[t] = 0.0f;
}

#if defined(__x86_64__)
/* copy_run for stride 1 with AVX-512 masked loads and stores, 16 floats at
 * a time without branches. Masked-off lanes are neither read nor written,
 * so source may point before the row as long as those lanes are masked. */
__attribute__((target("avx512f"))) static void copy_run_masked(float *out, const float *source,
                                                               size_t first, size_t last,
                                                               size_t length) {
  for (size_t t = 0; t < length; t += 16) {
    size_t lanes = length - t < 16 ? length - t : 16;
    size_t lo = first > t ? first - t : 0, hi = last > t ? last - t : 0;
    lo = lo < 16 ? lo : 16;
    hi = hi < 16 ? hi : 16;
    __mmask16 load = hi > lo ? (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1)) : 0;
    __m512 value = _mm512_maskz_loadu_ps(load, source + t);
    _mm512_mask_storeu_ps(out + t, (__mmask16)((1u << lanes) - 1), value);
  }
}
#else
static void copy_run_masked(float *out, const float *source, size_t first, size_t last,
                            size_t length) {
  copy_run(out, source, 0, 1, first, last, length);
}
#endif

/* The NCHW tile of a 1x1 convolution with unit stride and no padding,
 * where output pixel i reads input pixel i: each panel row is a straight
 * copy of mr floats of one input plane, zero past count. */
static void pack_pointwise_tile(const conv_call_t *call, const float *source, size_t count,
                                float *dst) {
  const numapool__conv2d_shape_t *s = call->shape;
  size_t mr = call->mr, k = s->reduction, plane = s->in_height * s->in_width;
  for (size_t c = 0; c < k; c++) {
    const float *line = source + c * plane;
    for (size_t first = 0; first < count; first += mr) {
      size_t length = count - first < mr ? count - first : mr;
      float *out = dst + first * k + c * mr;
      if (call->masked_copy)
        copy_run_masked(out, line + first, 0, length, mr);
      else
        copy_run(out, line + first, 0, 1, 0, length, mr);
    }
  }
}

/* NCHW tile: panel t gets dst[t * mr * k + p * mr + i] = im2col[p][pixel +
 * t * mr + i], p = (c, kh, kw). Channels are the outer loop, so the input
 * is read plane by plane, in long contiguous stretches that the hardware
 * prefetchers follow. Pixels past count are zero. */
static inline __attribute__((always_inline)) void
pack_nchw_tile_body(const conv_call_t *call, size_t image, size_t group, size_t pixel,
                    size_t count, pixel_run_t runs[], float *dst, bool masked) {
  const numapool__conv2d_shape_t *s = call->shape;
  size_t mr = call->mr, k = s->reduction;
  const float *channel0 =
      call->input + (image * s->in_channels + group * s->group_in) * s->in_height * s->in_width;
  if (call->pointwise) {
    pack_pointwise_tile(call, channel0 + pixel, count, dst);
    return;
  }
  size_t run_count = split_runs(call, pixel, count, mr, runs);

  for (size_t c = 0, p = 0; c < s->group_in; c++) {
    const float *plane = channel0 + c * s->in_height * s->in_width;
    for (size_t kh = 0; kh < s->kernel_height; kh++) {
      for (size_t kw = 0; kw < s->kernel_width; kw++, p++) {
        for (size_t r = 0; r < run_count; r++) {
          const pixel_run_t *run = &runs[r];
          float *out = dst + run->offset + p * mr;
          ptrdiff_t ih = (ptrdiff_t)(run->oh * s->stride_height + kh * s->dilation_height) -
                         (ptrdiff_t)s->pad_top;
          if (ih < 0 || ih >= (ptrdiff_t)s->in_height) {
            memset(out, 0, run->length * sizeof(float));
            continue;
          }
          const float *line = plane + (size_t)ih * s->in_width;
          ptrdiff_t base = (ptrdiff_t)(run->ow * s->stride_width + kw * s->dilation_width) -
                           (ptrdiff_t)s->pad_left;
          size_t first, last;
          valid_range(base, s->stride_width, s->in_width, run->length, &first, &last);
          if (masked && s->stride_width == 1)
            copy_run_masked(out, line + base, first, last, run->length);
          else
            copy_run(out, line, base, s->stride_width, first, last, run->length);
        }
      }
    }
  }

  /* The tail of the last panel. */
  size_t filled = count % mr;
  if (filled != 0) {
    float *last_panel = dst + count / mr * mr * k;
    for (size_t p = 0; p < k; p++)
      memset(last_panel + p * mr + filled, 0, (mr - filled) * sizeof(float));
  }
}

#if defined(__x86_64__)
/* The tile packing compiled for AVX-512F, so that the masked copies are
 * inlined into the loops. */
__attribute__((target("avx512f"))) static void
pack_nchw_tile_avx512(const conv_call_t *call, size_t image, size_t group, size_t pixel,
                      size_t count, pixel_run_t runs[], float *dst) {
  pack_nchw_tile_body(call, image, group, pixel, count, runs, dst, true);
}
#endif

static void pack_nchw_tile(const conv_call_t *call, size_t image, size_t group, size_t pixel,
                           size_t count, pixel_run_t runs[], float *dst) {
#if defined(__x86_64__)
  if (call->masked_copy) {
    pack_nchw_tile_avx512(call, image, group, pixel, count, runs, dst);
    return;
  }
#endif
  pack_nchw_tile_body(call, image, group, pixel, count, runs, dst, false);
}

/* NHWC panel: dst[p * nr + j] = im2col[p][pixel + j], p = (kh, kw, c). */
static void pack_nhwc_panel(const conv_call_t *call, size_t image, size_t group, size_t pixel,
                            size_t count, float *dst) {
  const numapool__conv2d_shape_t *s = call->shape;
  size_t nr = call->nr, cin = s->group_in;
  const float *image_base = call->input + image * s->in_height * s->in_width * s->in_channels +
                            group * s->group_in;
  for (size_t j = 0; j < nr; j++) {
    size_t oh = (pixel + j) / s->out_width, ow = (pixel + j) % s->out_width;
    for (size_t kh = 0, tap = 0; kh < s->kernel_height; kh++) {
      ptrdiff_t ih = (ptrdiff_t)(oh * s->stride_height + kh * s->dilation_height) -
                     (ptrdiff_t)s->pad_top;
      for (size_t kw = 0; kw < s->kernel_width; kw++, tap++) {
        ptrdiff_t iw = (ptrdiff_t)(ow * s->stride_width + kw * s->dilation_width) -
                       (ptrdiff_t)s->pad_left;
        float *out = dst + tap * cin * nr + j;
        bool valid = j < count && ih >= 0 && ih < (ptrdiff_t)s->in_height && iw >= 0 &&
                     iw < (ptrdiff_t)s->in_width;
        if (!valid) {
          for (size_t c = 0; c < cin; c++)
            out[c * nr] = 0.0f;
          continue;
        }
        const float *src = image_base + ((size_t)ih * s->in_width + (size_t)iw) * s->in_channels;
        for (size_t c = 0; c < cin; c++)
          out[c * nr] = src[c];
      }
    }
  }
}

/* ---- Tiles ---- */

/* Adds the bias and clamps rows x cols of a column-major tile; the bias
 * index runs along the rows (NHWC) or the columns (NCHW). */
static void finish_tile(const conv_call_t *call, float *c, size_t ldc, size_t rows, size_t cols,
                        const float *bias) {
  float low = call->shape->low, high = call->shape->high;
  if (bias == NULL && low == -INFINITY && high == INFINITY)
    return;
  for (size_t j = 0; j < cols; j++) {
    float *column = c + j * ldc;
    for (size_t i = 0; i < rows; i++) {
      float value = column[i];
      if (bias != NULL)
        value += call->nchw ? bias[j] : bias[i];
      column[i] = numapool__conv2d_clamp(value, low, high);
    }
  }
}

/* Runs the microkernel on one tile; edge tiles go through a temporary tile
 * because the microkernel always writes mr x nr values. */
static void run_tile(const conv_call_t *call, const float *a, const float *b, float *c,
                     size_t ldc, size_t rows, size_t cols, const float *bias, float *temp) {
  size_t mr = call->mr, nr = call->nr, k = call->shape->reduction;
  if (rows == mr && cols == nr) {
    call->ukernel->kernel(k, a, b, c, ldc, 1.0f, 0.0f);
    finish_tile(call, c, ldc, rows, cols, bias);
    return;
  }
  call->ukernel->kernel(k, a, b, temp, mr, 1.0f, 0.0f);
  finish_tile(call, temp, mr, rows, cols, bias);
  for (size_t j = 0; j < cols; j++)
    memcpy(c + j * ldc, temp + j * mr, rows * sizeof(float));
}

/* Task over (image and group, pixel tile, weight panel range). */
static void conv_task(void *context, size_t thread_index, const size_t start[],
                      const size_t extent[]) {
  conv_call_t *call = context;
  const numapool__conv2d_shape_t *s = call->shape;
  size_t image = start[0] / s->groups, group = start[0] % s->groups;
  size_t pixel = start[1], pixel_count = extent[1];
  size_t width = call->pixel_width, k = s->reduction;
  size_t panels = (pixel_count + width - 1) / width;

  /* Scratch: the packed panels, one microkernel tile, the runs. */
  /* Rounded to 64 bytes, so the runs after the floats are aligned. */
  size_t floats = (panels * width * k + call->mr * call->nr + 15) / 16 * 16;
  float *buffer = numapool_scratch(call->pool, thread_index,
                                   floats * sizeof(float) + pixel_count * sizeof(pixel_run_t));
  if (buffer == NULL) {
    atomic_store_explicit(&call->status, NUMAPOOL_ENOMEM, memory_order_relaxed);
    return;
  }
  float *temp = buffer + panels * width * k;
  if (call->nchw) {
    pack_nchw_tile(call, image, group, pixel, pixel_count, (pixel_run_t *)(buffer + floats),
                   buffer);
  } else {
    for (size_t t = 0; t < panels; t++) {
      size_t first = pixel + t * width;
      size_t count = pixel_count - t * width < width ? pixel_count - t * width : width;
      pack_nhwc_panel(call, image, group, first, count, buffer + t * width * k);
    }
  }

  size_t cw = call->channel_width;
  for (size_t q = start[2]; q < start[2] + extent[2]; q++) {
    const float *weights = call->packed_weights + (group * call->channel_panels + q) * cw * k;
    size_t channel = group * s->group_out + q * cw;
    size_t channels = s->group_out - q * cw < cw ? s->group_out - q * cw : cw;
    const float *bias = call->bias != NULL ? call->bias + channel : NULL;
    for (size_t t = 0; t < panels; t++) {
      size_t first = pixel + t * width;
      size_t count = pixel_count - t * width < width ? pixel_count - t * width : width;
      const float *pixels = buffer + t * width * k;
      if (call->nchw) {
        float *c = call->output + (image * s->out_channels + channel) * call->pixels + first;
        run_tile(call, pixels, weights, c, call->pixels, count, channels, bias, temp);
      } else {
        float *c = call->output + (image * call->pixels + first) * s->out_channels + channel;
        run_tile(call, weights, pixels, c, s->out_channels, channels, count, bias, temp);
      }
    }
  }
}

/* Pixels per task: as many panels as fit PANEL_BUDGET, fewer when that
 * would leave fewer than four tasks per thread. */
static size_t pixel_tile(const conv_call_t *call, size_t threads) {
  const numapool__conv2d_shape_t *s = call->shape;
  size_t width = call->pixel_width;
  size_t panels = PANEL_BUDGET / (width * s->reduction);
  if (panels < 1)
    panels = 1;
  size_t wanted = 4 * threads;
  size_t per_image = (call->pixels + width - 1) / width;
  size_t images = s->batch * s->groups;
  while (panels > 1 && images * ((per_image + panels - 1) / panels) < wanted)
    panels--;
  return panels * width;
}

/* A buffer for packed weights, kept between calls: allocating megabytes
 * afresh costs a page fault per 4 KiB on every call. */
typedef struct weight_buffer {
  float *data;
  size_t bytes;
} weight_buffer_t;

/* The kept buffer, or NULL while a call holds it. A call takes it with an
 * exchange and gives it back with another (acq_rel, so the buffer's size
 * travels with it); concurrent calls find NULL and allocate their own. It
 * stays allocated until the process exits. */
static _Atomic(weight_buffer_t *) kept_buffer;

static weight_buffer_t weight_buffer_take(size_t bytes) {
  weight_buffer_t *kept = atomic_exchange_explicit(&kept_buffer, NULL, memory_order_acq_rel);
  if (kept != NULL && kept->bytes >= bytes) {
    weight_buffer_t result = *kept;
    free(kept);
    return result;
  }
  if (kept != NULL) {
    free(kept->data);
    free(kept);
  }
  return (weight_buffer_t){.data = aligned_alloc(64, bytes), .bytes = bytes};
}

/* Keeps buffer for the next call, or frees it when another is kept. */
static void weight_buffer_give(weight_buffer_t buffer) {
  weight_buffer_t *kept = malloc(sizeof(*kept));
  if (kept == NULL) {
    free(buffer.data);
    return;
  }
  *kept = buffer;
  weight_buffer_t *previous = atomic_exchange_explicit(&kept_buffer, kept, memory_order_acq_rel);
  if (previous != NULL) {
    free(previous->data);
    free(previous);
  }
}

int numapool__conv2d_gemm(numapool_t *pool, const numapool__conv2d_shape_t *shape,
                          const float *input, const float *weights, const float *bias,
                          float *output) {
  if (pthread_once(&ukernel_once, ukernel_choose) != 0)
    return NUMAPOOL_ENOMEM;
  conv_call_t call = {.pool = pool, .shape = shape, .ukernel = ukernel,
                      .nchw = shape->layout == NUMAPOOL_LAYOUT_NCHW,
                      .mr = ukernel->blocking.mr, .nr = ukernel->blocking.nr,
                      .pixels = shape->out_height * shape->out_width, .input = input,
                      .bias = bias, .output = output};
#if defined(__x86_64__)
  call.masked_copy = ukernel == &numapool__sgemm_ukernel_avx512;
#endif
  call.pointwise = shape->kernel_height == 1 && shape->kernel_width == 1 &&
                   shape->stride_height == 1 && shape->stride_width == 1 &&
                   shape->pad_top == 0 && shape->pad_left == 0 &&
                   shape->out_height == shape->in_height && shape->out_width == shape->in_width;
  call.pixel_width = call.nchw ? call.mr : call.nr;
  call.channel_width = call.nchw ? call.nr : call.mr;
  call.channel_panels = (shape->group_out + call.channel_width - 1) / call.channel_width;
  atomic_init(&call.status, 0);

  /* Pack the weights once for every task. NOTE: this repeats on every
   * call; an API for prepacked weights would let a network pack them once. */
  size_t weight_panels = shape->groups * call.channel_panels;
  size_t packed_floats = weight_panels * call.channel_width * shape->reduction;
  size_t packed_bytes = (packed_floats * sizeof(float) + 63) / 64 * 64;
  weight_buffer_t buffer = weight_buffer_take(packed_bytes);
  if (buffer.data == NULL)
    return NUMAPOOL_ENOMEM;
  call.packed_weights = buffer.data;
  weight_pack_t pack = {.call = &call, .weights = weights};
  int status = numapool_parallel_for_1d(weight_panels > 1 ? pool : NULL, weight_panels, 1,
                                        pack_weight_panels, &pack, 0);

  /* Split the weight panels too when there are few pixel tiles. */
  size_t threads = numapool_get_thread_count(pool);
  size_t tile = pixel_tile(&call, threads);
  size_t tasks = shape->batch * shape->groups * ((call.pixels + tile - 1) / tile);
  size_t channel_tile = call.channel_panels;
  while (channel_tile > 1 && tasks * (call.channel_panels / channel_tile) < 4 * threads)
    channel_tile = (channel_tile + 1) / 2;
  size_t range[3] = {shape->batch * shape->groups, call.pixels, call.channel_panels};
  size_t tiles[3] = {1, tile, channel_tile};
  if (status == 0)
    status = numapool_parallel_for(pool, 3, range, tiles, conv_task, &call, 0);
  if (status == 0)
    status = atomic_load_explicit(&call.status, memory_order_relaxed);
  weight_buffer_give(buffer);
  return status;
}
