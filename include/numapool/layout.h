/*
 * Block layouts for hybrid MPI + numapool programs: which contiguous block
 * of a global range or matrix each rank owns, and allocation of a rank's
 * block so that its pages are first touched by the pool threads that will
 * compute on it. Nothing here calls MPI: the functions take a rank and a
 * rank count, so they serve any distributed runtime.
 *
 * Error contract as in numapool.h.
 */
#ifndef NUMAPOOL_LAYOUT_H
#define NUMAPOOL_LAYOUT_H

#include <numapool/numapool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Stores in *begin and *length the block of part `index` when `count`
 * items are split into `parts` contiguous blocks whose lengths differ by at
 * most one, longer blocks first. Returns NUMAPOOL_EINVAL for parts of 0,
 * an index at or above parts, or NULL outputs. */
NUMAPOOL_API int numapool_block_range(size_t count, size_t parts, size_t index, size_t *begin,
                                      size_t *length);

/* A rank's block of a rows x cols matrix. */
typedef struct numapool_block_2d {
  size_t row_begin; /* first global row of the block */
  size_t rows;      /* rows in the block */
  size_t col_begin; /* first global column of the block */
  size_t cols;      /* columns in the block */
} numapool_block_2d_t;

/* Fills *block for `rank` of a grid_rows x grid_cols process grid, ranks
 * numbered row-major (rank = grid_row * grid_cols + grid_col), each
 * dimension split as numapool_block_range() does. */
NUMAPOOL_API int numapool_block_2d(size_t rows, size_t cols, size_t grid_rows, size_t grid_cols,
                                   size_t rank, numapool_block_2d_t *block);

/*
 * Allocates a row-major rows x cols block of element_size-byte elements,
 * page-aligned, and zeroes it with a parallel-for over its rows (tile 1) on
 * `pool`, so each row's pages are first touched by the thread that the same
 * row split gives it in later row-wise parallel-for calls with the same
 * thread count. Free it with numapool_block_free(). Returns NULL with
 * errno set to EINVAL (zero element size) or ENOMEM (size overflow or no
 * memory). A block of zero elements gives a valid pointer to free.
 */
NUMAPOOL_API void *numapool_block_alloc(numapool_t *pool, size_t rows, size_t cols,
                                        size_t element_size);

NUMAPOOL_API void numapool_block_free(void *block);

#ifdef __cplusplus
}
#endif

#endif /* NUMAPOOL_LAYOUT_H */
