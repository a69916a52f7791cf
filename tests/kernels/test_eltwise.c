/* Elementwise operators against scalar references: every unary and binary
 * operator over lengths that leave vector tails, empty tensors, strided and
 * negative-stride tensors, broadcasting of each dimension up to 6-D, axpy,
 * reductions over every element and each axis, and softmax, on a NULL pool
 * and pools of 2 and 3 threads. Exact operators must match bit for bit;
 * the transcendental ones must stay within the tolerances documented in
 * <numapool/operators.h>. Reductions must give the same bits on every
 * thread count. The program runs once per instruction set, chosen by
 * NUMAPOOL_ELTWISE_ISA. */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/operators.h>

#include "check.h"

static unsigned checks;
static numapool_t *pools[3];

/* A fixed pseudo-random sequence, so failures reproduce. */
static unsigned long long rng_state = 0x2545F4914F6CDD1DULL;
static float random_float(float low, float high) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  double unit = (double)(rng_state >> 11) / 9007199254740992.0;
  return (float)(low + (high - low) * unit);
}

static float *random_array(size_t count, float low, float high) {
  float *data = malloc((count ? count : 1) * sizeof(float));
  CHECK(data != NULL);
  for (size_t i = 0; i < count; i++)
    data[i] = random_float(low, high);
  return data;
}

static bool same_bits(float a, float b) { return memcmp(&a, &b, sizeof a) == 0 || (a != a && b != b); }

static void check_close(const char *what, size_t index, double actual, double expected,
                        double tolerance) {
  checks++;
  bool ok = fabs(actual - expected) <= tolerance || (isnan(actual) && isnan(expected)) ||
            (isinf(actual) && actual == expected);
  if (!ok) {
    char detail[200];
    snprintf(detail, sizeof detail, "%s[%zu] = %.9g, expected %.9g within %.3g", what, index,
             actual, expected, tolerance);
    CHECK_MSG(ok, detail);
  }
}

/* ---- Unary ---- */

static double reference_unary(numapool_unary_op_t op, float alpha, float beta, float x) {
  switch (op) {
  case NUMAPOOL_UNARY_COPY: return x;
  case NUMAPOOL_UNARY_SCALE: return alpha * x;
  case NUMAPOOL_UNARY_RELU: return x > 0.0f ? x : 0.0f;
  case NUMAPOOL_UNARY_LEAKY_RELU: return x > 0.0f ? x : alpha * x;
  case NUMAPOOL_UNARY_CLAMP: {
    float low = x > alpha ? x : alpha;
    return low < beta ? low : beta;
  }
  case NUMAPOOL_UNARY_SIGMOID: return 1.0 / (1.0 + exp(-(double)x));
  case NUMAPOOL_UNARY_TANH: return tanh((double)x);
  case NUMAPOOL_UNARY_EXP: return exp((double)x);
  case NUMAPOOL_UNARY_GELU: return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
  }
  return NAN;
}

/* The documented error bound, or 0 for the exact operators. */
static double unary_tolerance(numapool_unary_op_t op, double expected, float x) {
  switch (op) {
  case NUMAPOOL_UNARY_SIGMOID: return 1e-6;
  case NUMAPOOL_UNARY_TANH: return 2e-6;
  case NUMAPOOL_UNARY_EXP: return fabs(expected) < 1.2e-38 ? 1.5e-45 : 4e-7 * fabs(expected);
  case NUMAPOOL_UNARY_GELU: return 2e-6 * fmax(1.0, fabs(x));
  default: return 0.0;
  }
}

static void check_unary_values(numapool_unary_op_t op, float alpha, float beta, size_t count,
                               const float *x, const float *y) {
  for (size_t i = 0; i < count; i++) {
    double expected = reference_unary(op, alpha, beta, x[i]);
    if (fabs(expected) > FLT_MAX)
      expected = copysign(INFINITY, expected);
    double tolerance = unary_tolerance(op, expected, x[i]);
    if (tolerance == 0.0) {
      checks++;
      if (!same_bits(y[i], (float)expected)) {
        char detail[160];
        snprintf(detail, sizeof detail, "op %d: y[%zu] = %.9g for x = %.9g, expected %.9g",
                 (int)op, i, y[i], x[i], expected);
        CHECK_MSG(false, detail);
      }
    } else {
      check_close("y", i, y[i], expected, tolerance);
    }
  }
}

