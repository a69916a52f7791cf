/* The GEMM driver, written once for both element types. gemm.c includes
 * this file twice, with GEMM_TYPE float and GEMM_PREFIX sgemm, then with
 * double and dgemm. GEMM_NAME(x) names the copy's functions and types.
 *
 * The problem arrives normalized to a column-major C (see gemm.c), with
 * op(A) and op(B) given by element strides:
 *   op(A)(i, p) = a[i * a_rs + p * a_cs],  op(B)(p, j) = b[p * b_rs + j * b_cs],
 *   C(i, j) = c[i * c_rs + j * c_cs], c_rs = 1.
 * The packed path may transpose it (C^T = op(B)^T * op(A)^T, so c_cs = 1)
 * when that fits the shape to the microkernel's tile better.
 *
 * Packed path, BLIS's loop nest, for each thread of a team call:
 *   for jc in steps of nc over n:           panel of op(B)
 *     for pc in steps of kc over k:
 *       pack B(pc.., jc..) into the shared panel, each thread some slivers
 *       team barrier
 *       for ic in steps of mc over this thread's rows:
 *         pack A(ic.., pc..) into this thread's scratch buffer
 *         for jr over this thread's nr-slivers of the panel:
 *           for ir in steps of mr: microkernel
 * The threads form a grid of threads_m x threads_n: rows of C are split
 * among the grid's rows and slivers of each B panel among its columns. Two B
 * panels alternate, so one barrier per panel is enough: a thread packing
 * panel i + 1 has passed barrier i, which every thread reached only after it
 * finished computing with panel i - 1, the buffer being overwritten.
 */

#define GEMM_CONCAT_(prefix, name) prefix##_##name
#define GEMM_CONCAT(prefix, name) GEMM_CONCAT_(prefix, name)
#define GEMM_NAME(name) GEMM_CONCAT(GEMM_PREFIX, name)

typedef GEMM_TYPE GEMM_NAME(elem_t);

typedef void (*GEMM_NAME(ukernel_t))(size_t k, const GEMM_TYPE *a, const GEMM_TYPE *b,
                                     GEMM_TYPE *c, size_t ldc, GEMM_TYPE alpha,
                                     GEMM_TYPE beta);

/* A normalized problem with the microkernel that will run it. */
typedef struct GEMM_NAME(problem) {
  size_t m, n, k;
  const GEMM_TYPE *a;
  size_t a_rs, a_cs;
  const GEMM_TYPE *b;
  size_t b_rs, b_cs;
  GEMM_TYPE *c;
  size_t c_rs, c_cs;
  GEMM_TYPE alpha, beta;
  GEMM_NAME(ukernel_t) kernel;
  GEMM_NAME(ukernel_t) narrow[NUMAPOOL__GEMM_MAX_NARROW];
  numapool__gemm_blocking_t blocking;
} GEMM_NAME(problem_t);

/* C = beta * C over the whole matrix, for alpha = 0 or k = 0. beta = 0
 * writes zeros without reading C. */
static void GEMM_NAME(scale_c)(const GEMM_NAME(problem_t) *p) {
  if (p->beta == 1)
    return;
  for (size_t j = 0; j < p->n; j++) {
    GEMM_TYPE *column = p->c + j * p->c_cs;
    if (p->beta == 0) {
      for (size_t i = 0; i < p->m; i++)
        column[i] = 0;
    } else {
      for (size_t i = 0; i < p->m; i++)
        column[i] *= p->beta;
    }
  }
}

/* Packs rows [row0, row0 + rows) and columns [col0, col0 + depth) of op(A)
 * into slivers of mr rows: sliver s holds, for each step q, mr values, at
 * dst + s * depth * mr. Rows past the end are zero. */
