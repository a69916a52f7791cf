/* The generic core of the pthreadpool drop-in: argument lists, flags,
 * empty ranges and dynamic runs, on top of numapool_parallel_for. */
#include "compat/adapter.h"

#include "common/log.h"

/* Most size_t arguments a task takes: thread index, 6 starts, 2 extents. */
#define MAX_ARGS 9

/* Runs per thread that a dynamic call aims for: enough runs for the pool to
 * balance uneven tasks, few enough to keep the calls long. */
#define DYNAMIC_RUNS_PER_THREAD 4

#define PTHREADPOOL_DISABLE_DENORMALS 0x1u
#define PTHREADPOOL_YIELD_WORKERS 0x2u
#define PTHREADPOOL_DONT_SPIN_WORKERS 0x4u
#define PTHREADPOOL_KNOWN_FLAGS                                                 \
  (PTHREADPOOL_DISABLE_DENORMALS | PTHREADPOOL_YIELD_WORKERS | PTHREADPOOL_DONT_SPIN_WORKERS)

/*
 * Invokers: one per argument list, each converting the task back to its
 * real type, (void *, [uint32_t,] n x size_t), before the call.
 */
typedef void (*invoker_t)(numapool__compat_function_t function, void *context, uint32_t id,
                          const size_t args[]);

#define SIZES_1 size_t
#define SIZES_2 SIZES_1, size_t
#define SIZES_3 SIZES_2, size_t
#define SIZES_4 SIZES_3, size_t
#define SIZES_5 SIZES_4, size_t
#define SIZES_6 SIZES_5, size_t
#define SIZES_7 SIZES_6, size_t
#define SIZES_8 SIZES_7, size_t
#define SIZES_9 SIZES_8, size_t
#define VALUES_1 args[0]
#define VALUES_2 VALUES_1, args[1]
#define VALUES_3 VALUES_2, args[2]
#define VALUES_4 VALUES_3, args[3]
#define VALUES_5 VALUES_4, args[4]
#define VALUES_6 VALUES_5, args[5]
#define VALUES_7 VALUES_6, args[6]
#define VALUES_8 VALUES_7, args[7]
#define VALUES_9 VALUES_8, args[8]