static const size_t lengths[] = {0, 1, 3, 7, 15, 16, 17, 31, 33, 100, 1000, 40001};

static void test_unary_contiguous(void) {
  for (size_t p = 0; p < 3; p++) {
    for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
      size_t count = lengths[l];
      float *x = random_array(count, -12.0f, 12.0f);
      float *y = random_array(count, 0.0f, 1.0f);
      for (int op = NUMAPOOL_UNARY_COPY; op <= NUMAPOOL_UNARY_GELU; op++) {
        float alpha = op == NUMAPOOL_UNARY_CLAMP ? -1.5f : 0.25f;
        float beta = 2.5f;
        CHECK_EQ(numapool_unary(pools[p], op, alpha, beta, count, x, y), 0);
        check_unary_values(op, alpha, beta, count, x, y);
      }
      free(x);
      free(y);
    }
  }
}

/* A dense sweep of [-30, 30] plus the special values, for the documented
 * tolerances. */
static void test_unary_accuracy(void) {
  size_t count = 600001;
  float *x = malloc((count + 8) * sizeof(float));
  float *y = malloc((count + 8) * sizeof(float));
  CHECK(x != NULL);
  CHECK(y != NULL);
  for (size_t i = 0; i < count; i++)
    x[i] = -30.0f + 60.0f * (float)i / (float)(count - 1);
  const float specials[8] = {0.0f, -0.0f, 88.7f, 89.0f, -103.0f, -110.0f, INFINITY, -INFINITY};
  memcpy(x + count, specials, sizeof specials);
  for (int op = NUMAPOOL_UNARY_SIGMOID; op <= NUMAPOOL_UNARY_GELU; op++) {
    /* gelu(-inf) is 0.5 * -inf * 0, NaN in the reference form too. */
    CHECK_EQ(numapool_unary(pools[1], op, 0.0f, 0.0f, count + 8, x, y), 0);
    check_unary_values(op, 0.0f, 0.0f, count + 8, x, y);
  }
  float nan_input = NAN, out = 0.0f;
  for (int op = NUMAPOOL_UNARY_SIGMOID; op <= NUMAPOOL_UNARY_GELU; op++) {
    CHECK_EQ(numapool_unary(NULL, op, 0.0f, 0.0f, 1, &nan_input, &out), 0);
    CHECK_MSG(isnan(out), "a NaN input gives NaN");
  }
  free(x);
  free(y);
}

/* Element offset of a multi-index under a tensor's strides. */
static ptrdiff_t offset_of(const numapool_tensor_t *t, const size_t index[]) {
  ptrdiff_t offset = 0;
  for (size_t d = 0; d < t->rank; d++)
    offset += (ptrdiff_t)index[d] * t->strides[d];
  return offset;
}

/* Steps a row-major multi-index; returns false after the last one. */
static bool next_index(size_t rank, const size_t shape[], size_t index[]) {
  for (size_t d = rank; d-- > 0;) {
    if (++index[d] < shape[d])
      return true;
    index[d] = 0;
  }
  return false;
}

static bool shape_empty(size_t rank, const size_t shape[]) {
  for (size_t d = 0; d < rank; d++)
    if (shape[d] == 0)
      return true;
  return false;
}