GEMM_CLONES
static void GEMM_NAME(pack_a)(const GEMM_NAME(problem_t) *p, size_t row0, size_t rows,
                              size_t col0, size_t depth, GEMM_TYPE *dst) {
  const size_t mr = p->blocking.mr;
  const size_t full = rows / mr * mr;
  const GEMM_TYPE *src = p->a + row0 * p->a_rs + col0 * p->a_cs;
  if (p->a_rs == 1) {
    /* Columns of op(A) are contiguous: read each column of the block in
     * one sequential pass and deal it out to the slivers. */
    for (size_t q = 0; q < depth; q++) {
      const GEMM_TYPE *column = src + q * p->a_cs;
      GEMM_TYPE *out = dst + q * mr;
      for (size_t s = 0; s < full; s += mr)
        for (size_t i = 0; i < mr; i++)
          out[s * depth + i] = column[s + i];
      for (size_t i = full; i < rows; i++)
        out[full * depth + i - full] = column[i];
      if (full < rows)
        for (size_t i = rows; i < full + mr; i++)
          out[full * depth + i - full] = 0;
    }
    return;
  }

  /* Rows of op(A) are contiguous: transpose a chunk of GEMM_PACK_CHUNK
   * steps at a time, so the part of the sliver being written stays in L1
   * while each row is read sequentially.
   * NOTE: this scalar transpose is several times slower than the copy
   * above; it dominates shapes such as a row-major 3136 x 4 x 576. */
  for (size_t q0 = 0; q0 < depth; q0 += GEMM_PACK_CHUNK) {
    size_t q1 = depth - q0 < GEMM_PACK_CHUNK ? depth : q0 + GEMM_PACK_CHUNK;
    for (size_t i = 0; i < rows; i++) {
      const GEMM_TYPE *row = src + i * p->a_rs;
      GEMM_TYPE *out = dst + (i / mr) * depth * mr + i % mr;
      for (size_t q = q0; q < q1; q++)
        out[q * mr] = row[q * p->a_cs];
    }
  }
  if (full < rows) {
    GEMM_TYPE *out = dst + full * depth;
    for (size_t q = 0; q < depth; q++)
      for (size_t i = rows - full; i < mr; i++)
        out[q * mr + i] = 0;
  }
}

/* Packs nr-slivers [sliver0, sliver1) of the panel op(B)(row0.., col0..)
 * of depth rows and width columns: sliver s holds, for each step q, nr
 * values, at dst + s * depth * nr. Columns past the end are zero. */
GEMM_CLONES
static void GEMM_NAME(pack_b)(const GEMM_NAME(problem_t) *p, size_t row0, size_t depth,
                              size_t col0, size_t width, size_t sliver0, size_t sliver1,
                              GEMM_TYPE *dst) {
  const size_t nr = p->blocking.nr;
  if (sliver0 >= sliver1)
    return;
  size_t first = sliver0 * nr;
  size_t last = sliver1 * nr < width ? sliver1 * nr : width;
  const GEMM_TYPE *src = p->b + row0 * p->b_rs + col0 * p->b_cs;
  if (p->b_cs == 1) {
    /* Rows of op(B) are contiguous: read each row segment in one pass. */
    size_t full = first + (last - first) / nr * nr;
    for (size_t q = 0; q < depth; q++) {
      const GEMM_TYPE *row = src + q * p->b_rs;
      GEMM_TYPE *out = dst + q * nr;
      for (size_t j0 = first; j0 < full; j0 += nr)
        for (size_t j = 0; j < nr; j++)
          out[j0 * depth + j] = row[j0 + j];
      for (size_t j = full; j < last; j++)
        out[full * depth + j - full] = row[j];
      if (full < last)
        for (size_t j = last; j < full + nr; j++)
          out[full * depth + j - full] = 0;
    }
    return;
  }

  /* Columns of op(B) are contiguous: transpose in chunks of steps, as in
   * pack_a. */
  for (size_t q0 = 0; q0 < depth; q0 += GEMM_PACK_CHUNK) {
    size_t q1 = depth - q0 < GEMM_PACK_CHUNK ? depth : q0 + GEMM_PACK_CHUNK;
    for (size_t j = first; j < last; j++) {
      const GEMM_TYPE *column = src + j * p->b_cs;
      GEMM_TYPE *out = dst + (j / nr) * depth * nr + j % nr;
      for (size_t q = q0; q < q1; q++)
        out[q * nr] = column[q * p->b_rs];
    }
  }
  if (last % nr != 0) {
    size_t base = last / nr * nr;
    GEMM_TYPE *out = dst + base * depth;
    for (size_t q = 0; q < depth; q++)
      for (size_t j = last - base; j < nr; j++)
        out[q * nr + j] = 0;
  }
}

