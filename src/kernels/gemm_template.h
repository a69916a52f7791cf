/* The GEMM driver, written once for both element types. gemm.c includes
 * this file twice, with GEMM_TYPE float and GEMM_PREFIX s, then with double
 * and d; GEMM_NAME(x) names the copy's functions and types.
 *
 * The problem arrives normalized to a column-major C (see gemm.c), with
 * op(A) and op(B) given by element strides:
 *   op(A)(i, p) = a[i * a_rs + p * a_cs],  op(B)(p, j) = b[p * b_rs + j * b_cs],
 *   C(i, j) = c[i + j * ldc].
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
  size_t ldc;
  GEMM_TYPE alpha, beta;
  GEMM_NAME(ukernel_t) kernel;
  numapool__gemm_blocking_t blocking;
} GEMM_NAME(problem_t);

/* C = beta * C over the whole matrix, for alpha = 0 or k = 0. beta = 0
 * writes zeros without reading C. */
static void GEMM_NAME(scale_c)(const GEMM_NAME(problem_t) *p) {
  if (p->beta == 1)
    return;
  for (size_t j = 0; j < p->n; j++) {
    GEMM_TYPE *column = p->c + j * p->ldc;
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
 * into slivers of mr rows: sliver s holds, for each step p, mr values.
 * Rows past the end are zero. */
static void GEMM_NAME(pack_a)(const GEMM_NAME(problem_t) *p, size_t row0, size_t rows,
                              size_t col0, size_t depth, GEMM_TYPE *dst) {
  const size_t mr = p->blocking.mr;
  for (size_t s = 0; s < rows; s += mr) {
    size_t height = rows - s < mr ? rows - s : mr;
    const GEMM_TYPE *src = p->a + (row0 + s) * p->a_rs + col0 * p->a_cs;
    if (p->a_rs == 1) {
      /* Columns of op(A) are contiguous: copy mr values per step. */
      for (size_t q = 0; q < depth; q++) {
        const GEMM_TYPE *column = src + q * p->a_cs;
        for (size_t i = 0; i < height; i++)
          dst[i] = column[i];
        for (size_t i = height; i < mr; i++)
          dst[i] = 0;
        dst += mr;
      }
    } else {
      /* Rows of op(A) are contiguous: read each row once, scatter by mr. */
      for (size_t i = 0; i < height; i++) {
        const GEMM_TYPE *row = src + i * p->a_rs;
        for (size_t q = 0; q < depth; q++)
          dst[q * mr + i] = row[q * p->a_cs];
      }
      for (size_t i = height; i < mr; i++)
        for (size_t q = 0; q < depth; q++)
          dst[q * mr + i] = 0;
      dst += depth * mr;
    }
  }
}

/* Packs nr-slivers [sliver0, sliver1) of the panel op(B)(row0.., col0..)
 * of depth rows and width columns: sliver s holds, for each step p, nr
 * values, at dst + s * depth * nr. Columns past the end are zero. */
static void GEMM_NAME(pack_b)(const GEMM_NAME(problem_t) *p, size_t row0, size_t depth,
                              size_t col0, size_t width, size_t sliver0, size_t sliver1,
                              GEMM_TYPE *dst) {
  const size_t nr = p->blocking.nr;
  for (size_t s = sliver0; s < sliver1; s++) {
    size_t first = s * nr;
    size_t count = width - first < nr ? width - first : nr;
    const GEMM_TYPE *src = p->b + row0 * p->b_rs + (col0 + first) * p->b_cs;
    GEMM_TYPE *out = dst + s * depth * nr;
    if (p->b_cs == 1) {
      /* Rows of op(B) are contiguous: copy nr values per step. */
      for (size_t q = 0; q < depth; q++) {
        const GEMM_TYPE *row = src + q * p->b_rs;
        for (size_t j = 0; j < count; j++)
          out[q * nr + j] = row[j];
        for (size_t j = count; j < nr; j++)
          out[q * nr + j] = 0;
      }
    } else {
      /* Columns of op(B) are contiguous: read each column once. */
      for (size_t j = 0; j < count; j++) {
        const GEMM_TYPE *column = src + j * p->b_cs;
        for (size_t q = 0; q < depth; q++)
          out[q * nr + j] = column[q * p->b_rs];
      }
      for (size_t j = count; j < nr; j++)
        for (size_t q = 0; q < depth; q++)
          out[q * nr + j] = 0;
    }
  }
}

/* Runs the microkernel on one tile of C, through a local tile when the
 * tile is cut by the edge of C. */
static void GEMM_NAME(tile_update)(const GEMM_NAME(problem_t) *p, size_t depth,
                                   const GEMM_TYPE *a, const GEMM_TYPE *b, GEMM_TYPE *c,
                                   size_t rows, size_t cols, GEMM_TYPE beta) {
  const size_t mr = p->blocking.mr, nr = p->blocking.nr;
  if (rows == mr && cols == nr) {
    p->kernel(depth, a, b, c, p->ldc, p->alpha, beta);
    return;
  }

  _Alignas(64) GEMM_TYPE tile[GEMM_MAX_TILE];
  p->kernel(depth, a, b, tile, mr, p->alpha, 0);
  for (size_t j = 0; j < cols; j++) {
    GEMM_TYPE *column = c + j * p->ldc;
    const GEMM_TYPE *source = tile + j * mr;
    if (beta == 0) {
      for (size_t i = 0; i < rows; i++)
        column[i] = source[i];
    } else {
      for (size_t i = 0; i < rows; i++)
        column[i] = source[i] + beta * column[i];
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
                             c + row + col * p->ldc, height, cols, beta);
    }
  }
}

/* State shared by the threads of one packed call. */
typedef struct GEMM_NAME(team_context) {
  const GEMM_NAME(problem_t) *problem;
  numapool_t *pool;
  /* Two B panels of kc x nc, set by thread 0 before the first barrier and
   * read by all threads after it (the barrier orders the accesses); NULL
   * when the allocation failed. */
  GEMM_TYPE *b_panels;
  /* NUMAPOOL_ENOMEM when a thread could not get its A buffer; written
   * with relaxed stores, read by the caller after the call joined. */
  atomic_int status;
} GEMM_NAME(team_context_t);

/* Bytes of one thread's A block and of one B panel. */
static size_t GEMM_NAME(a_block_bytes)(const numapool__gemm_blocking_t *blocking) {
  return blocking->mc * blocking->kc * sizeof(GEMM_TYPE);
}

static size_t GEMM_NAME(b_panel_elements)(const numapool__gemm_blocking_t *blocking) {
  return blocking->kc * blocking->nc;
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
          context->b_panels + (panel % 2) * GEMM_NAME(b_panel_elements)(blocking);

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
                                sliver_end, p->c + ic + jc * p->ldc, beta);
      }
    }
  }
}