static void test_unary_strided(void) {
  /* x: a 3-D view of a 5 x 7 x 33 buffer, transposed and reversed; y has
   * padded rows. */
  size_t shape[3] = {33, 5, 7};
  float *x_data = random_array(5 * 7 * 33, -4.0f, 4.0f);
  numapool_tensor_t x = {.rank = 3, .shape = {33, 5, 7}, .strides = {1, 7 * 33, -33}};
  const float *x_base = x_data + 6 * 33; /* the last of 7 rows, walked backwards */
  numapool_tensor_t y = {.rank = 3, .shape = {33, 5, 7}, .strides = {5 * 9, 9, 1}};
  float *y_data = random_array(33 * 5 * 9, 0.0f, 1.0f);

  for (size_t p = 0; p < 3; p++) {
    for (int op = NUMAPOOL_UNARY_COPY; op <= NUMAPOOL_UNARY_GELU; op++) {
      CHECK_EQ(numapool_unary_tensor(pools[p], op, 0.5f, 1.0f, &x, x_base, &y, y_data), 0);
      size_t index[3] = {0, 0, 0};
      do {
        float in = x_base[offset_of(&x, index)];
        float out = y_data[offset_of(&y, index)];
        check_unary_values(op, 0.5f, 1.0f, 1, &in, &out);
      } while (next_index(3, shape, index));
    }
  }

  /* In place on the strided view: exact alias. */
  float *copy = malloc(5 * 7 * 33 * sizeof(float));
  CHECK(copy != NULL);
  memcpy(copy, x_data, 5 * 7 * 33 * sizeof(float));
  float *x_mutable = x_data + 6 * 33;
  CHECK_EQ(numapool_unary_tensor(pools[1], NUMAPOOL_UNARY_SCALE, 3.0f, 0.0f, &x, x_mutable, &x,
                                 x_mutable),
           0);
  for (size_t i = 0; i < 5 * 7 * 33; i++)
    check_close("in place", i, x_data[i], 3.0f * copy[i], 0.0);

  /* Partial overlap: y shifted by one element over x. */
  float buffer[64] = {0};
  CHECK_EQ(numapool_unary(NULL, NUMAPOOL_UNARY_COPY, 0.0f, 0.0f, 32, buffer, buffer + 1),
           NUMAPOOL_EINVAL);
  /* An output that overlaps itself. */
  numapool_tensor_t self = {.rank = 1, .shape = {4}, .strides = {0}};
  numapool_tensor_t line = {.rank = 1, .shape = {4}, .strides = {1}};
  CHECK_EQ(numapool_unary_tensor(NULL, NUMAPOOL_UNARY_COPY, 0, 0, &line, buffer, &self,
                                 buffer + 8),
           NUMAPOOL_EINVAL);
  /* Shapes that differ, bad op, bad clamp bounds, NULL data. */
  numapool_tensor_t other = {.rank = 1, .shape = {5}, .strides = {1}};
  CHECK_EQ(numapool_unary_tensor(NULL, NUMAPOOL_UNARY_COPY, 0, 0, &line, buffer, &other,
                                 buffer + 8),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_unary(NULL, (numapool_unary_op_t)99, 0, 0, 4, buffer, buffer + 8),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_unary(NULL, NUMAPOOL_UNARY_CLAMP, 2.0f, 1.0f, 4, buffer, buffer + 8),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_unary(NULL, NUMAPOOL_UNARY_COPY, 0, 0, 4, NULL, buffer), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_unary(NULL, NUMAPOOL_UNARY_COPY, 0, 0, 0, NULL, NULL), 0);
  CHECK_EQ(numapool_unary_tensor(NULL, NUMAPOOL_UNARY_COPY, 0, 0, NULL, buffer, &line, buffer),
           NUMAPOOL_EINVAL);
  numapool_tensor_t huge = {.rank = 2, .shape = {SIZE_MAX / 2, 4}, .strides = {4, 1}};
  CHECK_EQ(numapool_unary_tensor(NULL, NUMAPOOL_UNARY_COPY, 0, 0, &huge, buffer, &huge,
                                 buffer + 8),
           NUMAPOOL_EOVERFLOW);
  checks += 10;
  free(copy);
  free(x_data);
  free(y_data);
}

/* ---- Binary ---- */

static float reference_binary(numapool_binary_op_t op, float a, float b) {
  switch (op) {
  case NUMAPOOL_BINARY_ADD: return a + b;
  case NUMAPOOL_BINARY_SUB: return a - b;
  case NUMAPOOL_BINARY_MUL: return a * b;
  case NUMAPOOL_BINARY_DIV: return a / b;
  case NUMAPOOL_BINARY_MAX: return (a > b || a != a) ? a : b;
  case NUMAPOOL_BINARY_MIN: return (a < b || a != a) ? a : b;
  }
  return NAN;
}

/* Runs every binary op on a and b (broadcast) into a contiguous y and
 * compares each element with the scalar reference. */
