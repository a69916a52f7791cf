/* numapool-perf gemm --mpi: the SUMMA distributed GEMM of numapool_mpi
 * over the ranks of mpirun, one pool per rank. Rank 0 gathers every rank's
 * times and writes the one report. Every rank checks its block of C
 * against a single-rank numapool GEMM. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"

#if PERF_HAVE_MPI

#include <numapool/mpi.h>

/* Per-rank times gathered into the report, at most this many ranks. */
#define MAX_RANK_EXTRAS 8
#define DEFAULT_SIZE 1024
#define DEFAULT_REPETITIONS 5
#define DEFAULT_WARMUP 1

/* Entries are multiples of 1/16 in [-0.5, 0.5], so every product and every
 * sum of up to 2^14 of them is exact in float and double, whatever the
 * order of summation: results compare exactly. */
static double entry(size_t row, size_t col, unsigned seed) {
  return (double)((row * 13 + col * 7 + seed * 5) % 17) / 16.0 - 0.5;
}

typedef struct mpi_problem {
  bool f64;
  int m, n, k;
  int rank, ranks, grid_rows, grid_cols;
  numapool_t *pool;
  numapool_block_2d_t a, b, c;
  void *a_block, *b_block, *c_block;
} mpi_problem_t;

static size_t element_size(const mpi_problem_t *problem) {
  return problem->f64 ? sizeof(double) : sizeof(float);
}

static void store(const mpi_problem_t *problem, void *base, size_t index, double value) {
  if (problem->f64)
    ((double *)base)[index] = value;
  else
    ((float *)base)[index] = (float)value;
}

static double load(const mpi_problem_t *problem, const void *base, size_t index) {
  return problem->f64 ? ((const double *)base)[index] : ((const float *)base)[index];
}

/* Fills a block of a global matrix whose entries come from entry(). */
static void fill_block(const mpi_problem_t *problem, void *base, const numapool_block_2d_t *b,
                       unsigned seed) {
  for (size_t r = 0; r < b->rows; r++)
    for (size_t c = 0; c < b->cols; c++)
      store(problem, base, r * b->cols + c, entry(b->row_begin + r, b->col_begin + c, seed));
}

static int local_gemm(const mpi_problem_t *problem, int m, int n, int k, const void *a,
                      const void *b, void *c) {
  int lda = k > 0 ? k : 1;
  int ldb = n > 0 ? n : 1;
  if (problem->f64)
    return numapool_dgemm(problem->pool, NUMAPOOL_ROW_MAJOR, NUMAPOOL_NO_TRANS,
                          NUMAPOOL_NO_TRANS, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldb);
  return numapool_sgemm(problem->pool, NUMAPOOL_ROW_MAJOR, NUMAPOOL_NO_TRANS, NUMAPOOL_NO_TRANS,
                        m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldb);
}

static int distributed_gemm(const mpi_problem_t *problem) {
  if (problem->f64)
    return numapool_mpi_dgemm(problem->pool, MPI_COMM_WORLD, problem->grid_rows,
                              problem->grid_cols, problem->m, problem->n, problem->k,
                              problem->a_block, problem->b_block, problem->c_block, 0);
  return numapool_mpi_sgemm(problem->pool, MPI_COMM_WORLD, problem->grid_rows,
                            problem->grid_cols, problem->m, problem->n, problem->k,
                            problem->a_block, problem->b_block, problem->c_block, 0);
}

/* Computes this rank's C block with one single-rank GEMM on the full rows
 * of A and columns of B that it needs, and counts the entries of the
 * distributed result that differ. Returns the count, or -1 when out of
 * memory. */
static long count_wrong(const mpi_problem_t *problem) {
  const numapool_block_2d_t *c = &problem->c;
  numapool_block_2d_t rows_of_a = {c->row_begin, c->rows, 0, (size_t)problem->k};
  numapool_block_2d_t cols_of_b = {0, (size_t)problem->k, c->col_begin, c->cols};
  size_t es = element_size(problem);
  void *a = malloc((rows_of_a.rows * rows_of_a.cols + 1) * es);
  void *b = malloc((cols_of_b.rows * cols_of_b.cols + 1) * es);
  void *reference = malloc((c->rows * c->cols + 1) * es);
  long wrong = -1;
  if (a != NULL && b != NULL && reference != NULL) {
    fill_block(problem, a, &rows_of_a, 1);
    fill_block(problem, b, &cols_of_b, 2);
    if (local_gemm(problem, (int)c->rows, (int)c->cols, problem->k, a, b, reference) == 0) {
      wrong = 0;
      for (size_t i = 0; i < c->rows * c->cols; i++)
        wrong += load(problem, reference, i) != load(problem, problem->c_block, i);
    }
  }
  free(a);
  free(b);
  free(reference);
  return wrong;
}

