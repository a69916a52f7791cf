/*
 * Hybrid MPI + numapool: each rank creates one pool inside the CPUs that
 * mpirun gave it, allocates its blocks of A, B and C first-touched by that
 * pool, and the ranks multiply the distributed matrices with SUMMA.
 *
 *   mpirun -np 4 --bind-to core ./mpi_gemm [N]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include <numapool/mpi.h>

int main(int argc, char **argv) {
  int provided;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  int rank, ranks;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  int n = argc > 1 ? atoi(argv[1]) : 512;
  if (n < 1) {
    if (rank == 0)
      fprintf(stderr, "invalid matrix size '%s': expected a positive integer\n", argv[1]);
    MPI_Finalize();
    return 2;
  }

  /* One pool per rank: its default thread count is the rank's CPU mask. */
  numapool_t *pool = numapool_create(NULL);
  int grid_rows, grid_cols;
  numapool_mpi_grid(ranks, &grid_rows, &grid_cols);
  numapool_block_2d_t block;
  numapool_block_2d(n, n, grid_rows, grid_cols, rank, &block);

  /* A = all ones and B = all twos, so every entry of C is 2 n. */
  double *a = numapool_block_alloc(pool, block.rows, block.cols, sizeof(double));
  double *b = numapool_block_alloc(pool, block.rows, block.cols, sizeof(double));
  double *c = numapool_block_alloc(pool, block.rows, block.cols, sizeof(double));
  if (pool == NULL || a == NULL || b == NULL || c == NULL) {
    fprintf(stderr, "rank %d: out of memory\n", rank);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  for (size_t i = 0; i < block.rows * block.cols; i++) {
    a[i] = 1.0;
    b[i] = 2.0;
  }

  double start = MPI_Wtime();
  int status = numapool_mpi_dgemm(pool, MPI_COMM_WORLD, grid_rows, grid_cols, n, n, n, a, b, c, 0);
  double seconds = MPI_Wtime() - start;

  long wrong = 0;
  for (size_t i = 0; i < block.rows * block.cols; i++)
    wrong += c[i] != 2.0 * n;
  long total_wrong = 0;
  MPI_Reduce(&wrong, &total_wrong, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank == 0)
    printf("%d x %d DGEMM on a %d x %d grid, %zu threads per rank: %.3f s, %.2f GFLOP/s, %s\n", n,
           n, grid_rows, grid_cols, numapool_get_thread_count(pool), seconds,
           2.0 * n * n * (double)n / seconds * 1e-9,
           status == 0 && total_wrong == 0 ? "correct" : "WRONG");

  numapool_block_free(a);
  numapool_block_free(b);
  numapool_block_free(c);
  numapool_destroy(pool);
  MPI_Finalize();
  return status == 0 && total_wrong == 0 ? 0 : 1;
}