static void check_binary_case(numapool_t *pool, const numapool_tensor_t *a_desc, const float *a,
                              const numapool_tensor_t *b_desc, const float *b) {
  size_t rank = a_desc->rank > b_desc->rank ? a_desc->rank : b_desc->rank;
  size_t shape[NUMAPOOL_MAX_DIMS] = {0};
  for (size_t d = 0; d < rank; d++) {
    size_t da = d + a_desc->rank >= rank ? a_desc->shape[d + a_desc->rank - rank] : 1;
    size_t db = d + b_desc->rank >= rank ? b_desc->shape[d + b_desc->rank - rank] : 1;
    shape[d] = da == 1 ? db : da;
  }
  numapool_tensor_t y_desc;
  CHECK_EQ(numapool_tensor_init(&y_desc, rank, shape), 0);
  size_t count = 1;
  for (size_t d = 0; d < rank; d++)
    count *= shape[d];
  float *y = malloc((count ? count : 1) * sizeof(float));
  CHECK(y != NULL);

  for (int op = NUMAPOOL_BINARY_ADD; op <= NUMAPOOL_BINARY_MIN; op++) {
    CHECK_EQ(numapool_binary(pool, op, a_desc, a, b_desc, b, &y_desc, y), 0);
    if (shape_empty(rank, shape))
      continue;
    size_t index[NUMAPOOL_MAX_DIMS] = {0};
    size_t linear = 0;
    do {
      ptrdiff_t ao = 0, bo = 0;
      for (size_t d = 0; d < a_desc->rank; d++)
        if (a_desc->shape[d] > 1)
          ao += (ptrdiff_t)index[d + rank - a_desc->rank] * a_desc->strides[d];
      for (size_t d = 0; d < b_desc->rank; d++)
        if (b_desc->shape[d] > 1)
          bo += (ptrdiff_t)index[d + rank - b_desc->rank] * b_desc->strides[d];
      float expected = reference_binary(op, a[ao], b[bo]);
      checks++;
      if (!same_bits(y[linear], expected)) {
        char detail[160];
        snprintf(detail, sizeof detail, "op %d rank %zu: y[%zu] = %.9g, expected %.9g", op,
                 rank, linear, y[linear], expected);
        CHECK_MSG(false, detail);
      }
      linear++;
    } while (next_index(rank, shape, index));
  }
  free(y);
}

static void test_binary_broadcast(void) {
  float *a = random_array(8192, -3.0f, 3.0f);
  float *b = random_array(8192, 0.5f, 3.0f);
  b[5] = NAN;
  a[17] = NAN;

  /* Every dimension of a 6-D shape broadcast in turn from a, then from b. */
  const size_t full[6] = {2, 3, 1 + 2, 2, 3, 5};
  for (size_t d = 0; d < 6; d++) {
    for (int side = 0; side < 2; side++) {
      size_t reduced[6];
      memcpy(reduced, full, sizeof full);
      reduced[d] = 1;
      numapool_tensor_t a_desc, b_desc;
      CHECK_EQ(numapool_tensor_init(&a_desc, 6, side == 0 ? reduced : full), 0);
      CHECK_EQ(numapool_tensor_init(&b_desc, 6, side == 0 ? full : reduced), 0);
      for (size_t p = 0; p < 3; p++)
        check_binary_case(pools[p], &a_desc, a, &b_desc, b);
    }
  }

  /* Rank broadcasting: a row against a matrix, a scalar against a tensor,
   * lengths with tails, a large case that runs on the pool. */
  const size_t matrix[2] = {37, 19}, row[1] = {19}, col[2] = {37, 1}, big[2] = {3, 20011};
  numapool_tensor_t m, r, c, s, g, g_row;
  CHECK_EQ(numapool_tensor_init(&m, 2, matrix), 0);
  CHECK_EQ(numapool_tensor_init(&r, 1, row), 0);
  CHECK_EQ(numapool_tensor_init(&c, 2, col), 0);
  CHECK_EQ(numapool_tensor_init(&s, 0, NULL), 0);
  CHECK_EQ(numapool_tensor_init(&g, 2, big), 0);
  CHECK_EQ(numapool_tensor_init(&g_row, 1, big + 1), 0);
  float *large = random_array(3 * 20011, -2.0f, 2.0f);
  float *large_b = random_array(20011, -2.0f, 2.0f);
  for (size_t p = 0; p < 3; p++) {
    check_binary_case(pools[p], &m, a, &r, b);
    check_binary_case(pools[p], &r, a, &m, b);
    check_binary_case(pools[p], &c, a, &r, b);
    check_binary_case(pools[p], &s, a, &m, b);
    check_binary_case(pools[p], &m, a, &s, b);
    check_binary_case(pools[p], &g, large, &g_row, large_b);
    check_binary_case(pools[p], &g, large, &g, large);
  }

  /* Strided inputs: a transposed matrix and a negative stride. */
  numapool_tensor_t transposed = {.rank = 2, .shape = {37, 19}, .strides = {1, 37}};
  numapool_tensor_t reversed = {.rank = 1, .shape = {19}, .strides = {-2}};
  for (size_t p = 0; p < 3; p++)
    check_binary_case(pools[p], &transposed, a, &reversed, b + 40);

  /* Empty tensors: a dimension of 0 on either side. */
  const size_t empty_shape[2] = {0, 19};
  numapool_tensor_t e;
  CHECK_EQ(numapool_tensor_init(&e, 2, empty_shape), 0);
  check_binary_case(pools[1], &e, a, &r, b);
  check_binary_case(pools[1], &e, NULL, &r, b);
  free(large);
  free(large_b);
  free(a);
  free(b);
}