#define DEFINE_INVOKERS(n)                                                      \
  static void invoke_plain_##n(numapool__compat_function_t function, void *context, \
                               uint32_t id, const size_t args[]) {             \
    (void)id;                                                                  \
    ((void (*)(void *, SIZES_##n))function)(context, VALUES_##n);              \
  }                                                                            \
  static void invoke_id_##n(numapool__compat_function_t function, void *context, \
                            uint32_t id, const size_t args[]) {                \
    ((void (*)(void *, uint32_t, SIZES_##n))function)(context, id, VALUES_##n); \
  }

DEFINE_INVOKERS(1)
DEFINE_INVOKERS(2)
DEFINE_INVOKERS(3)
DEFINE_INVOKERS(4)
DEFINE_INVOKERS(5)
DEFINE_INVOKERS(6)
DEFINE_INVOKERS(7)
DEFINE_INVOKERS(8)
DEFINE_INVOKERS(9)

/* Indexed by [has a uint32_t id][size_t argument count]. */
static const invoker_t invokers[2][MAX_ARGS + 1] = {
    {NULL, invoke_plain_1, invoke_plain_2, invoke_plain_3, invoke_plain_4, invoke_plain_5,
     invoke_plain_6, invoke_plain_7, invoke_plain_8, invoke_plain_9},
    {NULL, invoke_id_1, invoke_id_2, invoke_id_3, invoke_id_4, invoke_id_5, invoke_id_6,
     invoke_id_7, invoke_id_8, invoke_id_9},
};

/* One call's adapter, read-only while the tasks run. */
typedef struct adapter {
  invoker_t invoke;
  numapool__compat_function_t function;
  void *context;
  uint32_t uarch_index;
  uint8_t dims;
  uint8_t tiled;
  uint8_t prefix;
  /* Bit d set: dimension d is empty, so its count is passed as 0. */
  uint8_t empty;
} adapter_t;

static size_t prefix_size_args(uint8_t prefix) {
  return prefix == NUMAPOOL__PREFIX_THREAD || prefix == NUMAPOOL__PREFIX_UARCH_THREAD;
}

static bool prefix_has_id(uint8_t prefix) {
  return prefix == NUMAPOOL__PREFIX_THREAD_ID || prefix == NUMAPOOL__PREFIX_UARCH ||
         prefix == NUMAPOOL__PREFIX_UARCH_THREAD;
}

static size_t tiled_count(uint8_t tiled) { return (size_t)__builtin_popcount(tiled); }

/* The numapool task: lays out the arguments in pthreadpool's order. */
static void run_tile(void *context, size_t thread_index, const size_t start[],
                     const size_t extent[]) {
  const adapter_t *adapter = context;
  size_t args[MAX_ARGS];
  size_t count = 0;

  if (prefix_size_args(adapter->prefix))
    args[count++] = thread_index;
  for (size_t d = 0; d < adapter->dims; d++)
    args[count++] = start[d];
  for (size_t d = 0; d < adapter->dims; d++)
    if (adapter->tiled & (1u << d))
      args[count++] = adapter->empty & (1u << d) ? 0 : extent[d];

  uint32_t id = adapter->prefix == NUMAPOOL__PREFIX_THREAD_ID ? (uint32_t)thread_index
                                                               : adapter->uarch_index;
  adapter->invoke(adapter->function, adapter->context, id, args);
}

static uint32_t convert_flags(const char *name, uint32_t flags) {
  if ((flags & ~PTHREADPOOL_KNOWN_FLAGS) != 0)
    NUMAPOOL_WARN_ONCE("%s: unknown flag bits 0x%x ignored; known flags are 0x%x", name,
                       flags & ~PTHREADPOOL_KNOWN_FLAGS, PTHREADPOOL_KNOWN_FLAGS);

  uint32_t native = 0;
  if (flags & PTHREADPOOL_DISABLE_DENORMALS)
    native |= NUMAPOOL_FLAG_DISABLE_DENORMALS;
  if (flags & (PTHREADPOOL_YIELD_WORKERS | PTHREADPOOL_DONT_SPIN_WORKERS))
    native |= NUMAPOOL_FLAG_YIELD_WORKERS;
  return native;
}

static size_t tile_count(size_t range, size_t tile) {
  return range / tile + (range % tile != 0);
}

/* The tile of a run of `run` tiles of a dimension, capped at its range. */
static size_t run_tile_size(size_t range, size_t tile, size_t run) {
  return run >= tile_count(range, tile) ? range : tile * run;
}

/*
 * Widens the tiles of a dynamic call so that each task covers a run of
 * tiles: along the last tiled dimension first, and along the tiled
 * dimension before it only once runs cover whole rows. The pool then
 * balances the runs. Ranges are non-empty and tiles non-zero here.
 */
static void widen_dynamic_tiles(const numapool__compat_shape_t *shape, const size_t range[],
                                size_t tile[], size_t thread_count) {
  size_t total = 1;
  for (size_t d = 0; d < shape->dims; d++)
    if (__builtin_mul_overflow(total, tile_count(range[d], tile[d]), &total))
      total = SIZE_MAX;

  size_t runs = thread_count <= 1 ? 1 : thread_count * DYNAMIC_RUNS_PER_THREAD;
  size_t run = total / runs > 1 ? total / runs : 1;

  for (size_t d = shape->dims; d-- > 0 && run > 1;) {
    if (!(shape->tiled & (1u << d)))
      break;
    size_t tiles = tile_count(range[d], tile[d]);
    tile[d] = run_tile_size(range[d], tile[d], run);
    if (run < tiles)
      break;
    run /= tiles;
  }
}

/* Returns the dims bits of the empty dimensions. */
static uint8_t empty_mask(const numapool__compat_shape_t *shape, const size_t range[]) {
  uint8_t empty = 0;
  for (size_t d = 0; d < shape->dims; d++)
    if (range[d] == 0)
      empty |= (uint8_t)(1u << d);
  return empty;
}

static bool valid_tiles(const numapool__compat_shape_t *shape, const size_t tile[]) {
  for (size_t d = 0; d < shape->dims; d++) {
    if (tile[d] == 0) {
      NUMAPOOL_LOG_ERROR("%s: invalid tile 0 in dimension %zu: tiles must be at least 1; "
                         "nothing runs",
                         shape->name, d);
      return false;
    }
  }
  return true;
}

void numapool__compat_run(void *threadpool, const numapool__compat_shape_t *shape,
                          numapool__compat_function_t function, void *context,
                          const size_t range[], const size_t tile[], uint32_t uarch_index,
                          uint32_t flags) {
  numapool_t *pool = threadpool;
  size_t size_args = prefix_size_args(shape->prefix) + shape->dims + tiled_count(shape->tiled);
  adapter_t adapter = {
      .invoke = invokers[prefix_has_id(shape->prefix)][size_args],
      .function = function,
      .context = context,
      .uarch_index = uarch_index,
      .dims = shape->dims,
      .tiled = shape->tiled,
      .prefix = shape->prefix,
  };
  if (function == NULL) {
    NUMAPOOL_LOG_ERROR("%s: the task function is NULL; nothing runs", shape->name);
    return;
  }

  size_t call_range[NUMAPOOL_MAX_DIMS];
  size_t call_tile[NUMAPOOL_MAX_DIMS];
  for (size_t d = 0; d < shape->dims; d++) {
    call_range[d] = range[d];
    call_tile[d] = tile[d];
  }

  /* An empty range makes no call, except in a dynamic call whose empty
   * dimensions are all tiled: it makes one call per untiled index, with a
   * count of 0 in the empty dimensions. */
  uint8_t empty = empty_mask(shape, range);
  if (empty != 0 && (!shape->dynamic || (empty & ~shape->tiled) != 0))
    return;
  if (empty != 0) {
    adapter.empty = empty;
    for (size_t d = 0; d < shape->dims; d++) {
      bool tiled = (shape->tiled & (1u << d)) != 0;
      call_range[d] = range[d] == 0 ? 1 : range[d];
      call_tile[d] = tiled ? call_range[d] : 1;
    }
  } else {
    if (!valid_tiles(shape, tile))
      return;
    if (shape->dynamic)
      widen_dynamic_tiles(shape, range, call_tile, numapool_get_thread_count(pool));
  }

  int status = numapool_parallel_for(pool, shape->dims, call_range, call_tile, run_tile,
                                     &adapter, convert_flags(shape->name, flags));
  if (status != 0)
    NUMAPOOL_LOG_ERROR("%s: %s; nothing ran", shape->name, numapool_strerror(status));
}
