/* The body of the contiguous elementwise loops, written once with GCC
 * vector extensions and compiled once per instruction set. The including
 * file defines ELTWISE_VECTOR_BYTES (16, 32 or 64) and ELTWISE_KERNELS (the
 * name of the numapool__eltwise_kernels_t to define), and is compiled with
 * the matching -m flags. Only one including file per object. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "kernels/eltwise_kernels.h"

#define LANES (ELTWISE_VECTOR_BYTES / 4)
#define REDUCE_VECTORS (NUMAPOOL__REDUCE_LANES / LANES)

/* may_alias and aligned(4): a vector may be loaded from any float array. */
typedef float vfloat __attribute__((vector_size(ELTWISE_VECTOR_BYTES), aligned(4), may_alias));
typedef int32_t vint __attribute__((vector_size(ELTWISE_VECTOR_BYTES), aligned(4), may_alias));

static inline vfloat load(const float *p) { return *(const vfloat *)p; }
static inline void store(float *p, vfloat v) { *(vfloat *)p = v; }
static inline vfloat splat(float s) { return (vfloat){0} + s; }

/* A non-temporal store to a vector-aligned p: the line goes to memory
 * without being read first. Needs store_fence() before other threads read
 * the data. */
static inline void store_stream(float *p, vfloat v) {
#if ELTWISE_VECTOR_BYTES == 64 && defined(__AVX512F__)
  _mm512_stream_ps(p, (__m512)v);
#elif ELTWISE_VECTOR_BYTES == 32 && defined(__AVX__)
  _mm256_stream_ps(p, (__m256)v);
#elif ELTWISE_VECTOR_BYTES == 16 && defined(__SSE__)
  _mm_stream_ps(p, (__m128)v);
#else
  store(p, v);
#endif
}

static inline void store_fence(void) {
#if defined(__SSE__)
  _mm_sfence();
#endif
}

/* Elements before y reaches vector alignment, at most count. */
static inline size_t head_length(const float *y, size_t count) {
  size_t misalign = (uintptr_t)y % ELTWISE_VECTOR_BYTES;
  size_t head = misalign == 0 ? 0 : (ELTWISE_VECTOR_BYTES - misalign) / sizeof(float);
  return head < count ? head : count;
}

/* mask ? a : b, for a mask of all-ones or all-zeros lanes. */
static inline vfloat vselect(vint mask, vfloat a, vfloat b) {
  return (vfloat)((mask & (vint)a) | (~mask & (vint)b));
}

static inline vfloat vmax(vfloat a, vfloat b) { return vselect(a > b, a, b); }
static inline vfloat vmin(vfloat a, vfloat b) { return vselect(a < b, a, b); }
static inline vfloat vabs(vfloat a) { return (vfloat)((vint)a & 0x7fffffff); }

/* exp(x): x = n ln 2 + r with |r| <= ln 2 / 2, e^r by its Taylor series to
 * degree 7 (truncation error below 1e-8 relative), then 2^n applied in two
 * halves so that results between FLT_MAX and the subnormals come out
 * without an intermediate overflow. */
static inline vfloat vexp(vfloat x) {
  x = vselect(x > 89.0f, splat(89.0f), x);
  x = vselect(x < -104.0f, splat(-104.0f), x);
  const float round_magic = 12582912.0f; /* 1.5 * 2^23 */
  vfloat n = (x * 1.44269504088896341f + round_magic) - round_magic;
  vfloat r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  vfloat p = splat(1.0f / 5040.0f);
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  vint ni = __builtin_convertvector(n, vint);
  vint half = ni >> 1;
  vfloat scale1 = (vfloat)((half + 127) << 23);
  vfloat scale2 = (vfloat)((ni - half + 127) << 23);
  return p * scale1 * scale2;
}

static inline vfloat vsigmoid(vfloat x) { return 1.0f / (1.0f + vexp(-x)); }

/* tanh(x) = sign(x) (1 - 2 / (e^{2|x|} + 1)); an odd polynomial below 0.25,
 * where that form would lose relative precision. */
static inline vfloat vtanh(vfloat x) {
  vfloat ax = vabs(x);
  vfloat e = vexp(2.0f * ax);
  vfloat big = 1.0f - 2.0f / (e + 1.0f);
  big = (vfloat)((vint)big | ((vint)x & (int32_t)0x80000000));
  vfloat x2 = x * x;
  vfloat p = splat(62.0f / 2835.0f);
  p = p * x2 - 17.0f / 315.0f;
  p = p * x2 + 2.0f / 15.0f;
  p = p * x2 - 1.0f / 3.0f;
  vfloat small = x + x * x2 * p;
  vfloat result = vselect(ax < 0.25f, small, big);
  return vselect(x != x, x, result);
}