/* Runs the microkernel on one tile of C, through a local tile when the
 * tile is cut by the edge of C or C is transposed. */
static void GEMM_NAME(tile_update)(const GEMM_NAME(problem_t) *p, size_t depth,
                                   const GEMM_TYPE *a, const GEMM_TYPE *b, GEMM_TYPE *c,
                                   size_t rows, size_t cols, GEMM_TYPE beta) {
  const size_t mr = p->blocking.mr, nr = p->blocking.nr, step = p->blocking.narrow_step;
  GEMM_NAME(ukernel_t) kernel = p->kernel;
  size_t kernel_cols = nr;
  if (step != 0 && cols <= nr - step) {
    size_t narrow = (cols - 1) / step;
    kernel = p->narrow[narrow];
    kernel_cols = (narrow + 1) * step;
  }
  if (p->c_rs == 1 && rows == mr && cols == kernel_cols) {
    kernel(depth, a, b, c, p->c_cs, p->alpha, beta);
    return;
  }

  _Alignas(64) GEMM_TYPE tile[GEMM_MAX_TILE];
  kernel(depth, a, b, tile, mr, p->alpha, 0);
  if (p->c_rs == 1) {
    for (size_t j = 0; j < cols; j++) {
      GEMM_TYPE *column = c + j * p->c_cs;
      const GEMM_TYPE *source = tile + j * mr;
      if (beta == 0) {
        for (size_t i = 0; i < rows; i++)
          column[i] = source[i];
      } else {
        for (size_t i = 0; i < rows; i++)
          column[i] = source[i] + beta * column[i];
      }
    }
    return;
  }

  /* Transposed C: its rows are the tile's columns, so write them in
   * C's memory order. */
  for (size_t i = 0; i < rows; i++) {
    GEMM_TYPE *row = c + i * p->c_rs;
    if (beta == 0) {
      for (size_t j = 0; j < cols; j++)
        row[j] = tile[i + j * mr];
    } else {
      for (size_t j = 0; j < cols; j++)
        row[j] = tile[i + j * mr] + beta * row[j];
    }
  }
}

/* Multiplies a packed A block (rows x depth) by the packed B slivers
 * [sliver0, sliver1) into C starting at c, the C element of the block's
 * first row and the panel's first column. */
static void GEMM_NAME(macro_kernel)(const GEMM_NAME(problem_t) *p, size_t depth,
                                    const GEMM_TYPE *a_packed, size_t rows,
                                    const GEMM_TYPE *b_packed, size_t width, size_t sliver0,
                                    size_t sliver1, GEMM_TYPE *c, GEMM_TYPE beta) {
  const size_t mr = p->blocking.mr, nr = p->blocking.nr;
  for (size_t s = sliver0; s < sliver1; s++) {
    size_t col = s * nr;
    size_t cols = width - col < nr ? width - col : nr;
    const GEMM_TYPE *b_sliver = b_packed + s * depth * nr;
    for (size_t row = 0; row < rows; row += mr) {
      size_t height = rows - row < mr ? rows - row : mr;
      GEMM_NAME(tile_update)(p, depth, a_packed + row * depth, b_sliver,
                             c + row * p->c_rs + col * p->c_cs, height, cols, beta);
    }
  }
}

/* State shared by the threads of one packed call. */
typedef struct GEMM_NAME(team_context) {
  const GEMM_NAME(problem_t) *problem;
  numapool_t *pool;
  /* Two packed B panels, set by thread 0 before the first barrier and
   * read by all threads after it (the barrier orders the accesses); NULL
   * when the allocation failed. */
  GEMM_TYPE *b_panels;
  /* NUMAPOOL_ENOMEM when a thread could not get its A buffer; written
   * with relaxed stores, read by the caller after the call joined. */
  atomic_int status;
} GEMM_NAME(team_context_t);