static void test_binary_errors(void) {
  float a[64] = {0}, b[64] = {0}, y[64];
  const size_t s34[2] = {3, 4}, s35[2] = {3, 5}, s4[1] = {4}, s24[2] = {2, 4};
  numapool_tensor_t t34, t35, t4, t24;
  CHECK_EQ(numapool_tensor_init(&t34, 2, s34), 0);
  CHECK_EQ(numapool_tensor_init(&t35, 2, s35), 0);
  CHECK_EQ(numapool_tensor_init(&t4, 1, s4), 0);
  CHECK_EQ(numapool_tensor_init(&t24, 2, s24), 0);
  /* 4 does not broadcast against 5. */
  CHECK_EQ(numapool_binary(NULL, NUMAPOOL_BINARY_ADD, &t34, a, &t35, b, &t35, y),
           NUMAPOOL_EINVAL);
  /* y of the wrong shape or rank. */
  CHECK_EQ(numapool_binary(NULL, NUMAPOOL_BINARY_ADD, &t34, a, &t4, b, &t24, y),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_binary(NULL, NUMAPOOL_BINARY_ADD, &t34, a, &t4, b, &t4, y),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_binary(NULL, (numapool_binary_op_t)-1, &t34, a, &t4, b, &t34, y),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_binary(NULL, NUMAPOOL_BINARY_ADD, &t34, NULL, &t4, b, &t34, y),
           NUMAPOOL_EINVAL);
  /* In place on a: allowed. On b, which broadcasts: rejected. Shifted: rejected. */
  for (size_t i = 0; i < 12; i++)
    a[i] = (float)i;
  for (size_t i = 0; i < 4; i++)
    b[i] = 10.0f * (float)i;
  CHECK_EQ(numapool_binary(NULL, NUMAPOOL_BINARY_ADD, &t34, a, &t4, b, &t34, a), 0);
  for (size_t i = 0; i < 12; i++)
    CHECK_EQ((long long)a[i], (long long)(i + 10 * (i % 4)));
  CHECK_EQ(numapool_binary(NULL, NUMAPOOL_BINARY_ADD, &t34, a, &t4, b, &t34, b),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_binary(NULL, NUMAPOOL_BINARY_ADD, &t34, a, &t4, b, &t34, a + 2),
           NUMAPOOL_EINVAL);
  checks += 8;
}

/* ---- Axpy ---- */