/* gelu(x) = 0.5 x (1 + erf(x / sqrt 2)), with 1 + erf(z) computed from the
 * Abramowitz and Stegun 7.1.26 form q(z) = t P(t) e^{-z^2}, t = 1 / (1 + p
 * |z|), which has an absolute error below 1.5e-7: 1 + erf(z) is 2 - q for
 * z >= 0 and q for z < 0, so no cancellation happens for negative x. */
static inline vfloat vgelu(vfloat x) {
  vfloat z = vabs(x) * 0.70710678118654752f;
  vfloat t = 1.0f / (1.0f + 0.3275911f * z);
  vfloat poly = splat(1.061405429f);
  poly = poly * t - 1.453152027f;
  poly = poly * t + 1.421413741f;
  poly = poly * t - 0.284496736f;
  poly = poly * t + 0.254829592f;
  vfloat q = poly * t * vexp(-(z * z));
  vfloat one_plus_erf = vselect(x < 0.0f, q, 2.0f - q);
  return 0.5f * x * one_plus_erf;
}

static inline vfloat apply_unary(numapool_unary_op_t op, float alpha, float beta, vfloat x) {
  switch (op) {
  case NUMAPOOL_UNARY_COPY: return x;
  case NUMAPOOL_UNARY_SCALE: return alpha * x;
  case NUMAPOOL_UNARY_RELU: return vmax(x, splat(0.0f));
  case NUMAPOOL_UNARY_LEAKY_RELU: return vselect(x > 0.0f, x, alpha * x);
  case NUMAPOOL_UNARY_CLAMP: return vmin(vmax(x, splat(alpha)), splat(beta));
  case NUMAPOOL_UNARY_SIGMOID: return vsigmoid(x);
  case NUMAPOOL_UNARY_TANH: return vtanh(x);
  case NUMAPOOL_UNARY_EXP: return vexp(x);
  case NUMAPOOL_UNARY_GELU: return vgelu(x);
  }
  return x;
}

/* Each case is its own loop, so the compiler compiles one operation per
 * loop. The head (with streaming) and the tail go through a zero-padded
 * vector, so they get the same arithmetic as the body. */
#define UNARY_PADDED(FIRST, LENGTH, EXPR)                                      \
  do {                                                                         \
    float pad[LANES] = {0};                                                    \
    memcpy(pad, x + (FIRST), (LENGTH) * sizeof(float));                        \
    vfloat v = load(pad);                                                      \
    store(pad, EXPR);                                                          \
    memcpy(y + (FIRST), pad, (LENGTH) * sizeof(float));                        \
  } while (0)

#define UNARY_LOOP(EXPR)                                                       \
  do {                                                                         \
    size_t i = 0;                                                              \
    if (stream) {                                                              \
      i = head_length(y, count);                                               \
      if (i > 0)                                                               \
        UNARY_PADDED(0, i, EXPR);                                              \
      for (; i + LANES <= count; i += LANES) {                                 \
        vfloat v = load(x + i);                                                \
        store_stream(y + i, EXPR);                                             \
      }                                                                        \
      store_fence();                                                           \
    }                                                                          \
    for (; i + LANES <= count; i += LANES) {                                   \
      vfloat v = load(x + i);                                                  \
      store(y + i, EXPR);                                                      \
    }                                                                          \
    if (i < count)                                                             \
      UNARY_PADDED(i, count - i, EXPR);                                        \
  } while (0)

static void unary_run(numapool_unary_op_t op, float alpha, float beta, size_t count,
                      const float *x, float *y, bool stream) {
  switch (op) {
  case NUMAPOOL_UNARY_COPY:
    if (stream)
      UNARY_LOOP(v);
    else if (x != y)
      memmove(y, x, count * sizeof(float));
    return;
  case NUMAPOOL_UNARY_SCALE: UNARY_LOOP(alpha * v); return;
  case NUMAPOOL_UNARY_RELU: UNARY_LOOP(vmax(v, splat(0.0f))); return;
  case NUMAPOOL_UNARY_LEAKY_RELU: UNARY_LOOP(vselect(v > 0.0f, v, alpha * v)); return;
  case NUMAPOOL_UNARY_CLAMP: UNARY_LOOP(vmin(vmax(v, splat(alpha)), splat(beta))); return;
  default: UNARY_LOOP(apply_unary(op, alpha, beta, v)); return;
  }
}

static void unary(numapool_unary_op_t op, float alpha, float beta, size_t count,
                  const float *x, float *y) {
  unary_run(op, alpha, beta, count, x, y, false);
}

static void unary_stream(numapool_unary_op_t op, float alpha, float beta, size_t count,
                         const float *x, float *y) {
  unary_run(op, alpha, beta, count, x, y, true);
}