static int allocate_blocks(mpi_problem_t *problem) {
  size_t es = element_size(problem);
  size_t rank = (size_t)problem->rank;
  numapool_block_2d(problem->m, problem->k, problem->grid_rows, problem->grid_cols, rank,
                    &problem->a);
  numapool_block_2d(problem->k, problem->n, problem->grid_rows, problem->grid_cols, rank,
                    &problem->b);
  numapool_block_2d(problem->m, problem->n, problem->grid_rows, problem->grid_cols, rank,
                    &problem->c);
  problem->a_block = numapool_block_alloc(problem->pool, problem->a.rows, problem->a.cols, es);
  problem->b_block = numapool_block_alloc(problem->pool, problem->b.rows, problem->b.cols, es);
  problem->c_block = numapool_block_alloc(problem->pool, problem->c.rows, problem->c.cols, es);
  if (problem->a_block == NULL || problem->b_block == NULL || problem->c_block == NULL)
    return -1;
  fill_block(problem, problem->a_block, &problem->a, 1);
  fill_block(problem, problem->b_block, &problem->b, 2);
  return 0;
}

static void free_blocks(mpi_problem_t *problem) {
  numapool_block_free(problem->a_block);
  numapool_block_free(problem->b_block);
  numapool_block_free(problem->c_block);
}

/* Times the distributed GEMM: each sample is the slowest rank's time
 * between two barriers. Also returns this rank's own median. */