static void test_axpy(void) {
  for (size_t p = 0; p < 3; p++) {
    for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
      size_t count = lengths[l];
      float *x = random_array(2 * count + 1, -2.0f, 2.0f);
      float *y = random_array(2 * count + 1, -2.0f, 2.0f);
      float *expected = malloc((2 * count + 1) * sizeof(float));
      CHECK(expected != NULL);

      /* Contiguous. */
      memcpy(expected, y, (2 * count + 1) * sizeof(float));
      for (size_t i = 0; i < count; i++)
        expected[i] = 0.75f * x[i] + expected[i];
      CHECK_EQ(numapool_axpy(pools[p], count, 0.75f, x, 1, y, 1), 0);
      for (size_t i = 0; i < 2 * count + 1; i++)
        check_close("axpy", i, y[i], expected[i], 0.0);

      /* x with stride 2, y walked backwards with stride -1. */
      float *y_end = count > 0 ? y + count - 1 : y;
      for (size_t i = 0; i < count; i++)
        expected[count - 1 - i] = -1.5f * x[2 * i] + expected[count - 1 - i];
      CHECK_EQ(numapool_axpy(pools[p], count, -1.5f, x, 2, y_end, -1), 0);
      for (size_t i = 0; i < 2 * count + 1; i++)
        check_close("strided axpy", i, y[i], expected[i], 0.0);

      /* x and y the same array: y = 2 y + y. */
      for (size_t i = 0; i < count; i++)
        expected[i] = 2.0f * expected[i] + expected[i];
      CHECK_EQ(numapool_axpy(pools[p], count, 2.0f, y, 1, y, 1), 0);
      for (size_t i = 0; i < count; i++)
        check_close("aliased axpy", i, y[i], expected[i], 0.0);
      free(x);
      free(y);
      free(expected);
    }
  }
  float v[8] = {0};
  CHECK_EQ(numapool_axpy(NULL, 4, 1.0f, v, 0, v + 4, 1), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_axpy(NULL, 4, 1.0f, v, 1, v + 2, 1), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_axpy(NULL, 4, 1.0f, NULL, 1, v, 1), NUMAPOOL_EINVAL);
  checks += 3;
}

/* ---- Reductions and softmax ---- */

static void test_reduce_all(void) {
  const size_t counts[] = {0, 1, 15, 17, 16384, 16385, 100003};
  numapool_tensor_t scalar;
  CHECK_EQ(numapool_tensor_init(&scalar, 0, NULL), 0);
  for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
    size_t count = counts[c];
    float *x = random_array(count, -1.0f, 1.0f);
    numapool_tensor_t desc;
    CHECK_EQ(numapool_tensor_init(&desc, 1, &count), 0);
    double sum = 0.0, abs_sum = 0.0;
    float max = -INFINITY;
    for (size_t i = 0; i < count; i++) {
      sum += x[i];
      abs_sum += fabs(x[i]);
      max = x[i] > max ? x[i] : max;
    }
    float first_sum = 0.0f;
    for (size_t p = 0; p < 3; p++) {
      float result = 1.0f;
      CHECK_EQ(numapool_reduce(pools[p], NUMAPOOL_REDUCE_SUM, &desc, x, NUMAPOOL_REDUCE_ALL,
                               &scalar, &result),
               0);
      /* The error bound of a blocked sum: a small multiple of eps * sum|x|
       * times log2 of the count. */
      check_close("sum", count, result, sum, 1e-6 * abs_sum * 20 + 1e-30);
      if (p == 0)
        first_sum = result;
      checks++;
      CHECK_MSG(same_bits(result, first_sum), "sums are bit-identical on every thread count");
      CHECK_EQ(numapool_reduce(pools[p], NUMAPOOL_REDUCE_MAX, &desc, x, NUMAPOOL_REDUCE_ALL,
                               &scalar, &result),
               0);
      check_close("max", count, result, max, 0.0);
    }

    /* The same values seen through a reversed stride, as a 2-D tensor:
     * the logical order differs, so only the tolerance applies. */
    if (count > 1 && count % 2 == 1) {
      numapool_tensor_t strided = {.rank = 1, .shape = {count / 2 + 1}, .strides = {-2}};
      double strided_sum = 0.0;
      for (size_t i = 0; i < count; i += 2)
        strided_sum += x[i];
      float result;
      CHECK_EQ(numapool_reduce(pools[1], NUMAPOOL_REDUCE_SUM, &strided, x + count - 1,
                               NUMAPOOL_REDUCE_ALL, &scalar, &result),
               0);
      check_close("strided sum", count, result, strided_sum, 1e-6 * abs_sum * 20);
    }
    free(x);
  }

  float nan_data[40];
  for (size_t i = 0; i < 40; i++)
    nan_data[i] = (float)i;
  nan_data[33] = NAN;
  size_t forty = 40;
  numapool_tensor_t nan_desc;
  CHECK_EQ(numapool_tensor_init(&nan_desc, 1, &forty), 0);
  float result = 0.0f;
  CHECK_EQ(numapool_reduce(NULL, NUMAPOOL_REDUCE_MAX, &nan_desc, nan_data, NUMAPOOL_REDUCE_ALL,
                           &scalar, &result),
           0);
  CHECK_MSG(isnan(result), "max propagates NaN");
  CHECK_EQ(numapool_reduce(NULL, NUMAPOOL_REDUCE_SUM, &nan_desc, nan_data, 1, &scalar, &result),
           NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_reduce(NULL, NUMAPOOL_REDUCE_SUM, &nan_desc, nan_data, NUMAPOOL_REDUCE_ALL,
                           &scalar, nan_data + 3),
           NUMAPOOL_EINVAL);
  checks += 3;
}