/* Bytes of one thread's packed A block and elements of one packed B
 * panel: the block sizes, or less when the problem is smaller. */
static size_t GEMM_NAME(a_block_bytes)(const GEMM_NAME(problem_t) *p) {
  const numapool__gemm_blocking_t *blocking = &p->blocking;
  size_t rows = gemm_div_up(p->m, blocking->mr) * blocking->mr;
  size_t depth = p->k < blocking->kc ? p->k : blocking->kc;
  return (rows < blocking->mc ? rows : blocking->mc) * depth * sizeof(GEMM_TYPE);
}

static size_t GEMM_NAME(b_panel_elements)(const GEMM_NAME(problem_t) *p) {
  const numapool__gemm_blocking_t *blocking = &p->blocking;
  size_t cols = gemm_div_up(p->n, blocking->nr) * blocking->nr;
  size_t depth = p->k < blocking->kc ? p->k : blocking->kc;
  return (cols < blocking->nc ? cols : blocking->nc) * depth;
}

/* Computes this thread's share of every panel. */
static void GEMM_NAME(team_compute)(GEMM_NAME(team_context_t) *context,
                                    numapool_team_t *team, size_t thread_index,
                                    size_t thread_count, GEMM_TYPE *a_packed) {
  const GEMM_NAME(problem_t) *p = context->problem;
  const numapool__gemm_blocking_t *blocking = &p->blocking;
  gemm_grid_t grid =
      gemm_grid(p->m, p->n < blocking->nc ? p->n : blocking->nc, blocking->mr,
                          blocking->nr, thread_count);
  size_t grid_row = thread_index / grid.threads_n;
  size_t grid_col = thread_index % grid.threads_n;
  size_t row_begin, row_end;
  gemm_share(gemm_div_up(p->m, blocking->mr), grid.threads_m, grid_row,
                       &row_begin, &row_end);
  row_begin *= blocking->mr;
  row_end = row_end * blocking->mr < p->m ? row_end * blocking->mr : p->m;

  size_t panel = 0;
  for (size_t jc = 0; jc < p->n; jc += blocking->nc) {
    size_t width = p->n - jc < blocking->nc ? p->n - jc : blocking->nc;
    size_t slivers = gemm_div_up(width, blocking->nr);
    for (size_t pc = 0; pc < p->k; pc += blocking->kc, panel++) {
      size_t depth = p->k - pc < blocking->kc ? p->k - pc : blocking->kc;
      GEMM_TYPE beta = pc == 0 ? p->beta : 1;
      GEMM_TYPE *b_packed =
          context->b_panels + (panel % 2) * GEMM_NAME(b_panel_elements)(p);

      size_t pack_begin, pack_end;
      gemm_share(slivers, thread_count, thread_index, &pack_begin, &pack_end);
      GEMM_NAME(pack_b)(p, pc, depth, jc, width, pack_begin, pack_end, b_packed);
      numapool_team_barrier(team);

      if (a_packed == NULL)
        continue;
      size_t sliver_begin, sliver_end;
      gemm_share(slivers, grid.threads_n, grid_col, &sliver_begin, &sliver_end);
      if (sliver_begin == sliver_end)
        continue;
      for (size_t ic = row_begin; ic < row_end; ic += blocking->mc) {
        size_t rows = row_end - ic < blocking->mc ? row_end - ic : blocking->mc;
        GEMM_NAME(pack_a)(p, ic, rows, pc, depth, a_packed);
        GEMM_NAME(macro_kernel)(p, depth, a_packed, rows, b_packed, width, sliver_begin,
                                sliver_end, p->c + ic * p->c_rs + jc * p->c_cs, beta);
      }
    }
  }
}

/* The team task: get the buffers, then compute. A thread without its A
 * buffer still packs B and meets every barrier, so the others finish. */