static int time_runs(const mpi_problem_t *problem, size_t warmup, double *samples, size_t count,
                     double *own_median) {
  double *own = calloc(count, sizeof *own);
  if (own == NULL)
    return -1;
  int status = 0;
  for (size_t i = 0; i < warmup + count && status == 0; i++) {
    MPI_Barrier(MPI_COMM_WORLD);
    double start = MPI_Wtime();
    status = distributed_gemm(problem);
    double seconds = MPI_Wtime() - start;
    if (i >= warmup) {
      own[i - warmup] = seconds;
      MPI_Allreduce(&seconds, &samples[i - warmup], 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    }
  }
  *own_median = perf_stats_compute(own, count).median_s;
  free(own);
  return status;
}

/* Adds rank 0's result: the slowest rank's times, every rank's own
 * median, and what the check found. */
static void add_result(perf_report_t *report, const mpi_problem_t *problem, size_t threads,
                       const double *samples, size_t count, const double *medians,
                       long wrong, long unchecked) {
  perf_result_t *result =
      perf_report_add(report, problem->f64 ? "gemm_mpi.f64" : "gemm_mpi.f32", threads);
  if (result == NULL)
    return;
  result->stats = perf_stats_compute(samples, count);
  result->gflops = 2.0 * problem->m * problem->n * (double)problem->k /
                   result->stats.median_s * 1e-9;
  perf_result_param_number(result, "m", problem->m);
  perf_result_param_number(result, "n", problem->n);
  perf_result_param_number(result, "k", problem->k);
  perf_result_param_number(result, "ranks", problem->ranks);
  perf_result_param(result, "grid", "%dx%d", problem->grid_rows, problem->grid_cols);
  for (int r = 0; r < problem->ranks && r < MAX_RANK_EXTRAS; r++) {
    char name[32];
    snprintf(name, sizeof name, "rank%d_median_s", r);
    perf_result_extra(result, name, medians[r]);
  }
  perf_result_extra(result, "wrong_entries", (double)wrong);
  if (unchecked > 0)
    snprintf(result->note, sizeof result->note, "not checked on %ld ranks: out of memory",
             unchecked);
  else
    snprintf(result->note, sizeof result->note,
             "threads are per rank; times are the slowest rank's; C checked exactly against "
             "a single-rank GEMM on every rank");
}

/* Runs one size, precision and thread count on every rank; rank 0 adds
 * the result. Returns 0 or PERF_EXIT_FAILED. */
static int mpi_one(perf_report_t *report, const perf_options_t *options, mpi_problem_t *problem,
                   size_t threads) {
  size_t count = options->repetitions > 0 ? (size_t)options->repetitions : DEFAULT_REPETITIONS;
  size_t warmup = options->warmup >= 0 ? (size_t)options->warmup : DEFAULT_WARMUP;
  double *samples = calloc(count, sizeof *samples);
  problem->pool = perf_pool_create(options, threads);
  int failed = samples == NULL || problem->pool == NULL || allocate_blocks(problem) != 0;

  /* Every rank must agree before the collective calls start. */
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  double own_median = NAN;
  if (!any_failed)
    failed = time_runs(problem, warmup, samples, count, &own_median) != 0;

  long wrong = failed || any_failed ? -1 : count_wrong(problem);
  long local[2] = {wrong > 0 ? wrong : 0, wrong < 0 ? 1 : 0};
  long global[2] = {0, 0};
  MPI_Allreduce(local, global, 2, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  double *medians = problem->rank == 0 ? calloc((size_t)problem->ranks, sizeof *medians) : NULL;
  MPI_Gather(&own_median, 1, MPI_DOUBLE, medians, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);

  if (problem->rank == 0 && !any_failed && !failed && medians != NULL)
    add_result(report, problem, threads, samples, count, medians, global[0], global[1]);
  if (problem->rank == 0 && global[0] > 0)
    fprintf(stderr, "numapool-perf: gemm --mpi %dx%dx%d: %ld entries of C are wrong\n",
            problem->m, problem->n, problem->k, global[0]);

  free(medians);
  free(samples);
  free_blocks(problem);
  numapool_destroy(problem->pool);
  return any_failed || failed || global[0] != 0 || global[1] != 0 ? PERF_EXIT_FAILED : 0;
}

int perf_gemm_mpi(perf_report_t *report, perf_options_t *options) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
      fprintf(stderr, "numapool-perf: gemm --mpi: MPI_Init_thread failed\n");
      return PERF_EXIT_FAILED;
    }
  }
  mpi_problem_t problem = {0};
  MPI_Comm_rank(MPI_COMM_WORLD, &problem.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &problem.ranks);
  numapool_mpi_grid(problem.ranks, &problem.grid_rows, &problem.grid_cols);
  report->suppress_output = problem.rank != 0;

  if (options->size_count == 0) {
    options->sizes[0][0] = options->sizes[0][1] = options->sizes[0][2] = DEFAULT_SIZE;
    options->size_count = 1;
  }
  const char *precision = options->precision != NULL ? options->precision : "f64";
  int status = 0;
  for (int f64 = 1; f64 >= 0; f64--) {
    if (strcmp(precision, "both") != 0 && strcmp(precision, f64 ? "f64" : "f32") != 0)
      continue;
    for (size_t s = 0; s < options->size_count; s++) {
      for (size_t t = 0; t < options->thread_list_count; t++) {
        problem.f64 = f64;
        problem.m = (int)options->sizes[s][0];
        problem.n = (int)options->sizes[s][1];
        problem.k = (int)options->sizes[s][2];
        if (problem.rank == 0)
          perf_progress("gemm --mpi %s %dx%dx%d on %d ranks, %zu threads each",
                        f64 ? "f64" : "f32", problem.m, problem.n, problem.k, problem.ranks,
                        options->threads[t]);
        if (mpi_one(report, options, &problem, options->threads[t]) != 0)
          status = PERF_EXIT_FAILED;
      }
    }
  }

  if (!initialized)
    MPI_Finalize();
  return status;
}

#else

int perf_gemm_mpi(perf_report_t *report, perf_options_t *options) {
  (void)report;
  perf_usage_error(options->subcommand,
                   "--mpi is not built: numapool-perf was configured without MPI; install "
                   "libopenmpi-dev and openmpi-bin, then reconfigure and rebuild");
  return PERF_EXIT_USAGE;
}

#endif