static inline vfloat apply_binary(numapool_binary_op_t op, vfloat a, vfloat b) {
  switch (op) {
  case NUMAPOOL_BINARY_ADD: return a + b;
  case NUMAPOOL_BINARY_SUB: return a - b;
  case NUMAPOOL_BINARY_MUL: return a * b;
  case NUMAPOOL_BINARY_DIV: return a / b;
  case NUMAPOOL_BINARY_MAX: return vselect((a > b) | (a != a), a, b);
  case NUMAPOOL_BINARY_MIN: return vselect((a < b) | (a != a), a, b);
  }
  return a;
}

/* A binary loop for one operation and one pair of steps. The steps are
 * constants at every use, so each expansion is a plain vector loop. */
#define BINARY_LOOP(OP, A_STEP, B_STEP)                                        \
  do {                                                                         \
    size_t i = 0;                                                              \
    vfloat a_scalar = splat(a[0]), b_scalar = splat(b[0]);                     \
    if (stream) {                                                              \
      size_t head = head_length(y, count);                                     \
      for (; i < head; i++)                                                    \
        y[i] = binary_scalar(OP, a[i * (A_STEP)], b[i * (B_STEP)]);            \
      for (; i + LANES <= count; i += LANES) {                                 \
        vfloat va = (A_STEP) ? load(a + i) : a_scalar;                         \
        vfloat vb = (B_STEP) ? load(b + i) : b_scalar;                         \
        store_stream(y + i, apply_binary(OP, va, vb));                         \
      }                                                                        \
      store_fence();                                                           \
    }                                                                          \
    for (; i + LANES <= count; i += LANES) {                                   \
      vfloat va = (A_STEP) ? load(a + i) : a_scalar;                           \
      vfloat vb = (B_STEP) ? load(b + i) : b_scalar;                           \
      store(y + i, apply_binary(OP, va, vb));                                  \
    }                                                                          \
    if (i < count) {                                                           \
      float pa[LANES] = {0}, pb[LANES] = {0};                                  \
      size_t rest = count - i;                                                 \
      for (size_t j = 0; j < rest; j++) {                                      \
        pa[j] = a[(i + j) * (A_STEP)];                                         \
        pb[j] = b[(i + j) * (B_STEP)];                                         \
      }                                                                        \
      store(pa, apply_binary(OP, load(pa), load(pb)));                         \
      memcpy(y + i, pa, rest * sizeof(float));                                 \
    }                                                                          \
  } while (0)

#define BINARY_STEPS(OP)                                                       \
  do {                                                                         \
    if (a_step && b_step)                                                      \
      BINARY_LOOP(OP, 1, 1);                                                   \
    else if (a_step)                                                           \
      BINARY_LOOP(OP, 1, 0);                                                   \
    else if (b_step)                                                           \
      BINARY_LOOP(OP, 0, 1);                                                   \
    else                                                                       \
      BINARY_LOOP(OP, 0, 0);                                                   \
  } while (0)

/* One element through the vector formula, so heads match the body. */
static float binary_scalar(numapool_binary_op_t op, float a, float b) {
  float pa[LANES] = {0}, pb[LANES] = {0};
  pa[0] = a;
  pb[0] = b;
  store(pa, apply_binary(op, load(pa), load(pb)));
  return pa[0];
}

static void binary_run(numapool_binary_op_t op, size_t count, const float *a, size_t a_step,
                       const float *b, size_t b_step, float *y, bool stream) {
  if (count == 0)
    return;
  switch (op) {
  case NUMAPOOL_BINARY_ADD: BINARY_STEPS(NUMAPOOL_BINARY_ADD); return;
  case NUMAPOOL_BINARY_SUB: BINARY_STEPS(NUMAPOOL_BINARY_SUB); return;
  case NUMAPOOL_BINARY_MUL: BINARY_STEPS(NUMAPOOL_BINARY_MUL); return;
  case NUMAPOOL_BINARY_DIV: BINARY_STEPS(NUMAPOOL_BINARY_DIV); return;
  case NUMAPOOL_BINARY_MAX: BINARY_STEPS(NUMAPOOL_BINARY_MAX); return;
  case NUMAPOOL_BINARY_MIN: BINARY_STEPS(NUMAPOOL_BINARY_MIN); return;
  }
}

static void binary(numapool_binary_op_t op, size_t count, const float *a, size_t a_step,
                   const float *b, size_t b_step, float *y) {
  binary_run(op, count, a, a_step, b, b_step, y, false);
}

static void binary_stream(numapool_binary_op_t op, size_t count, const float *a, size_t a_step,
                          const float *b, size_t b_step, float *y) {
  binary_run(op, count, a, a_step, b, b_step, y, true);
}

static void axpy(size_t count, float alpha, const float *x, float *y) {
  size_t i = 0;
  for (; i + LANES <= count; i += LANES)
    store(y + i, alpha * load(x + i) + load(y + i));
  for (; i < count; i++)
    y[i] = alpha * x[i] + y[i];
}

