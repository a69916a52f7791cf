/* Parallel-for: validation, the inline path, the split of the tiles over
 * the threads, and the claim-and-steal loop every thread runs. */
#include <string.h>

#include "common/log.h"
#include "pool/place.h"
#include "pool/pool.h"

#define KNOWN_FLAGS (NUMAPOOL_FLAG_DISABLE_DENORMALS | NUMAPOOL_FLAG_YIELD_WORKERS)

/* Validates a call and fills the tile counts. Returns 0, an error, or 1
 * when the range is empty and nothing must run. */
static int prepare(numapool__call_t *call, size_t dims, const size_t range[],
                   const size_t tile[], numapool_task_t task, uint32_t flags) {
  if (dims < 1 || dims > NUMAPOOL_MAX_DIMS) {
    NUMAPOOL_LOG_ERROR("invalid parallel-for dims %zu: expected 1 to %d", dims,
                       NUMAPOOL_MAX_DIMS);
    return NUMAPOOL_EINVAL;
  }
  if (range == NULL || task == NULL) {
    NUMAPOOL_LOG_ERROR("invalid parallel-for: %s is NULL", range == NULL ? "range" : "task");
    return NUMAPOOL_EINVAL;
  }
  if ((flags & ~KNOWN_FLAGS) != 0) {
    NUMAPOOL_LOG_ERROR("invalid parallel-for flags 0x%x: unknown bits 0x%x", flags,
                       flags & ~KNOWN_FLAGS);
    return NUMAPOOL_EINVAL;
  }

  bool empty = false;
  size_t total = 1;
  for (size_t d = 0; d < dims; d++) {
    size_t size = tile != NULL ? tile[d] : 1;
    if (size == 0) {
      NUMAPOOL_LOG_ERROR("invalid parallel-for tile 0 in dimension %zu: tiles must be at "
                         "least 1",
                         d);
      return NUMAPOOL_EINVAL;
    }
    call->range[d] = range[d];
    call->tile[d] = size;
    call->tiles[d] = range[d] / size + (range[d] % size != 0);
    if (range[d] == 0)
      empty = true;
    else if (__builtin_mul_overflow(total, call->tiles[d], &total)) {
      NUMAPOOL_LOG_ERROR("invalid parallel-for: the tile count over %zu dimensions overflows "
                         "size_t",
                         dims);
      return NUMAPOOL_EOVERFLOW;
    }
  }
  call->dims = dims;
  call->task = task;
  call->flags = flags;
  call->total = empty ? 0 : total;
  return empty ? 1 : 0;
}

/* Tile coordinates of a linear tile index, last dimension fastest. */
static void decompose(const numapool__call_t *call, size_t linear, size_t coords[]) {
  for (size_t d = call->dims; d-- > 1;) {
    coords[d] = linear % call->tiles[d];
    linear /= call->tiles[d];
  }
  coords[0] = linear;
}

/* Moves tile coordinates to the next linear index. */
static void advance(const numapool__call_t *call, size_t coords[]) {
  for (size_t d = call->dims; d-- > 0;) {
    if (++coords[d] < call->tiles[d] || d == 0)
      return;
    coords[d] = 0;
  }
}

static void run_tile(const numapool__call_t *call, size_t thread_index, const size_t coords[]) {
  size_t start[NUMAPOOL_MAX_DIMS];
  size_t extent[NUMAPOOL_MAX_DIMS];
  for (size_t d = 0; d < call->dims; d++) {
    start[d] = coords[d] * call->tile[d];
    size_t left = call->range[d] - start[d];
    extent[d] = left < call->tile[d] ? left : call->tile[d];
  }
  call->task(call->context, thread_index, start, extent);
}

/* Runs every tile on the calling thread, in serial loop order. */
static void run_inline(const numapool__call_t *call) {
  numapool__task_scope_t scope;
  numapool__task_scope_enter(&scope, NULL, call->flags);

  size_t coords[NUMAPOOL_MAX_DIMS] = {0};
  for (size_t i = 0; i < call->total; i++) {
    run_tile(call, 0, coords);
    advance(call, coords);
  }

  numapool__task_scope_leave(&scope);
}

/* Takes one tile from the back of a victim's share. */
static bool steal(numapool__share_t *victim, size_t *linear) {
  if (atomic_load_explicit(&victim->remaining, memory_order_relaxed) <= 0)
    return false;
  if (atomic_fetch_sub_explicit(&victim->remaining, 1, memory_order_acq_rel) <= 0)
    return false;
  *linear = atomic_fetch_sub_explicit(&victim->end, 1, memory_order_relaxed) - 1;
  return true;
}