static void GEMM_NAME(team_task)(void *opaque, numapool_team_t *team, size_t thread_index,
                                 size_t thread_count) {
  GEMM_NAME(team_context_t) *context = opaque;
  /* A one-thread team may be a nested call running on a thread that is
   * not the pool's thread 0, so it takes the calling thread's own buffer. */
  numapool_t *owner = thread_count > 1 ? context->pool : NULL;
  size_t a_bytes = (GEMM_NAME(a_block_bytes)(context->problem) + 63) / 64 * 64;
  size_t b_bytes = 2 * GEMM_NAME(b_panel_elements)(context->problem) * sizeof(GEMM_TYPE);

  /* TODO: on machines with several NUMA nodes, give each node its own copy
   * of the B panel; the shared one lives wherever its packers touched it. */
  unsigned char *buffer;
  if (thread_index == 0) {
    buffer = numapool_scratch(owner, 0, a_bytes + b_bytes);
    context->b_panels = buffer == NULL ? NULL : (GEMM_TYPE *)(void *)(buffer + a_bytes);
  } else {
    buffer = numapool_scratch(owner, thread_index, a_bytes);
  }
  if (buffer == NULL)
    atomic_store_explicit(&context->status, NUMAPOOL_ENOMEM, memory_order_relaxed);
  numapool_team_barrier(team);

  if (context->b_panels == NULL)
    return;
  GEMM_NAME(team_compute)(context, team, thread_index, thread_count,
                          (GEMM_TYPE *)(void *)buffer);
}

/* Runs the packed path on the pool, or on the caller when pool is NULL.
 * NOTE: every thread of the pool joins the team, also those the grid
 * leaves without tiles when C is small for a large pool. */
static int GEMM_NAME(run_packed)(numapool_t *pool, const GEMM_NAME(problem_t) *p) {
  GEMM_NAME(team_context_t) context = {.problem = p, .pool = pool, .b_panels = NULL};
  atomic_init(&context.status, 0);
  if (pool == NULL) {
    GEMM_NAME(team_task)(&context, NULL, 0, 1);
  } else {
    int status = numapool_team_run(pool, GEMM_NAME(team_task), &context, 0);
    if (status != 0)
      return status;
  }
  return atomic_load_explicit(&context.status, memory_order_relaxed);
}

/* Dot product of x and y of length n with element strides. With unit
 * strides it keeps eight partial sums, which the compiler turns into
 * vector lanes (a single running sum would forbid that without
 * -ffast-math). */
GEMM_CLONES
static GEMM_TYPE GEMM_NAME(dot)(const GEMM_TYPE *x, size_t x_stride, const GEMM_TYPE *y,
                                size_t y_stride, size_t n) {
  GEMM_TYPE sum = 0;
  size_t q = 0;
  if (x_stride == 1 && y_stride == 1) {
    GEMM_TYPE partial[8] = {0};
    for (; q + 8 <= n; q += 8)
      for (size_t lane = 0; lane < 8; lane++)
        partial[lane] += x[q + lane] * y[q + lane];
    for (size_t lane = 0; lane < 8; lane++)
      sum += partial[lane];
  }
  for (; q < n; q++)
    sum += x[q * x_stride] * y[q * y_stride];
  return sum;
}

/* Writes alpha * sum + beta * C into rows of one column of C; beta = 0
 * writes without reading C. */
static inline void GEMM_NAME(direct_store)(GEMM_TYPE *column, const GEMM_TYPE *sum,
                                           size_t rows, GEMM_TYPE alpha, GEMM_TYPE beta) {
  if (beta == 0) {
    for (size_t i = 0; i < rows; i++)
      column[i] = alpha * sum[i];
  } else {
    for (size_t i = 0; i < rows; i++)
      column[i] = alpha * sum[i] + beta * column[i];
  }
}

/* The direct path's column form, for a contiguous op(A) column (a_rs = 1):
 * blocks of GEMM_DIRECT_ROWS rows by 4 columns of C are summed over all of
 * k in local arrays of fixed size, so the compiler can keep them in vector
 * registers, then written once. Edge blocks take the same loops with
 * run-time bounds. */