static void multiply_add(size_t count, const float *a, const float *b, float *y) {
  size_t i = 0;
  for (; i + LANES <= count; i += LANES)
    store(y + i, load(a + i) * load(b + i) + load(y + i));
  for (; i < count; i++)
    y[i] = a[i] * b[i] + y[i];
}

/* Combines the 16 lanes by halving: lane j takes lane j + 8, then j + 4,
 * j + 2 and j + 1. The same tree on every instruction set. */
static float combine_lanes(numapool_reduce_op_t op, const vfloat acc[REDUCE_VECTORS]) {
  float lanes[NUMAPOOL__REDUCE_LANES];
  for (size_t v = 0; v < REDUCE_VECTORS; v++)
    store(lanes + v * LANES, acc[v]);
  for (size_t width = NUMAPOOL__REDUCE_LANES / 2; width > 0; width /= 2) {
    for (size_t j = 0; j < width; j++) {
      float a = lanes[j], b = lanes[j + width];
      if (op == NUMAPOOL_REDUCE_SUM)
        lanes[j] = a + b;
      else
        lanes[j] = (a > b || a != a) ? a : b;
    }
  }
  return lanes[0];
}

static inline vfloat accumulate(numapool_reduce_op_t op, vfloat acc, vfloat v) {
  if (op == NUMAPOOL_REDUCE_SUM)
    return acc + v;
  return vselect((v > acc) | (v != v), v, acc);
}

/* Folds x into the 16 lane accumulators; a tail is padded with the
 * operation's identity (0 or -inf). */
static void fold(numapool_reduce_op_t op, size_t count, const float *x,
                 vfloat acc[REDUCE_VECTORS]) {
  size_t i = 0;
  for (; i + NUMAPOOL__REDUCE_LANES <= count; i += NUMAPOOL__REDUCE_LANES)
    for (size_t v = 0; v < REDUCE_VECTORS; v++)
      acc[v] = accumulate(op, acc[v], load(x + i + v * LANES));
  if (i < count) {
    float pad[NUMAPOOL__REDUCE_LANES];
    float identity = op == NUMAPOOL_REDUCE_SUM ? 0.0f : -INFINITY;
    for (size_t j = 0; j < NUMAPOOL__REDUCE_LANES; j++)
      pad[j] = i + j < count ? x[i + j] : identity;
    for (size_t v = 0; v < REDUCE_VECTORS; v++)
      acc[v] = accumulate(op, acc[v], load(pad + v * LANES));
  }
}

static float reduce(numapool_reduce_op_t op, size_t count, const float *x) {
  vfloat acc[REDUCE_VECTORS];
  for (size_t v = 0; v < REDUCE_VECTORS; v++)
    acc[v] = splat(op == NUMAPOOL_REDUCE_SUM ? 0.0f : -INFINITY);
  fold(op, count, x, acc);
  return combine_lanes(op, acc);
}

/* Writes exp(x - shift) in chunks of 16 and folds each chunk into the sum
 * while it is still in registers. */
static float exp_shift_sum(size_t count, const float *x, float shift, float *y) {
  vfloat acc[REDUCE_VECTORS];
  for (size_t v = 0; v < REDUCE_VECTORS; v++)
    acc[v] = splat(0.0f);
  size_t i = 0;
  for (; i + NUMAPOOL__REDUCE_LANES <= count; i += NUMAPOOL__REDUCE_LANES) {
    for (size_t v = 0; v < REDUCE_VECTORS; v++) {
      vfloat e = vexp(load(x + i + v * LANES) - shift);
      store(y + i + v * LANES, e);
      acc[v] = acc[v] + e;
    }
  }
  if (i < count) {
    float pad[NUMAPOOL__REDUCE_LANES];
    size_t rest = count - i;
    for (size_t j = 0; j < NUMAPOOL__REDUCE_LANES; j++)
      pad[j] = j < rest ? x[i + j] - shift : -INFINITY;
    for (size_t v = 0; v < REDUCE_VECTORS; v++) {
      vfloat e = vexp(load(pad + v * LANES));
      e = vselect(load(pad + v * LANES) == -INFINITY, splat(0.0f), e);
      store(pad + v * LANES, e);
      acc[v] = acc[v] + e;
    }
    memcpy(y + i, pad, rest * sizeof(float));
  }
  return combine_lanes(NUMAPOOL_REDUCE_SUM, acc);
}

const numapool__eltwise_kernels_t ELTWISE_KERNELS = {
    .name = ELTWISE_NAME,
    .unary = unary,
    .unary_stream = unary_stream,
    .binary = binary,
    .binary_stream = binary_stream,
    .axpy = axpy,
    .multiply_add = multiply_add,
    .reduce = reduce,
    .exp_shift_sum = exp_shift_sum,
};