static void test_reduce_axis(void) {
  const size_t shape[3] = {13, 17, 35};
  numapool_tensor_t x_desc;
  CHECK_EQ(numapool_tensor_init(&x_desc, 3, shape), 0);
  float *x = random_array(13 * 17 * 35, -1.0f, 1.0f);
  float *y = malloc(17 * 35 * sizeof(float));
  float *first = malloc(17 * 35 * sizeof(float));
  CHECK(y != NULL);
  CHECK(first != NULL);

  for (int axis = 0; axis < 3; axis++) {
    size_t rest[2], e = 0;
    for (size_t d = 0; d < 3; d++)
      if ((int)d != axis)
        rest[e++] = shape[d];
    numapool_tensor_t y_desc;
    CHECK_EQ(numapool_tensor_init(&y_desc, 2, rest), 0);
    for (int op = NUMAPOOL_REDUCE_SUM; op <= NUMAPOOL_REDUCE_MAX; op++) {
      for (size_t p = 0; p < 3; p++) {
        CHECK_EQ(numapool_reduce(pools[p], op, &x_desc, x, axis, &y_desc, y), 0);
        if (p == 0)
          memcpy(first, y, rest[0] * rest[1] * sizeof(float));
        for (size_t i = 0; i < rest[0]; i++) {
          for (size_t j = 0; j < rest[1]; j++) {
            double expected = op == NUMAPOOL_REDUCE_SUM ? 0.0 : -INFINITY;
            for (size_t k = 0; k < shape[axis]; k++) {
              size_t index[3];
              size_t outer[2] = {i, j};
              for (size_t d = 0, f = 0; d < 3; d++)
                index[d] = (int)d == axis ? k : outer[f++];
              double v = x[offset_of(&x_desc, index)];
              expected = op == NUMAPOOL_REDUCE_SUM ? expected + v : fmax(expected, v);
            }
            check_close("axis", i * rest[1] + j, y[i * rest[1] + j], expected,
                        op == NUMAPOOL_REDUCE_SUM ? 1e-5 : 0.0);
            checks++;
            CHECK_MSG(same_bits(y[i * rest[1] + j], first[i * rest[1] + j]),
                      "axis results are bit-identical on every thread count");
          }
        }
      }
    }
  }

  /* A rank-1 tensor reduced over its only axis gives a rank-0 result,
   * with the same bits as the reduction over every element. */
  size_t hundred = 100;
  numapool_tensor_t line, scalar;
  CHECK_EQ(numapool_tensor_init(&line, 1, &hundred), 0);
  CHECK_EQ(numapool_tensor_init(&scalar, 0, NULL), 0);
  float by_axis = 0.0f, by_all = 1.0f;
  CHECK_EQ(numapool_reduce(pools[1], NUMAPOOL_REDUCE_SUM, &line, x, 0, &scalar, &by_axis), 0);
  CHECK_EQ(numapool_reduce(pools[1], NUMAPOOL_REDUCE_SUM, &line, x, NUMAPOOL_REDUCE_ALL, &scalar,
                           &by_all),
           0);
  checks++;
  CHECK_MSG(same_bits(by_axis, by_all), "axis 0 of a vector sums like the whole vector");

  /* An empty axis gives the identity. */
  const size_t empty_shape[2] = {3, 0}, three = 3;
  numapool_tensor_t e_desc, e_out;
  CHECK_EQ(numapool_tensor_init(&e_desc, 2, empty_shape), 0);
  CHECK_EQ(numapool_tensor_init(&e_out, 1, &three), 0);
  CHECK_EQ(numapool_reduce(NULL, NUMAPOOL_REDUCE_MAX, &e_desc, x, 1, &e_out, y), 0);
  for (size_t i = 0; i < 3; i++)
    CHECK_MSG(y[i] == -INFINITY, "the max over an empty axis is -inf");
  CHECK_EQ(numapool_reduce(NULL, NUMAPOOL_REDUCE_SUM, &e_desc, x, 1, &e_out, y), 0);
  for (size_t i = 0; i < 3; i++)
    CHECK_MSG(y[i] == 0.0f, "the sum over an empty axis is 0");
  CHECK_EQ(numapool_reduce(NULL, NUMAPOOL_REDUCE_SUM, &x_desc, x, 3, &e_out, y), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_reduce(NULL, NUMAPOOL_REDUCE_SUM, &x_desc, x, 0, &e_out, y), NUMAPOOL_EINVAL);
  checks += 4;
  free(x);
  free(y);
  free(first);
}

