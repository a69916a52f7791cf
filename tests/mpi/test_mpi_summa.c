/* The distributed GEMM matches a single-rank numapool_dgemm on the whole
 * matrices, for every grid shape the rank count allows. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include <numapool/mpi.h>

#include "check.h"

/* Deterministic matrix entries, exact in binary floating point. */
static double entry(size_t row, size_t col, unsigned seed) {
  return (double)((row * 31 + col * 17 + seed * 7) % 19) - 9.0;
}

/* Copies rows x cols of a global row-major matrix into a block. */
static double *extract(const double *global, size_t global_cols, const numapool_block_2d_t *b) {
  double *block = malloc((b->rows * b->cols + 1) * sizeof(double));
  CHECK(block != NULL);
  for (size_t r = 0; r < b->rows; r++)
    for (size_t c = 0; c < b->cols; c++)
      block[r * b->cols + c] = global[(b->row_begin + r) * global_cols + b->col_begin + c];
  return block;
}

static unsigned run_case(numapool_t *pool, int grid_rows, int grid_cols, int m, int n, int k,
                         int panel) {
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  double *a = malloc(((size_t)m * k + 1) * sizeof(double));
  double *b = malloc(((size_t)k * n + 1) * sizeof(double));
  double *reference = malloc(((size_t)m * n + 1) * sizeof(double));
  CHECK(a != NULL);
  CHECK(b != NULL);
  CHECK(reference != NULL);
  for (int i = 0; i < m; i++)
    for (int j = 0; j < k; j++)
      a[(size_t)i * k + j] = entry(i, j, 1);
  for (int i = 0; i < k; i++)
    for (int j = 0; j < n; j++)
      b[(size_t)i * n + j] = entry(i, j, 2);
  CHECK_EQ(numapool_dgemm(pool, NUMAPOOL_ROW_MAJOR, NUMAPOOL_NO_TRANS, NUMAPOOL_NO_TRANS, m, n, k,
                          1.0, a, k > 0 ? k : 1, b, n > 0 ? n : 1, 0.0, reference, n > 0 ? n : 1),
           0);

  numapool_block_2d_t a_block, b_block, c_block;
  CHECK_EQ(numapool_block_2d(m, k, grid_rows, grid_cols, rank, &a_block), 0);
  CHECK_EQ(numapool_block_2d(k, n, grid_rows, grid_cols, rank, &b_block), 0);
  CHECK_EQ(numapool_block_2d(m, n, grid_rows, grid_cols, rank, &c_block), 0);
  double *a_local = extract(a, k, &a_block);
  double *b_local = extract(b, n, &b_block);
  double *c_local = malloc((c_block.rows * c_block.cols + 1) * sizeof(double));
  CHECK(c_local != NULL);
  for (size_t i = 0; i < c_block.rows * c_block.cols; i++)
    c_local[i] = NAN; /* the result must not depend on C's contents */

  CHECK_EQ(numapool_mpi_dgemm(pool, MPI_COMM_WORLD, grid_rows, grid_cols, m, n, k, a_local, b_local,
                              c_local, panel),
           0);

  /* Entries are small integers, so every sum is exact. */
  for (size_t r = 0; r < c_block.rows; r++) {
    for (size_t c = 0; c < c_block.cols; c++) {
      double expected = reference[(c_block.row_begin + r) * n + c_block.col_begin + c];
      double actual = c_local[r * c_block.cols + c];
      if (actual != expected) {
        fprintf(stderr, "rank %d grid %dx%d m %d n %d k %d: C[%zu][%zu] = %g, expected %g\n", rank,
                grid_rows, grid_cols, m, n, k, c_block.row_begin + r, c_block.col_begin + c, actual,
                expected);
        CHECK(actual == expected);
      }
    }
  }
  free(a);
  free(b);
  free(reference);
  free(a_local);
  free(b_local);
  free(c_local);
  return 1;
}

int main(int argc, char **argv) {
  int provided;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  CHECK(provided >= MPI_THREAD_FUNNELED);
  int rank, ranks;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  numapool_t *pool = numapool_create(NULL);
  CHECK(pool != NULL);
  unsigned passed = 0;

  /* Every factor pair of the rank count, odd sizes, panels that do and do
   * not divide the blocks, and k = 0. */
  static const int shapes[][4] = {
      {67, 45, 53, 16}, {64, 64, 64, 0}, {5, 7, 3, 1}, {1, 1, 1, 4}, {33, 20, 0, 8}, {3, 2, 9, 2},
  };
  for (int rows = 1; rows <= ranks; rows++) {
    if (ranks % rows != 0)
      continue;
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
      passed += run_case(pool, rows, ranks / rows, shapes[s][0], shapes[s][1], shapes[s][2],
                         shapes[s][3]);
  }

  /* Invalid grids and sizes are rejected on every rank alike. */
  double dummy = 0;
  CHECK_EQ(
      numapool_mpi_dgemm(pool, MPI_COMM_WORLD, ranks + 1, 1, 1, 1, 1, &dummy, &dummy, &dummy, 0),
      NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_mpi_dgemm(pool, MPI_COMM_WORLD, 1, ranks, -1, 1, 1, &dummy, &dummy, &dummy, 0),
           NUMAPOOL_EINVAL);
  int grid_rows, grid_cols;
  CHECK_EQ(numapool_mpi_grid(ranks, &grid_rows, &grid_cols), 0);
  CHECK_EQ(grid_rows * grid_cols, ranks);
  CHECK(grid_rows <= grid_cols);
  CHECK_EQ(numapool_mpi_grid(0, &grid_rows, &grid_cols), NUMAPOOL_EINVAL);
  passed += 6;

  numapool_destroy(pool);
  MPI_Finalize();
  if (rank == 0)
    return check_done("mpi_summa", passed);
  return 0;
}