/* The team task: get the buffers, then compute. A thread without its A
 * buffer still packs B and meets every barrier, so the others finish. */
static void GEMM_NAME(team_task)(void *opaque, numapool_team_t *team, size_t thread_index,
                                 size_t thread_count) {
  GEMM_NAME(team_context_t) *context = opaque;
  const numapool__gemm_blocking_t *blocking = &context->problem->blocking;
  /* A one-thread team may be a nested call running on a thread that is
   * not the pool's thread 0, so it takes the calling thread's own buffer. */
  numapool_t *owner = thread_count > 1 ? context->pool : NULL;
  size_t a_bytes = GEMM_NAME(a_block_bytes)(blocking);
  size_t b_bytes = 2 * GEMM_NAME(b_panel_elements)(blocking) * sizeof(GEMM_TYPE);

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

/* Runs the packed path on the pool, or on the caller when pool is NULL. */
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

/*
 * Direct path for small and skinny problems: no packing, loops chosen by
 * which strides are 1 so the compiler can vectorize the innermost one.
 * Computes the block of C at rows [row0, row0 + rows), columns [col0,
 * col0 + cols). The clones let the loops use the wide vectors of the CPU
 * that runs them.
 */
GEMM_CLONES
static void GEMM_NAME(direct_block)(const GEMM_NAME(problem_t) *p, size_t row0, size_t rows,
                                    size_t col0, size_t cols) {
  const size_t k = p->k;
  const GEMM_TYPE alpha = p->alpha, beta = p->beta;
  const size_t a_rs = p->a_rs, a_cs = p->a_cs, b_rs = p->b_rs, b_cs = p->b_cs;

  for (size_t j = col0; j < col0 + cols; j++) {
    GEMM_TYPE *column = p->c + row0 + j * p->ldc;
    const GEMM_TYPE *a = p->a + row0 * a_rs;
    const GEMM_TYPE *b = p->b + j * b_cs;
    if (a_rs == 1) {
      /* C(:, j) = beta * C(:, j) + sum_p (alpha * B(p, j)) * A(:, p). */
      if (beta == 0) {
        for (size_t i = 0; i < rows; i++)
          column[i] = 0;
      } else if (beta != 1) {
        for (size_t i = 0; i < rows; i++)
          column[i] *= beta;
      }
      for (size_t q = 0; q < k; q++) {
        GEMM_TYPE scale = alpha * b[q * b_rs];
        const GEMM_TYPE *a_column = a + q * a_cs;
        for (size_t i = 0; i < rows; i++)
          column[i] += scale * a_column[i];
      }
    } else {
      /* Rows of op(A) are contiguous: one dot product per element. */
      for (size_t i = 0; i < rows; i++) {
        GEMM_TYPE sum = GEMM_NAME(dot)(a + i * a_rs, a_cs, b, b_rs, k);
        column[i] = beta == 0 ? alpha * sum : alpha * sum + beta * column[i];
      }
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
  gemm_direct_tiles(p->m, p->n, p->k, &tile_rows, &tile_cols);
  if (pool == NULL || (tile_rows >= p->m && tile_cols >= p->n)) {
    GEMM_NAME(direct_block)(p, 0, p->m, 0, p->n);
    return 0;
  }
  return numapool_parallel_for_2d(pool, p->m, p->n, tile_rows, tile_cols,
                                  GEMM_NAME(direct_task), (void *)p, 0);
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
  return GEMM_NAME(run_packed)(pool, p);
}

#undef GEMM_CONCAT_
#undef GEMM_CONCAT
#undef GEMM_NAME