static void check_softmax(const numapool_tensor_t *x_desc, const float *x,
                          const numapool_tensor_t *y_desc, const float *y) {
  size_t rows = 1, last = x_desc->rank - 1, length = x_desc->shape[last];
  for (size_t d = 0; d < last; d++)
    rows *= x_desc->shape[d];
  size_t index[NUMAPOOL_MAX_DIMS] = {0};
  for (size_t r = 0; r < rows; r++) {
    double max = -INFINITY, sum = 0.0;
    for (index[last] = 0; index[last] < length; index[last]++)
      max = fmax(max, x[offset_of(x_desc, index)]);
    for (index[last] = 0; index[last] < length; index[last]++)
      sum += exp(x[offset_of(x_desc, index)] - max);
    for (index[last] = 0; index[last] < length; index[last]++) {
      double expected = exp(x[offset_of(x_desc, index)] - max) / sum;
      check_close("softmax", r, y[offset_of(y_desc, index)], expected, 2e-6 * expected + 1e-9);
    }
    index[last] = 0;
    if (last > 0)
      next_index(last, x_desc->shape, index);
  }
}

static void test_softmax(void) {
  const size_t shapes[][2] = {{1, 1}, {7, 15}, {5, 16}, {3, 1000}, {300, 257}};
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    numapool_tensor_t desc;
    CHECK_EQ(numapool_tensor_init(&desc, 2, shapes[s]), 0);
    size_t count = shapes[s][0] * shapes[s][1];
    float *x = random_array(count, -20.0f, 20.0f);
    float *y = malloc(count * sizeof(float));
    CHECK(y != NULL);
    for (size_t p = 0; p < 3; p++) {
      CHECK_EQ(numapool_softmax(pools[p], &desc, x, &desc, y), 0);
      check_softmax(&desc, x, &desc, y);
    }
    /* In place. */
    memcpy(y, x, count * sizeof(float));
    CHECK_EQ(numapool_softmax(pools[1], &desc, y, &desc, y), 0);
    check_softmax(&desc, x, &desc, y);

    /* Over the first dimension of the buffer: the transposed view. */
    numapool_tensor_t t = {.rank = 2, .shape = {shapes[s][1], shapes[s][0]},
                           .strides = {1, (ptrdiff_t)shapes[s][1]}};
    CHECK_EQ(numapool_softmax(pools[2], &t, x, &t, y), 0);
    check_softmax(&t, x, &t, y);
    free(x);
    free(y);
  }
  float v[4] = {0};
  numapool_tensor_t scalar;
  CHECK_EQ(numapool_tensor_init(&scalar, 0, NULL), 0);
  CHECK_EQ(numapool_softmax(NULL, &scalar, v, &scalar, v + 1), NUMAPOOL_EINVAL);
  checks++;
}

int main(void) {
  pools[0] = NULL;
  numapool_options_t two = {.thread_count = 2}, three = {.thread_count = 3};
  pools[1] = numapool_create(&two);
  pools[2] = numapool_create(&three);
  CHECK(pools[1] != NULL);
  CHECK(pools[2] != NULL);

  test_unary_contiguous();
  test_unary_accuracy();
  test_unary_strided();
  test_binary_broadcast();
  test_binary_errors();
  test_axpy();
  test_reduce_all();
  test_reduce_axis();
  test_softmax();

  numapool_destroy(pools[1]);
  numapool_destroy(pools[2]);
  return check_done("kernels_eltwise", checks);
}