GEMM_CLONES
static void GEMM_NAME(direct_columns)(const GEMM_NAME(problem_t) *p, size_t row0, size_t rows,
                                      size_t col0, size_t cols) {
  const size_t k = p->k, a_cs = p->a_cs, b_rs = p->b_rs, b_cs = p->b_cs;
  for (size_t j = col0; j < col0 + cols; j += 4) {
    size_t width = col0 + cols - j < 4 ? col0 + cols - j : 4;
    const GEMM_TYPE *b = p->b + j * b_cs;
    for (size_t i0 = row0; i0 < row0 + rows; i0 += GEMM_DIRECT_ROWS) {
      size_t height = row0 + rows - i0 < GEMM_DIRECT_ROWS ? row0 + rows - i0 : GEMM_DIRECT_ROWS;
      const GEMM_TYPE *a = p->a + i0;
      GEMM_TYPE sum[4][GEMM_DIRECT_ROWS] = {{0}};
      if (width == 1 && height == GEMM_DIRECT_ROWS) {
        for (size_t q = 0; q < k; q++) {
          const GEMM_TYPE *a_column = a + q * a_cs;
          GEMM_TYPE b0 = b[q * b_rs];
          for (size_t i = 0; i < GEMM_DIRECT_ROWS; i++)
            sum[0][i] += a_column[i] * b0;
        }
      } else if (width == 4 && height == GEMM_DIRECT_ROWS) {
        for (size_t q = 0; q < k; q++) {
          const GEMM_TYPE *a_column = a + q * a_cs;
          const GEMM_TYPE *b_row = b + q * b_rs;
          GEMM_TYPE b0 = b_row[0], b1 = b_row[b_cs], b2 = b_row[2 * b_cs], b3 = b_row[3 * b_cs];
          for (size_t i = 0; i < GEMM_DIRECT_ROWS; i++) {
            sum[0][i] += a_column[i] * b0;
            sum[1][i] += a_column[i] * b1;
            sum[2][i] += a_column[i] * b2;
            sum[3][i] += a_column[i] * b3;
          }
        }
      } else {
        for (size_t q = 0; q < k; q++) {
          const GEMM_TYPE *a_column = a + q * a_cs;
          for (size_t jj = 0; jj < width; jj++) {
            GEMM_TYPE bj = b[q * b_rs + jj * b_cs];
            for (size_t i = 0; i < height; i++)
              sum[jj][i] += a_column[i] * bj;
          }
        }
      }
      for (size_t jj = 0; jj < width; jj++)
        GEMM_NAME(direct_store)(p->c + i0 + (j + jj) * p->c_cs, sum[jj], height, p->alpha,
                                p->beta);
    }
  }
}

/* The direct path's streaming form, for long contiguous columns of op(A):
 * C(:, j) is updated by one AXPY per step, which reads op(A) in memory
 * order while the column of C stays in cache. */
GEMM_CLONES
static void GEMM_NAME(direct_axpy)(const GEMM_NAME(problem_t) *p, size_t row0, size_t rows,
                                   size_t col0, size_t cols) {
  for (size_t j = col0; j < col0 + cols; j++) {
    GEMM_TYPE *column = p->c + row0 + j * p->c_cs;
    const GEMM_TYPE *a = p->a + row0;
    const GEMM_TYPE *b = p->b + j * p->b_cs;
    if (p->beta == 0) {
      for (size_t i = 0; i < rows; i++)
        column[i] = 0;
    } else if (p->beta != 1) {
      for (size_t i = 0; i < rows; i++)
        column[i] *= p->beta;
    }
    for (size_t q = 0; q < p->k; q++) {
      GEMM_TYPE scale = p->alpha * b[q * p->b_rs];
      const GEMM_TYPE *a_column = a + q * p->a_cs;
      for (size_t i = 0; i < rows; i++)
        column[i] += scale * a_column[i];
    }
  }
}

