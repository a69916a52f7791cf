#include <numapool/layout.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

int numapool_block_range(size_t count, size_t parts, size_t index, size_t *begin, size_t *length) {
  if (parts == 0 || index >= parts || begin == NULL || length == NULL) {
    NUMAPOOL_LOG_ERROR("invalid block range: part %zu of %zu (parts must be at least 1 and "
                       "the index below it; outputs must not be NULL)",
                       index, parts);
    return NUMAPOOL_EINVAL;
  }

  /* The first `extra` parts get one item more than the others. */
  size_t base = count / parts;
  size_t extra = count % parts;
  *begin = index * base + (index < extra ? index : extra);
  *length = base + (index < extra ? 1 : 0);
  return 0;
}

int numapool_block_2d(size_t rows, size_t cols, size_t grid_rows, size_t grid_cols, size_t rank,
                      numapool_block_2d_t *block) {
  if (block == NULL || grid_rows == 0 || grid_cols == 0 || rank / grid_cols >= grid_rows) {
    NUMAPOOL_LOG_ERROR("invalid 2-D block: rank %zu of a %zu x %zu grid", rank, grid_rows,
                       grid_cols);
    return NUMAPOOL_EINVAL;
  }
  int status =
      numapool_block_range(rows, grid_rows, rank / grid_cols, &block->row_begin, &block->rows);
  if (status == 0)
    status =
        numapool_block_range(cols, grid_cols, rank % grid_cols, &block->col_begin, &block->cols);
  return status;
}

typedef struct touch_context {
  unsigned char *base;
  size_t row_bytes;
} touch_context_t;

static void touch_rows(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)thread_index;
  const touch_context_t *touch = context;
  memset(touch->base + start * touch->row_bytes, 0, extent * touch->row_bytes);
}

void *numapool_block_alloc(numapool_t *pool, size_t rows, size_t cols, size_t element_size) {
  if (element_size == 0) {
    NUMAPOOL_LOG_ERROR("invalid block allocation: element size 0");
    errno = EINVAL;
    return NULL;
  }
  size_t row_bytes;
  size_t bytes;
  if (__builtin_mul_overflow(cols, element_size, &row_bytes) ||
      __builtin_mul_overflow(rows, row_bytes, &bytes)) {
    NUMAPOOL_LOG_ERROR("invalid block allocation: %zu x %zu elements of %zu bytes overflow "
                       "size_t",
                       rows, cols, element_size);
    errno = ENOMEM;
    return NULL;
  }

  long page = sysconf(_SC_PAGESIZE);
  size_t alignment = page > 0 ? (size_t)page : 4096;
  size_t rounded = (bytes + alignment - 1) / alignment * alignment;
  if (rounded < bytes) {
    errno = ENOMEM;
    return NULL;
  }
  void *block = aligned_alloc(alignment, rounded == 0 ? alignment : rounded);
  if (block == NULL) {
    errno = ENOMEM;
    return NULL;
  }

  /* NOTE: rows are the unit of the split, so a page that straddles two
   * threads' rows goes to whichever touches it first. */
  touch_context_t touch = {block, row_bytes};
  if (rows > 0 && row_bytes > 0)
    (void)numapool_parallel_for_1d(pool, rows, 1, touch_rows, &touch, 0);
  return block;
}

void numapool_block_free(void *block) { free(block); }