void numapool__for_run(numapool_t *pool, size_t index) {
  const numapool__call_t *call = &pool->call;
  numapool__share_t *own = &pool->shares[index];
  numapool__worker_t *worker = &pool->workers[index];
  size_t own_domain = pool->places[index].domain;
  numapool_thread_stats_t stats = {.domain = own_domain};

  /* The owner claims its share from the front; consecutive claims walk the
   * coordinates forward instead of dividing. */
  size_t coords[NUMAPOOL_MAX_DIMS];
  bool positioned = false;
  while (atomic_fetch_sub_explicit(&own->remaining, 1, memory_order_acq_rel) > 0) {
    size_t linear = atomic_load_explicit(&own->next, memory_order_relaxed);
    atomic_store_explicit(&own->next, linear + 1, memory_order_relaxed);
    if (positioned)
      advance(call, coords);
    else
      decompose(call, linear, coords);
    positioned = true;
    run_tile(call, index, coords);
    stats.items++;
  }

  /* Then it steals from the back of the others' shares, in steal order. */
  for (size_t v = 0; v < worker->victim_count; v++) {
    size_t victim = worker->victims[v];
    size_t linear;
    while (steal(&pool->shares[victim], &linear)) {
      decompose(call, linear, coords);
      run_tile(call, index, coords);
      stats.items++;
      if (pool->places[victim].domain == own_domain)
        stats.steals_local++;
      else
        stats.steals_remote++;
    }
  }
  worker->stats = stats;
}

/* Splits the tiles into contiguous shares, one per thread in thread order;
 * threads are ordered domain by domain, so each domain's share of the range
 * is proportional to its threads. */
static void split_shares(numapool_t *pool) {
  size_t threads = pool->call.thread_count;
  size_t total = pool->call.total;
  for (size_t i = 0; i < threads; i++) {
    size_t begin;
    size_t end;
    numapool__share_bounds(total, threads, i, &begin, &end);
    numapool__share_t *share = &pool->shares[i];
    atomic_store_explicit(&share->next, begin, memory_order_relaxed);
    atomic_store_explicit(&share->end, end, memory_order_relaxed);
    atomic_store_explicit(&share->remaining, (long long)(end - begin), memory_order_relaxed);
    pool->workers[i].stats = (numapool_thread_stats_t){.domain = pool->places[i].domain};
  }
}

static size_t item_count(const numapool__call_t *call) {
  size_t items = 1;
  for (size_t d = 0; d < call->dims; d++)
    if (__builtin_mul_overflow(items, call->range[d], &items))
      return SIZE_MAX;
  return items;
}

/* Runs the call on the pool's threads; the call lock is held. */
static void run_parallel(numapool_t *pool) {
  numapool__call_t *call = &pool->call;
  size_t threads = pool->thread_count;
  if (threads > call->total)
    threads = call->total;
  call->thread_count = threads;
  call->mode = NUMAPOOL__CALL_FOR;
  split_shares(pool);

  numapool__call_open(pool, threads - 1);

  numapool__task_scope_t scope;
  numapool__task_scope_enter(&scope, pool, call->flags);
  numapool__for_run(pool, 0);
  numapool__task_scope_leave(&scope);

  numapool__call_close(pool);
}

int numapool_parallel_for(numapool_t *pool, size_t dims, const size_t range[],
                          const size_t tile[], numapool_task_t task, void *context,
                          uint32_t flags) {
  numapool__call_t local;
  bool nested = numapool__current_pool != NULL;
  bool serial = pool == NULL || nested;
  numapool__call_t *call = serial ? &local : &pool->call;

  if (!serial) {
    if (pool->fork_generation != numapool__fork_generation()) {
      atomic_store(&pool->call_lock, 1);
      numapool__fork_adopt(pool);
    } else {
      numapool__call_lock(pool);
    }
  }

  int status = prepare(call, dims, range, tile, task, flags);
  call->context = context;
  if (status == 0 && !serial &&
      (pool->thread_count == 1 || call->total == 1 || item_count(call) < pool->min_work_size)) {
    /* Run inline, without holding the lock, from a copy of the call. */
    local = *call;
    call = &local;
    numapool__call_unlock(pool);
    serial = true;
  }

  if (status == 0) {
    if (serial)
      run_inline(call);
    else
      run_parallel(pool);
  }
  if (!serial)
    numapool__call_unlock(pool);
  return status < 0 ? status : 0;
}

/* Typed 1-D and 2-D entry points, through the generic core. */
typedef struct adapter {
  union {
    numapool_task_1d_t task_1d;
    numapool_task_2d_t task_2d;
  };
  void *context;
} adapter_t;

static void run_1d(void *context, size_t thread_index, const size_t start[],
                   const size_t extent[]) {
  const adapter_t *adapter = context;
  adapter->task_1d(adapter->context, thread_index, start[0], extent[0]);
}

static void run_2d(void *context, size_t thread_index, const size_t start[],
                   const size_t extent[]) {
  const adapter_t *adapter = context;
  adapter->task_2d(adapter->context, thread_index, start[0], start[1],
                                      extent[0], extent[1]);
}

int numapool_parallel_for_1d(numapool_t *pool, size_t range, size_t tile,
                             numapool_task_1d_t task, void *context, uint32_t flags) {
  adapter_t adapter = {.task_1d = task, .context = context};
  return numapool_parallel_for(pool, 1, &range, &tile, task != NULL ? run_1d : NULL, &adapter,
                               flags);
}

int numapool_parallel_for_2d(numapool_t *pool, size_t range_i, size_t range_j, size_t tile_i,
                             size_t tile_j, numapool_task_2d_t task, void *context,
                             uint32_t flags) {
  adapter_t adapter = {.task_2d = task, .context = context};
  size_t range[2] = {range_i, range_j};
  size_t tile[2] = {tile_i, tile_j};
  return numapool_parallel_for(pool, 2, range, tile, task != NULL ? run_2d : NULL, &adapter,
                               flags);
}