/*
 * Direct path for small and skinny problems: computes the block of C at
 * rows [row0, row0 + rows), columns [col0, col0 + cols) without packing.
 * Contiguous columns of op(A) take the column form, or the streaming form
 * when longer than GEMM_DIRECT_LONG. Other layouts compute one dot product
 * per element, vectorized when the rows of op(A) and the columns of op(B)
 * are both contiguous; short columns with such rows take it too.
 */
static void GEMM_NAME(direct_block)(const GEMM_NAME(problem_t) *p, size_t row0, size_t rows,
                                    size_t col0, size_t cols) {
  if (p->a_rs == 1 && rows > GEMM_DIRECT_LONG) {
    GEMM_NAME(direct_axpy)(p, row0, rows, col0, cols);
    return;
  }
  bool unit_dots = p->a_cs == 1 && p->b_rs == 1;
  if (p->a_rs == 1 && !(unit_dots && rows < GEMM_DIRECT_ROWS)) {
    GEMM_NAME(direct_columns)(p, row0, rows, col0, cols);
    return;
  }
  for (size_t j = col0; j < col0 + cols; j++) {
    GEMM_TYPE *column = p->c + j * p->c_cs;
    const GEMM_TYPE *b = p->b + j * p->b_cs;
    for (size_t i = row0; i < row0 + rows; i++) {
      GEMM_TYPE sum = GEMM_NAME(dot)(p->a + i * p->a_rs, p->a_cs, b, p->b_rs, p->k);
      column[i] = p->beta == 0 ? p->alpha * sum : p->alpha * sum + p->beta * column[i];
    }
  }
}

static void GEMM_NAME(direct_task)(void *opaque, size_t thread_index, size_t row0,
                                   size_t col0, size_t rows, size_t cols) {
  (void)thread_index;
  GEMM_NAME(direct_block)(opaque, row0, rows, col0, cols);
}

/* Runs the direct path, split into blocks over the pool when it is large
 * enough to be worth waking threads. */
static int GEMM_NAME(run_direct)(numapool_t *pool, const GEMM_NAME(problem_t) *p) {
  size_t tile_rows, tile_cols;
  gemm_direct_tiles(p->m, p->n, p->k, numapool_get_thread_count(pool), &tile_rows,
                    &tile_cols);
  if (pool == NULL || (tile_rows >= p->m && tile_cols >= p->n)) {
    GEMM_NAME(direct_block)(p, 0, p->m, 0, p->n);
    return 0;
  }
  return numapool_parallel_for_2d(pool, p->m, p->n, tile_rows, tile_cols,
                                  GEMM_NAME(direct_task), (void *)p, 0);
}

/* Returns the problem for C^T = op(B)^T * op(A)^T. */
static GEMM_NAME(problem_t) GEMM_NAME(transpose)(const GEMM_NAME(problem_t) *p) {
  GEMM_NAME(problem_t) t = *p;
  t.m = p->n;
  t.n = p->m;
  t.a = p->b;
  t.a_rs = p->b_cs;
  t.a_cs = p->b_rs;
  t.b = p->a;
  t.b_rs = p->a_cs;
  t.b_cs = p->a_rs;
  t.c_rs = p->c_cs;
  t.c_cs = p->c_rs;
  return t;
}

/* Runs a normalized problem with m, n >= 1. */
static int GEMM_NAME(run)(numapool_t *pool, const GEMM_NAME(problem_t) *p) {
  if (p->k == 0 || p->alpha == 0) {
    GEMM_NAME(scale_c)(p);
    return 0;
  }
  if (gemm_use_direct(p->m, p->n, p->k, &p->blocking))
    return GEMM_NAME(run_direct)(pool, p);
  if (gemm_is_small(p->m, p->n, p->k))
    pool = NULL;
  if (gemm_prefer_transposed(p->m, p->n, &p->blocking)) {
    GEMM_NAME(problem_t) transposed = GEMM_NAME(transpose)(p);
    return GEMM_NAME(run_packed)(pool, &transposed);
  }
  return GEMM_NAME(run_packed)(pool, p);
}

#undef GEMM_CONCAT_
#undef GEMM_CONCAT
#undef GEMM_NAME
