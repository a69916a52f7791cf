/* SUMMA distributed GEMM: MPI moves the panels, the rank's pool runs the
 * local GEMM. */
#include <numapool/mpi.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define DEFAULT_PANEL 256

/* What differs between the float and double versions. */
typedef struct element_type {
  size_t size;
  MPI_Datatype datatype;
  /* c = a * b + beta * c for row-major contiguous panels. */
  int (*gemm)(numapool_t *pool, int m, int n, int k, const void *a, const void *b, bool first,
              void *c);
} element_type_t;

static int gemm_double(numapool_t *pool, int m, int n, int k, const void *a, const void *b,
                       bool first, void *c) {
  return numapool_dgemm(pool, NUMAPOOL_ROW_MAJOR, NUMAPOOL_NO_TRANS, NUMAPOOL_NO_TRANS, m, n, k,
                        1.0, a, k > 0 ? k : 1, b, n > 0 ? n : 1, first ? 0.0 : 1.0, c,
                        n > 0 ? n : 1);
}

static int gemm_float(numapool_t *pool, int m, int n, int k, const void *a, const void *b,
                      bool first, void *c) {
  return numapool_sgemm(pool, NUMAPOOL_ROW_MAJOR, NUMAPOOL_NO_TRANS, NUMAPOOL_NO_TRANS, m, n, k,
                        1.0f, a, k > 0 ? k : 1, b, n > 0 ? n : 1, first ? 0.0f : 1.0f, c,
                        n > 0 ? n : 1);
}

/* The grid and this rank's blocks and communicators. */
typedef struct summa {
  int grid_row, grid_col;
  numapool_block_2d_t a, b, c;
  MPI_Comm row_comm;    /* ranks of this grid row, ranked by grid column */
  MPI_Comm column_comm; /* ranks of this grid column, ranked by grid row */
} summa_t;

static int check_arguments(MPI_Comm comm, int grid_rows, int grid_cols, int m, int n, int k,
                           int panel, int *rank) {
  int ranks;
  if (MPI_Comm_size(comm, &ranks) != MPI_SUCCESS || MPI_Comm_rank(comm, rank) != MPI_SUCCESS) {
    NUMAPOOL_LOG_ERROR("distributed GEMM: MPI_Comm_size or MPI_Comm_rank failed");
    return NUMAPOOL_EIO;
  }
  if (grid_rows < 1 || grid_cols < 1 || (long)grid_rows * grid_cols != ranks) {
    NUMAPOOL_LOG_ERROR("invalid distributed GEMM grid %d x %d for a communicator of %d ranks: "
                       "rows x cols must equal the rank count",
                       grid_rows, grid_cols, ranks);
    return NUMAPOOL_EINVAL;
  }
  if (m < 0 || n < 0 || k < 0 || panel < 0) {
    NUMAPOOL_LOG_ERROR("invalid distributed GEMM: m %d, n %d, k %d and panel %d must not be "
                       "negative",
                       m, n, k, panel);
    return NUMAPOOL_EINVAL;
  }
  return 0;
}

static int setup(summa_t *summa, MPI_Comm comm, int grid_rows, int grid_cols, int m, int n, int k,
                 int rank) {
  summa->grid_row = rank / grid_cols;
  summa->grid_col = rank % grid_cols;
  size_t grows = (size_t)grid_rows;
  size_t gcols = (size_t)grid_cols;
  numapool_block_2d(m, k, grows, gcols, rank, &summa->a);
  numapool_block_2d(k, n, grows, gcols, rank, &summa->b);
  numapool_block_2d(m, n, grows, gcols, rank, &summa->c);

  if (MPI_Comm_split(comm, summa->grid_row, summa->grid_col, &summa->row_comm) != MPI_SUCCESS)
    return NUMAPOOL_EIO;
  if (MPI_Comm_split(comm, summa->grid_col, summa->grid_row, &summa->column_comm) != MPI_SUCCESS) {
    MPI_Comm_free(&summa->row_comm);
    return NUMAPOOL_EIO;
  }
  return 0;
}

/* Returns the part of `parts` that owns global index `index`, and the end
 * of that part's block. */
static size_t owner_of(size_t count, size_t parts, size_t index, size_t *block_end) {
  for (size_t part = 0; part < parts; part++) {
    size_t begin, length;
    numapool_block_range(count, parts, part, &begin, &length);
    if (index < begin + length) {
      *block_end = begin + length;
      return part;
    }
  }
  *block_end = count;
  return parts - 1;
}

/* Runs the panel loop. a_panel has room for c.rows x panel elements and
 * b_panel for panel x c.cols elements. */
