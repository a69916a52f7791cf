/*
 * Distributed GEMM over MPI, with one numapool pool per rank.
 *
 * Matrices are block-distributed over a grid_rows x grid_cols process grid
 * as numapool_block_2d() in <numapool/layout.h> describes, ranks of `comm`
 * numbered row-major. Each rank passes its own blocks, row-major and
 * contiguous (leading dimension = the block's column count):
 *   A block: rows of m split over grid rows, columns of k over grid columns;
 *   B block: rows of k split over grid rows, columns of n over grid columns;
 *   C block: rows of m split over grid rows, columns of n over grid columns.
 * numapool_mpi_dgemm computes C = A * B with SUMMA: for each panel of k,
 * the owners broadcast their A panel along the grid row and their B panel
 * along the grid column, and every rank's pool runs the local GEMM.
 *
 * Only the calling thread makes MPI calls, so MPI_THREAD_FUNNELED is
 * enough. It is a collective call: every rank of comm must make it with
 * the same m, n, k, grid and panel. Returns 0, NUMAPOOL_EINVAL (the log
 * names the argument), NUMAPOOL_ENOMEM, or NUMAPOOL_EIO when an MPI call
 * fails. Link numapool::numapool_mpi (built when MPI is found).
 */
#ifndef NUMAPOOL_MPI_H
#define NUMAPOOL_MPI_H

#include <mpi.h>

#include <numapool/kernels.h>
#include <numapool/layout.h>

#ifdef __cplusplus
extern "C" {
#endif

/* panel: width of the k panels, 0 for the default (256). */
NUMAPOOL_API int numapool_mpi_dgemm(numapool_t *pool, MPI_Comm comm, int grid_rows, int grid_cols,
                                    int m, int n, int k, const double *a_block,
                                    const double *b_block, double *c_block, int panel);

NUMAPOOL_API int numapool_mpi_sgemm(numapool_t *pool, MPI_Comm comm, int grid_rows, int grid_cols,
                                    int m, int n, int k, const float *a_block, const float *b_block,
                                    float *c_block, int panel);

/* Picks a grid for `ranks` processes: the factor pair rows x cols with rows
 * <= cols closest to square. Returns NUMAPOOL_EINVAL for ranks < 1. */
NUMAPOOL_API int numapool_mpi_grid(int ranks, int *grid_rows, int *grid_cols);

#ifdef __cplusplus
}
#endif

#endif /* NUMAPOOL_MPI_H */
