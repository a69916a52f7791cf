/* First-touch buffers: each page is written first by the thread that the
 * pool's parallel-for split gives it to, so it lands on that thread's
 * node. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <numapool/memory.h>

#include "common/log.h"
#include "memory/map.h"
#include "pool/place.h"

/* A buffer of a parallel-for shape, and how its pages are split. */
typedef struct shape {
  size_t dims;
  size_t range[NUMAPOOL_MAX_DIMS];
  size_t tile[NUMAPOOL_MAX_DIMS];
  size_t tiles[NUMAPOOL_MAX_DIMS]; /* tiles per dimension */
  size_t total_tiles;
  size_t item_size;
  size_t bytes;
  size_t granule;  /* the unit of placement: a base or a huge page */
  size_t threads;  /* threads the split uses */
  volatile char *buffer;
} shape_t;

/* Checks the shape and fills the derived counts. */
static int shape_init(shape_t *shape, size_t dims, const size_t range[], const size_t tile[],
                      size_t item_size) {
  if (dims < 1 || dims > NUMAPOOL_MAX_DIMS || range == NULL || item_size == 0) {
    NUMAPOOL_LOG_ERROR("invalid first-touch shape: dims %zu (expected 1 to %d), range %s, "
                       "item size %zu (expected at least 1)",
                       dims, NUMAPOOL_MAX_DIMS, range == NULL ? "NULL" : "set", item_size);
    return NUMAPOOL_EINVAL;
  }
  shape->dims = dims;
  shape->item_size = item_size;
  size_t items = 1;
  bool overflow = false;
  shape->total_tiles = 1;
  for (size_t d = 0; d < dims; d++) {
    size_t size = tile != NULL ? tile[d] : 1;
    if (size == 0 || range[d] == 0) {
      NUMAPOOL_LOG_ERROR("invalid first-touch shape: %s 0 in dimension %zu; the buffer "
                         "needs at least one item of at least one tile",
                         size == 0 ? "tile" : "range", d);
      return NUMAPOOL_EINVAL;
    }
    shape->range[d] = range[d];
    shape->tile[d] = size;
    shape->tiles[d] = range[d] / size + (range[d] % size != 0);
    if (__builtin_mul_overflow(items, range[d], &items) ||
        __builtin_mul_overflow(shape->total_tiles, shape->tiles[d], &shape->total_tiles))
      overflow = true;
  }
  if (overflow || __builtin_mul_overflow(items, item_size, &shape->bytes)) {
    NUMAPOOL_LOG_ERROR("invalid first-touch shape: the size of %zu dimensions of %zu-byte "
                       "items overflows size_t",
                       dims, item_size);
    return NUMAPOOL_EOVERFLOW;
  }
  return 0;
}

/* The threads of the split, as a parallel-for of the shape would use:
 * one when it runs inline (a one-thread pool, a single tile, fewer items
 * than the minimum work size), else at most one per tile.
 * NOTE: this repeats the inline rule of numapool_parallel_for; both must
 * change together. */
static size_t split_threads(const numapool_t *pool, const shape_t *shape) {
  size_t threads = numapool_get_thread_count(pool);
  size_t items = shape->bytes / shape->item_size;
  if (threads == 1 || shape->total_tiles == 1 || items < numapool_get_min_work_size(pool))
    return 1;
  return threads < shape->total_tiles ? threads : shape->total_tiles;
}

/* The thread whose tiles contain byte `offset`. */
static size_t byte_owner(const shape_t *shape, size_t offset) {
  size_t item = offset / shape->item_size;
  size_t coords[NUMAPOOL_MAX_DIMS];
  for (size_t d = shape->dims; d-- > 0;) {
    coords[d] = item % shape->range[d];
    item /= shape->range[d];
  }
  size_t linear = 0;
  for (size_t d = 0; d < shape->dims; d++)
    linear = linear * shape->tiles[d] + coords[d] / shape->tile[d];
  return numapool__share_owner(shape->total_tiles, shape->threads, linear);
}

/* Writes every base page of each granule that thread_index owns.
 * NOTE: each thread scans all granules, so the work grows with threads x
 * pages; it is done once per buffer. */
static void touch_own_pages(void *context, numapool_team_t *team, size_t thread_index,
                            size_t thread_count) {
  (void)team;
  const shape_t *shape = context;
  if (thread_index >= shape->threads)
    return;
  size_t page = numapool_page_size();
  for (size_t start = 0; start < shape->bytes; start += shape->granule) {
    /* A nested team call runs on one thread, which must then write every
     * page. */
    size_t owner = byte_owner(shape, start);
    if (owner >= thread_count)
      owner = 0;
    if (owner != thread_index)
      continue;
    size_t end = shape->bytes - start < shape->granule ? shape->bytes : start + shape->granule;
    for (size_t offset = start; offset < end; offset += page)
      shape->buffer[offset] = 0;
  }
}

void *numapool_memory_alloc_first_touch(numapool_t *pool, size_t dims, const size_t range[],
                                        const size_t tile[], size_t item_size) {
  shape_t shape;
  int status = shape_init(&shape, dims, range, tile, item_size);
  if (status != 0) {
    errno = -status;
    return NULL;
  }
  shape.granule = numapool__memory_granule();
  shape.threads = split_threads(pool, &shape);

  void *buffer = numapool__memory_map(shape.bytes, shape.granule);
  if (buffer == NULL)
    return NULL;
  shape.buffer = buffer;

  /* A team call, not a parallel-for: each thread must write exactly its
   * own pages, and a parallel-for would let early threads steal the pages
   * of late ones. */
  status = numapool_team_run(pool, touch_own_pages, &shape, 0);
  if (status != 0) {
    numapool_memory_free(buffer, shape.bytes);
    errno = -status;
    return NULL;
  }
  return buffer;
}

int numapool_memory_owner(const numapool_t *pool, size_t dims, const size_t range[],
                          const size_t tile[], size_t item_size, size_t offset,
                          size_t *thread_index) {
  shape_t shape;
  int status = shape_init(&shape, dims, range, tile, item_size);
  if (status != 0)
    return status;
  if (thread_index == NULL || offset >= shape.bytes) {
    NUMAPOOL_LOG_ERROR("invalid numapool_memory_owner: offset %zu of a %zu-byte buffer, or "
                       "NULL thread_index",
                       offset, shape.bytes);
    return NUMAPOOL_EINVAL;
  }
  shape.granule = numapool__memory_granule();
  shape.threads = split_threads(pool, &shape);
  *thread_index = byte_owner(&shape, offset - offset % shape.granule);
  return 0;
}