static int run_panels(const summa_t *summa, const element_type_t *type, numapool_t *pool,
                      int grid_rows, int grid_cols, int k, int panel, const char *a_block,
                      const char *b_block, char *c_block, char *a_panel, char *b_panel) {
  size_t element_size = type->size;
  bool first = true;
  for (size_t kk = 0; kk < (size_t)k;) {
    size_t a_end, b_end;
    int a_owner = (int)owner_of(k, grid_cols, kk, &a_end);
    int b_owner = (int)owner_of(k, grid_rows, kk, &b_end);
    size_t width = (size_t)panel;
    if (kk + width > a_end)
      width = a_end - kk;
    if (kk + width > b_end)
      width = b_end - kk;

    /* The A owner gathers columns kk .. kk+width of its block. */
    if (summa->grid_col == a_owner) {
      size_t offset = kk - summa->a.col_begin;
      for (size_t row = 0; row < summa->a.rows; row++)
        memcpy(a_panel + row * width * element_size,
               a_block + (row * summa->a.cols + offset) * element_size, width * element_size);
    }
    /* The B owner's rows kk .. kk+width are contiguous in its block. */
    if (summa->grid_row == b_owner)
      memcpy(b_panel, b_block + (kk - summa->b.row_begin) * summa->b.cols * element_size,
             width * summa->b.cols * element_size);

    if (MPI_Bcast(a_panel, (int)(summa->a.rows * width), type->datatype, a_owner,
                  summa->row_comm) != MPI_SUCCESS ||
        MPI_Bcast(b_panel, (int)(width * summa->b.cols), type->datatype, b_owner,
                  summa->column_comm) != MPI_SUCCESS) {
      NUMAPOOL_LOG_ERROR("distributed GEMM: MPI_Bcast of the panel at k = %zu failed", kk);
      return NUMAPOOL_EIO;
    }

    int status = type->gemm(pool, (int)summa->c.rows, (int)summa->c.cols, (int)width, a_panel,
                            b_panel, first, c_block);
    if (status != 0)
      return status;
    first = false;
    kk += width;
  }

  /* With k = 0, C = A * B is all zeros. */
  if (first)
    memset(c_block, 0, summa->c.rows * summa->c.cols * element_size);
  return 0;
}

/* NOTE: the panel broadcasts and the local GEMM do not overlap; a
 * pipelined version would post the next panel's broadcasts first. */
static int summa_gemm(const element_type_t *type, numapool_t *pool, MPI_Comm comm, int grid_rows,
                      int grid_cols, int m, int n, int k, const void *a_block, const void *b_block,
                      void *c_block, int panel) {
  int rank;
  int status = check_arguments(comm, grid_rows, grid_cols, m, n, k, panel, &rank);
  if (status != 0)
    return status;
  if (panel == 0)
    panel = DEFAULT_PANEL;

  summa_t summa;
  status = setup(&summa, comm, grid_rows, grid_cols, m, n, k, rank);
  if (status != 0) {
    NUMAPOOL_LOG_ERROR("distributed GEMM: MPI_Comm_split failed");
    return status;
  }
  if ((summa.a.rows * summa.a.cols > 0 && a_block == NULL) ||
      (summa.b.rows * summa.b.cols > 0 && b_block == NULL) ||
      (summa.c.rows * summa.c.cols > 0 && c_block == NULL)) {
    NUMAPOOL_LOG_ERROR("invalid distributed GEMM on rank %d: a non-empty block is NULL", rank);
    status = NUMAPOOL_EINVAL;
  }

  char *a_panel = NULL;
  char *b_panel = NULL;
  if (status == 0) {
    a_panel = malloc((summa.c.rows * (size_t)panel + 1) * type->size);
    b_panel = malloc(((size_t)panel * summa.c.cols + 1) * type->size);
    if (a_panel == NULL || b_panel == NULL)
      status = NUMAPOOL_ENOMEM;
  }
  if (status == 0)
    status = run_panels(&summa, type, pool, grid_rows, grid_cols, k, panel, a_block, b_block,
                        c_block, a_panel, b_panel);

  free(a_panel);
  free(b_panel);
  MPI_Comm_free(&summa.row_comm);
  MPI_Comm_free(&summa.column_comm);
  return status;
}

int numapool_mpi_dgemm(numapool_t *pool, MPI_Comm comm, int grid_rows, int grid_cols, int m, int n,
                       int k, const double *a_block, const double *b_block, double *c_block,
                       int panel) {
  static const element_type_t type = {sizeof(double), MPI_DOUBLE, gemm_double};
  return summa_gemm(&type, pool, comm, grid_rows, grid_cols, m, n, k, a_block, b_block, c_block,
                    panel);
}

int numapool_mpi_sgemm(numapool_t *pool, MPI_Comm comm, int grid_rows, int grid_cols, int m, int n,
                       int k, const float *a_block, const float *b_block, float *c_block,
                       int panel) {
  static const element_type_t type = {sizeof(float), MPI_FLOAT, gemm_float};
  return summa_gemm(&type, pool, comm, grid_rows, grid_cols, m, n, k, a_block, b_block, c_block,
                    panel);
}

int numapool_mpi_grid(int ranks, int *grid_rows, int *grid_cols) {
  if (ranks < 1 || grid_rows == NULL || grid_cols == NULL) {
    NUMAPOOL_LOG_ERROR("invalid process grid request for %d ranks", ranks);
    return NUMAPOOL_EINVAL;
  }
  int rows = 1;
  for (int candidate = 1; (long)candidate * candidate <= ranks; candidate++)
    if (ranks % candidate == 0)
      rows = candidate;
  *grid_rows = rows;
  *grid_cols = ranks / rows;
  return 0;
}
