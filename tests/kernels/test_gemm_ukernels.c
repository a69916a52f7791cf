/* Each GEMM microkernel the CPU can run, narrow variants included, against
 * the portable reference tile update. Packed panels have several depths,
 * alpha and beta are 0, 1 and other values, C holds NaN when beta is 0,
 * and the padding of C must stay untouched. The kernel sources are
 * compiled into this program, so it reaches them without exported
 * symbols. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels/gemm_ukernels.h"

#define LD_PAD 3

static unsigned checks;
static unsigned long long random_state = 0x2545f4914f6cdd1dull;

static double random_value(void) {
  random_state = random_state * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(random_state >> 11) / (double)(1ull << 53) * 2.0 - 1.0;
}

static const size_t depths[] = {0, 1, 2, 3, 7, 16, 17, 100, 385};
static const double scalars[][2] = {{1, 0}, {1, 1}, {-0.5, 2}, {2, 0}, {0, 1.5}, {0, 0}};

/* Defines check_<P>(name, kernel, mr, nr, width): runs the kernel, which
 * computes the first width columns of an mr x nr tile, against the
 * reference over every depth and scalar pair. */
#define DEFINE_CHECK(P, T, EPS, KERNEL_T, REFERENCE)                           \
  static void check_##P(const char *name, KERNEL_T kernel, size_t mr,          \
                        size_t nr, size_t width) {                             \
    size_t ldc = mr + LD_PAD, c_count = ldc * nr;                              \
    char detail[200];                                                          \
    for (size_t d = 0; d < sizeof depths / sizeof depths[0]; d++) {            \
      size_t k = depths[d];                                                    \
      T *a = malloc((mr * k + 1) * sizeof(T)), *b = malloc((nr * k + 1) * sizeof(T)); \
      T *c0 = malloc(c_count * sizeof(T)), *c = malloc(c_count * sizeof(T));   \
      T *expected = malloc(c_count * sizeof(T));                               \
      CHECK(a != NULL && b != NULL && c0 != NULL && c != NULL && expected != NULL); \
      for (size_t i = 0; i < mr * k; i++)                                      \
        a[i] = (T)random_value();                                              \
      for (size_t i = 0; i < nr * k; i++)                                      \
        b[i] = (T)random_value();                                              \
      for (size_t s = 0; s < sizeof scalars / sizeof scalars[0]; s++) {        \
        T alpha = (T)scalars[s][0], beta = (T)scalars[s][1];                   \
        for (size_t i = 0; i < c_count; i++)                                   \
          c0[i] = beta == 0 ? (T)NAN : (T)random_value();                      \
        memcpy(c, c0, c_count * sizeof(T));                                    \
        memcpy(expected, c0, c_count * sizeof(T));                             \
        kernel(k, a, b, c, ldc, alpha, beta);                                  \
        REFERENCE(mr, nr, k, a, b, expected, ldc, alpha, beta);                \
        for (size_t j = 0; j < nr; j++) {                                      \
          for (size_t i = 0; i < ldc; i++) {                                   \
            size_t at = i + j * ldc;                                           \
            snprintf(detail, sizeof detail,                                    \
                     "%s: C(%zu,%zu) = %.9g, expected %.9g, k=%zu alpha=%g beta=%g", \
                     name, i, j, (double)c[at], (double)expected[at], k,       \
                     (double)alpha, (double)beta);                             \
            if (i >= mr || j >= width) {                                       \
              /* Outside the computed columns, or ldc padding. */              \
              CHECK_MSG(memcmp(&c[at], &c0[at], sizeof(T)) == 0, detail);      \
              continue;                                                        \
            }                                                                  \
            double tolerance = 4.0 * (double)(k + 2) * (EPS) *                 \
                               (fabs((double)alpha) * (double)k + fabs((double)beta) * 1.0) + 1e-30; \
            CHECK_MSG(fabs((double)c[at] - (double)expected[at]) <= tolerance, detail); \
          }                                                                    \
        }                                                                      \
        checks++;                                                              \
      }                                                                        \
      free(a);                                                                 \
      free(b);                                                                 \
      free(c0);                                                                \
      free(c);                                                                 \
      free(expected);                                                          \
    }                                                                          \
  }

DEFINE_CHECK(s, float, 5.96e-8, numapool__sgemm_ukernel_t, numapool__sgemm_tile_reference)
DEFINE_CHECK(d, double, 1.11e-16, numapool__dgemm_ukernel_t, numapool__dgemm_tile_reference)

static void check_sgemm_set(const numapool__sgemm_ukernel_info_t *info) {
  const numapool__gemm_blocking_t *blocking = &info->blocking;
  CHECK(blocking->mr * blocking->nr <= 32 * 16);
  CHECK(blocking->mc % blocking->mr == 0);
  CHECK(blocking->nc % blocking->nr == 0);
  check_s(info->name, info->kernel, blocking->mr, blocking->nr, blocking->nr);
  for (size_t i = 0; blocking->narrow_step != 0 && i < NUMAPOOL__GEMM_MAX_NARROW; i++) {
    size_t width = (i + 1) * blocking->narrow_step;
    if (width >= blocking->nr)
      break;
    CHECK(info->narrow[i] != NULL);
    check_s(info->name, info->narrow[i], blocking->mr, blocking->nr, width);
  }
  printf("checked %s\n", info->name);
}

static void check_dgemm_set(const numapool__dgemm_ukernel_info_t *info) {
  const numapool__gemm_blocking_t *blocking = &info->blocking;
  CHECK(blocking->mr * blocking->nr <= 32 * 16);
  CHECK(blocking->mc % blocking->mr == 0);
  CHECK(blocking->nc % blocking->nr == 0);
  check_d(info->name, info->kernel, blocking->mr, blocking->nr, blocking->nr);
  for (size_t i = 0; blocking->narrow_step != 0 && i < NUMAPOOL__GEMM_MAX_NARROW; i++) {
    size_t width = (i + 1) * blocking->narrow_step;
    if (width >= blocking->nr)
      break;
    CHECK(info->narrow[i] != NULL);
    check_d(info->name, info->narrow[i], blocking->mr, blocking->nr, width);
  }
  printf("checked %s\n", info->name);
}

int main(void) {
  check_sgemm_set(&numapool__sgemm_ukernel_portable);
  check_dgemm_set(&numapool__dgemm_ukernel_portable);

  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    check_sgemm_set(&numapool__sgemm_ukernel_avx2);
    check_dgemm_set(&numapool__dgemm_ukernel_avx2);
  } else {
    printf("NOTE: this CPU lacks AVX2 or FMA: the AVX2 kernels were not run\n");
  }
  if (__builtin_cpu_supports("avx512f")) {
    check_sgemm_set(&numapool__sgemm_ukernel_avx512);
    check_dgemm_set(&numapool__dgemm_ukernel_avx512);
  } else {
    printf("NOTE: this CPU lacks AVX-512F: the AVX-512 kernels were not run\n");
  }
  return check_done("kernels_gemm_ukernels", checks);
}
