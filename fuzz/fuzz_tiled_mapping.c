/* Fuzzes the tiled index mapping of the parallel-for: random dimensions,
 * ranges (huge ones too), tiles, flags, thread counts and entry points.
 * Every tile must run exactly once with start a multiple of the tile and
 * extent min(tile, range - start); invalid calls must fail without running
 * anything.
 *
 * Input: byte 0 = dims (1..6 valid, others invalid), byte 1 = pool (0:
 * NULL, 1..4 threads), byte 2 = flags, byte 3 = entry point and minimum
 * work size; then per dimension 8 bytes of range and 8 bytes of tile. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/numapool.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Calls with more tiles than this are only validated, not run. */
#define MAX_TILES 4096

static numapool_t *pools[5];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  setenv("NUMAPOOL_LOG", "none", 1);
  for (size_t threads = 1; threads <= 4; threads++) {
    numapool_options_t options = {.thread_count = threads};
    pools[threads] = numapool_create(&options);
    if (pools[threads] == NULL)
      abort();
  }
  return 0;
}

typedef struct expected_call {
  size_t dims;
  size_t range[NUMAPOOL_MAX_DIMS];
  size_t tile[NUMAPOOL_MAX_DIMS];
  size_t tiles[NUMAPOOL_MAX_DIMS];
  size_t thread_limit;
  atomic_uchar hits[MAX_TILES];
  atomic_uint bad;
} expected_call_t;

static expected_call_t expected;

static void check_tile(void *context, size_t thread_index, const size_t start[],
                       const size_t extent[]) {
  expected_call_t *call = context;
  if (thread_index >= call->thread_limit) {
    atomic_fetch_add(&call->bad, 1);
    return;
  }
  size_t linear = 0;
  for (size_t d = 0; d < call->dims; d++) {
    if (start[d] >= call->range[d] || start[d] % call->tile[d] != 0) {
      atomic_fetch_add(&call->bad, 1);
      return;
    }
    size_t left = call->range[d] - start[d];
    if (extent[d] != (left < call->tile[d] ? left : call->tile[d])) {
      atomic_fetch_add(&call->bad, 1);
      return;
    }
    linear = linear * call->tiles[d] + start[d] / call->tile[d];
  }
  if (linear >= MAX_TILES) {
    atomic_fetch_add(&call->bad, 1);
    return;
  }
  atomic_fetch_add(&call->hits[linear], 1);
}

static void check_tile_1d(void *context, size_t thread_index, size_t start, size_t extent) {
  check_tile(context, thread_index, &start, &extent);
}

static void check_tile_2d(void *context, size_t thread_index, size_t i, size_t j,
                          size_t extent_i, size_t extent_j) {
  size_t start[2] = {i, j};
  size_t extent[2] = {extent_i, extent_j};
  check_tile(context, thread_index, start, extent);
}

static uint64_t read_u64(const uint8_t *bytes) {
  uint64_t value;
  memcpy(&value, bytes, sizeof(value));
  return value;
}

/* Small values are the interesting ones: most fuzzed sizes are shrunk to
 * a few bits, and some keep their full width. */
static size_t shape_value(uint64_t raw) {
  switch (raw & 3) {
  case 0:
    return (size_t)((raw >> 2) & 7);
  case 1:
    return (size_t)((raw >> 2) & 63);
  case 2:
    return (size_t)((raw >> 2) & 4095);
  default:
    return (size_t)(raw >> 2) | ((size_t)(raw & 0x8000000000000000ull));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4)
    return 0;
  size_t dims = data[0] % 8;
  numapool_t *pool = pools[data[1] % 5];
  uint32_t flags = data[2] < 0xf0 ? (data[2] & 3) : (uint32_t)1 << (data[2] & 31);
  unsigned entry = data[3] % 3;
  size_t min_work = data[3] >> 2;
  data += 4;
  size -= 4;

  size_t given = dims >= 1 && dims <= NUMAPOOL_MAX_DIMS ? dims : 1;
  if (size < given * 16)
    return 0;
  memset(&expected, 0, sizeof(expected));
  expected.dims = dims;
  expected.thread_limit = numapool_get_thread_count(pool);
  bool invalid = dims < 1 || dims > NUMAPOOL_MAX_DIMS || (flags & ~3u) != 0;
  bool empty = false;
  bool overflow = false;
  size_t total = 1;
  for (size_t d = 0; d < given; d++) {
    expected.range[d] = shape_value(read_u64(data + 16 * d));
    expected.tile[d] = shape_value(read_u64(data + 16 * d + 8));
    if (expected.tile[d] == 0) {
      invalid = true;
      continue;
    }
    expected.tiles[d] = expected.range[d] / expected.tile[d] +
                        (expected.range[d] % expected.tile[d] != 0);
    if (expected.range[d] == 0)
      empty = true;
    else if (__builtin_mul_overflow(total, expected.tiles[d], &total))
      overflow = true;
  }

  /* Calls that would run too many tiles are skipped, unless they must
   * fail before running anything. */
  if (!invalid && !overflow && !empty && total > MAX_TILES)
    return 0;

  if (pool != NULL)
    numapool_set_min_work_size(pool, min_work);
  int status;
  if (entry == 1 && dims == 1)
    status = numapool_parallel_for_1d(pool, expected.range[0], expected.tile[0], check_tile_1d,
                                      &expected, flags);
  else if (entry == 2 && dims == 2)
    status = numapool_parallel_for_2d(pool, expected.range[0], expected.range[1],
                                      expected.tile[0], expected.tile[1], check_tile_2d,
                                      &expected, flags);
  else
    status = numapool_parallel_for(pool, dims, expected.range, expected.tile, check_tile,
                                   &expected, flags);
  if (pool != NULL)
    numapool_set_min_work_size(pool, 1);

  size_t runs = 0;
  for (size_t i = 0; i < MAX_TILES; i++)
    runs += atomic_load(&expected.hits[i]);
  if (invalid) {
    /* A tile of 0 after an overflowing dimension may report the overflow
     * first; the order of the checks is not part of the contract. */
    if (runs != 0 || (status != NUMAPOOL_EINVAL && !(overflow && status == NUMAPOOL_EOVERFLOW)))
      abort();
    return 0;
  }
  if (overflow) {
    /* NOTE: with an empty dimension as well, the library reports the
     * overflow of the other dimensions instead of making no call; both
     * run nothing. */
    if (runs != 0 || (status != NUMAPOOL_EOVERFLOW && !(empty && status == 0)))
      abort();
    return 0;
  }
  if (status != 0 || atomic_load(&expected.bad) != 0)
    abort();
  if (empty) {
    if (runs != 0)
      abort();
    return 0;
  }
  for (size_t i = 0; i < total; i++)
    if (atomic_load(&expected.hits[i]) != 1)
      abort();
  return 0;
}
