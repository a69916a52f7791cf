/* Invalid arguments of numapool_sgemm and numapool_dgemm: each one returns
 * NUMAPOOL_EINVAL, leaves C unchanged, and logs the parameter's position
 * and name. Also the calls that are valid although they look odd: empty
 * shapes with NULL matrices, and alpha = 0 or k = 0 with NULL A and B. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <numapool/kernels.h>

#include "check.h"

static unsigned checks;
static FILE *captured;
static int saved_stderr = -1;

/* Sends the library's stderr into a temporary file until capture_end(). */
static void capture_begin(void) {
  fflush(stderr);
  captured = tmpfile();
  CHECK(captured != NULL);
  saved_stderr = dup(STDERR_FILENO);
  CHECK(saved_stderr >= 0);
  CHECK(dup2(fileno(captured), STDERR_FILENO) >= 0);
}

/* Restores stderr and returns what was written meanwhile. */
static const char *capture_end(void) {
  static char text[1024];
  fflush(stderr);
  CHECK(dup2(saved_stderr, STDERR_FILENO) >= 0);
  close(saved_stderr);
  rewind(captured);
  size_t length = fread(text, 1, sizeof text - 1, captured);
  text[length] = '\0';
  fclose(captured);
  return text;
}

typedef struct call {
  numapool_layout_t layout;
  numapool_transpose_t trans_a, trans_b;
  int m, n, k;
  float alpha;
  bool null_a, null_b, null_c;
  int lda, ldb, ldc;
  float beta;
} call_t;

/* A valid column-major 4x3x5 call with every leading dimension tight. */
static call_t valid_call(void) {
  return (call_t){NUMAPOOL_COL_MAJOR, NUMAPOOL_NO_TRANS, NUMAPOOL_NO_TRANS, 4, 3, 5, 1.0f,
                  false, false, false, 4, 5, 4, 0.5f};
}

static float a_data[64], b_data[64], c_data[64];
static double ad_data[64], bd_data[64], cd_data[64];

static int call_sgemm(const call_t *call) {
  return numapool_sgemm(NULL, call->layout, call->trans_a, call->trans_b, call->m, call->n,
                        call->k, call->alpha, call->null_a ? NULL : a_data, call->lda,
                        call->null_b ? NULL : b_data, call->ldb, call->beta,
                        call->null_c ? NULL : c_data, call->ldc);
}

static int call_dgemm(const call_t *call) {
  return numapool_dgemm(NULL, call->layout, call->trans_a, call->trans_b, call->m, call->n,
                        call->k, call->alpha, call->null_a ? NULL : ad_data, call->lda,
                        call->null_b ? NULL : bd_data, call->ldb, call->beta,
                        call->null_c ? NULL : cd_data, call->ldc);
}

/* Checks that call fails with EINVAL, leaves C alone and logs the
 * parameter as "parameter <position> (<name>)". */
static void expect_invalid(const call_t *call, const char *parameter) {
  for (int precision = 0; precision < 2; precision++) {
    for (int i = 0; i < 64; i++) {
      c_data[i] = (float)i;
      cd_data[i] = (double)i;
    }
    capture_begin();
    int status = precision == 0 ? call_sgemm(call) : call_dgemm(call);
    const char *log = capture_end();

    char detail[1200];
    snprintf(detail, sizeof detail, "expected an error naming '%s', log: %s", parameter, log);
    CHECK_MSG(status == NUMAPOOL_EINVAL, detail);
    CHECK_MSG(strstr(log, parameter) != NULL, detail);
    CHECK_MSG(strstr(log, precision == 0 ? "numapool_sgemm" : "numapool_dgemm") != NULL, detail);
    for (int i = 0; i < 64; i++) {
      CHECK_EQ((long long)c_data[i], i);
      CHECK_EQ((long long)cd_data[i], i);
    }
    checks++;
  }
}

static void expect_valid(const call_t *call, const char *what) {
  CHECK_MSG(call_sgemm(call) == 0, what);
  CHECK_MSG(call_dgemm(call) == 0, what);
  checks++;
}

static void check_invalid_arguments(void) {
  call_t call = valid_call();
  expect_valid(&call, "the base call");

  call = valid_call();
  call.layout = (numapool_layout_t)100;
  expect_invalid(&call, "parameter 2 (layout)");
  call = valid_call();
  call.trans_a = (numapool_transpose_t)114;
  expect_invalid(&call, "parameter 3 (trans_a)");
  call = valid_call();
  call.trans_b = (numapool_transpose_t)0;
  expect_invalid(&call, "parameter 4 (trans_b)");
  call = valid_call();
  call.m = -1;
  expect_invalid(&call, "parameter 5 (m)");
  call = valid_call();
  call.n = -2;
  expect_invalid(&call, "parameter 6 (n)");
  call = valid_call();
  call.k = -3;
  expect_invalid(&call, "parameter 7 (k)");

  /* Column-major, no transpose: lda >= m, ldb >= k, ldc >= m. */
  call = valid_call();
  call.lda = 3;
  expect_invalid(&call, "parameter 10 (lda)");
  call = valid_call();
  call.ldb = 4;
  expect_invalid(&call, "parameter 12 (ldb)");
  call = valid_call();
  call.ldc = 3;
  expect_invalid(&call, "parameter 15 (ldc)");

  /* Transposed column-major: lda >= k, ldb >= n. */
  call = valid_call();
  call.trans_a = NUMAPOOL_TRANS;
  call.lda = 4;
  expect_invalid(&call, "parameter 10 (lda)");
  call.lda = 5;
  expect_valid(&call, "column-major A^T with lda = k");
  call = valid_call();
  call.trans_b = NUMAPOOL_CONJ_TRANS;
  call.ldb = 2;
  expect_invalid(&call, "parameter 12 (ldb)");
  call.ldb = 3;
  expect_valid(&call, "column-major B^H with ldb = n");

  /* Row-major: lda >= k, ldb >= n, ldc >= n when not transposed. */
  call = valid_call();
  call.layout = NUMAPOOL_ROW_MAJOR;
  call.lda = 5;
  call.ldb = 3;
  call.ldc = 3;
  expect_valid(&call, "row-major with tight leading dimensions");
  call.lda = 4;
  expect_invalid(&call, "parameter 10 (lda)");
  call.lda = 5;
  call.ldb = 2;
  expect_invalid(&call, "parameter 12 (ldb)");
  call.ldb = 3;
  call.ldc = 2;
  expect_invalid(&call, "parameter 15 (ldc)");
  call.ldc = 3;
  call.trans_a = NUMAPOOL_TRANS;
  call.lda = 3;
  expect_invalid(&call, "parameter 10 (lda)");
  call.lda = 4;
  call.trans_b = NUMAPOOL_TRANS;
  call.ldb = 4;
  expect_invalid(&call, "parameter 12 (ldb)");
  call.ldb = 5;
  expect_valid(&call, "row-major A^T B^T with tight leading dimensions");

  /* A leading dimension of 0 is invalid even for an empty matrix. */
  call = valid_call();
  call.m = 0;
  call.lda = 0;
  expect_invalid(&call, "parameter 10 (lda)");

  /* NULL matrices in calls that read or write them. */
  call = valid_call();
  call.null_a = true;
  expect_invalid(&call, "parameter 9 (a)");
  call = valid_call();
  call.null_b = true;
  expect_invalid(&call, "parameter 11 (b)");
  call = valid_call();
  call.null_c = true;
  expect_invalid(&call, "parameter 14 (c)");
}

static void check_valid_edge_calls(void) {
  call_t call = valid_call();
  call.m = 0;
  call.null_a = call.null_b = call.null_c = true;
  expect_valid(&call, "m = 0 with NULL matrices");
  call = valid_call();
  call.n = 0;
  call.null_a = call.null_b = call.null_c = true;
  expect_valid(&call, "n = 0 with NULL matrices");
  call = valid_call();
  call.k = 0;
  call.null_a = call.null_b = true;
  expect_valid(&call, "k = 0 with NULL A and B");
  call = valid_call();
  call.alpha = 0;
  call.null_a = call.null_b = true;
  expect_valid(&call, "alpha = 0 with NULL A and B");

  /* A NULL pool and a CBLAS-valued layout work as documented. */
  CHECK_EQ(NUMAPOOL_ROW_MAJOR, 101);
  CHECK_EQ(NUMAPOOL_COL_MAJOR, 102);
  CHECK_EQ(NUMAPOOL_NO_TRANS, 111);
  CHECK_EQ(NUMAPOOL_TRANS, 112);
  CHECK_EQ(NUMAPOOL_CONJ_TRANS, 113);
  checks++;
}

int main(void) {
  check_invalid_arguments();
  check_valid_edge_calls();
  return check_done("kernels_gemm_errors", checks);
}
