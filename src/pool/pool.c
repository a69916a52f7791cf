/* Pool creation, destruction and configuration. */
#include "pool/pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/env.h"
#include "common/log.h"
#include "pool/sync.h"

#define DEFAULT_SPIN_US 50
#define MAX_SPIN_US 10000000L
#define MAX_THREADS ((size_t)NUMAPOOL_MAX_THREADS)

_Thread_local numapool_t *numapool__current_pool;

numapool__thread_create_hook_t numapool__thread_create_hook;

void numapool__call_lock(numapool_t *pool) {
  /* Inside numapool_run_exclusive the thread holds the lock already. */
  if (atomic_load_explicit(&pool->exclusive_owner, memory_order_relaxed) ==
      &numapool__exclusive_token)
    return;

  unsigned expected = 0;
  if (atomic_compare_exchange_strong(&pool->call_lock, &expected, 1))
    return;

  /* Contended: mark the lock as having waiters and sleep until it is
   * released. */
  while (atomic_exchange(&pool->call_lock, 2) != 0)
    numapool__futex_wait(&pool->call_lock, 2);
}

void numapool__call_unlock(numapool_t *pool) {
  if (atomic_load_explicit(&pool->exclusive_owner, memory_order_relaxed) ==
      &numapool__exclusive_token)
    return;
  if (atomic_exchange(&pool->call_lock, 0) == 2)
    numapool__futex_wake(&pool->call_lock, 1);
}

static int validate_options(const numapool_options_t *options) {
  if (options->flags != 0) {
    NUMAPOOL_LOG_ERROR("invalid numapool_options_t.flags 0x%x: no flags are defined; set it "
                       "to 0",
                       options->flags);
    return NUMAPOOL_EINVAL;
  }
  if (options->bind < NUMAPOOL_BIND_DEFAULT || options->bind > NUMAPOOL_BIND_CORE) {
    NUMAPOOL_LOG_ERROR("invalid numapool_options_t.bind %d: use a NUMAPOOL_BIND_* value",
                       (int)options->bind);
    return NUMAPOOL_EINVAL;
  }
  if (options->spin_us < NUMAPOOL_SPIN_NONE || options->spin_us > MAX_SPIN_US) {
    NUMAPOOL_LOG_ERROR("invalid numapool_options_t.spin_us %ld: expected -1 (no spinning), "
                       "0 (default) or up to %ld microseconds",
                       options->spin_us, MAX_SPIN_US);
    return NUMAPOOL_EINVAL;
  }
  if (options->thread_count > MAX_THREADS) {
    NUMAPOOL_LOG_ERROR("invalid numapool_options_t.thread_count %zu: at most %zu threads",
                       options->thread_count, MAX_THREADS);
    return NUMAPOOL_EINVAL;
  }
  return 0;
}

static uint64_t resolve_spin_ns(long spin_us) {
  if (spin_us == NUMAPOOL_SPIN_NONE)
    return 0;
  if (spin_us > 0)
    return (uint64_t)spin_us * 1000u;

  long from_env;
  if (numapool__env_long("NUMAPOOL_SPIN_US", 0, MAX_SPIN_US, &from_env))
    return (uint64_t)from_env * 1000u;
  return DEFAULT_SPIN_US * 1000u;
}

static numapool_bind_t resolve_bind(numapool_bind_t bind) {
  if (bind != NUMAPOOL_BIND_DEFAULT)
    return bind;

  const char *value = getenv("NUMAPOOL_BIND");
  if (value == NULL || value[0] == '\0')
    return NUMAPOOL_BIND_NODE;
  if (strcmp(value, "none") == 0)
    return NUMAPOOL_BIND_NONE;
  if (strcmp(value, "node") == 0)
    return NUMAPOOL_BIND_NODE;
  if (strcmp(value, "core") == 0)
    return NUMAPOOL_BIND_CORE;
  NUMAPOOL_LOG_WARN("invalid NUMAPOOL_BIND value '%.64s': expected none, node or core; "
                    "using node",
                    value);
  return NUMAPOOL_BIND_NODE;
}

static void free_pool(numapool_t *pool) {
  if (pool->workers != NULL) {
    for (size_t i = 0; i < pool->max_threads; i++) {
      free(pool->workers[i].victims);
      free(pool->workers[i].scratch);
    }
  }
  free(pool->workers);
  free(pool->shares);
  free(pool->places);
  free(pool->domain_threads);
  free(pool->domain_first);
  free(pool->domain_barriers);
  numapool__topology_free(pool->topology);
  free(pool);
}

/* Allocates the per-thread and per-domain arrays for max_threads. */
static int allocate_arrays(numapool_t *pool) {
  size_t threads = pool->max_threads;
  size_t domains = pool->topology->domain_count;

  pool->workers = calloc(threads, sizeof(numapool__worker_t));
  pool->shares = aligned_alloc(NUMAPOOL_FALSE_SHARING_SIZE, threads * sizeof(numapool__share_t));
  pool->places = calloc(threads, sizeof(numapool__place_t));
  pool->domain_threads = calloc(domains, sizeof(size_t));
  pool->domain_first = calloc(domains, sizeof(size_t));
  pool->domain_barriers =
      aligned_alloc(NUMAPOOL_FALSE_SHARING_SIZE, domains * sizeof(numapool__barrier_t));
  if (pool->workers == NULL || pool->shares == NULL || pool->places == NULL ||
      pool->domain_threads == NULL || pool->domain_first == NULL ||
      pool->domain_barriers == NULL)
    return NUMAPOOL_ENOMEM;
  memset(pool->shares, 0, threads * sizeof(numapool__share_t));
  memset(pool->domain_barriers, 0, domains * sizeof(numapool__barrier_t));

  for (size_t i = 0; i < threads; i++) {
    pool->workers[i].pool = pool;
    pool->workers[i].index = i;
  }
  return 0;
}

/* Sizes the steal lists of threads 0 .. thread_count - 1 for a pool of
 * thread_count threads. They grow with the thread count in use rather than
 * the maximum, so a large maximum costs no quadratic memory. */
static int reserve_victims(numapool_t *pool, size_t thread_count) {
  for (size_t i = 0; i < thread_count; i++) {
    numapool__worker_t *worker = &pool->workers[i];
    if (worker->victim_capacity >= thread_count)
      continue;
    size_t *grown = realloc(worker->victims, thread_count * sizeof(size_t));
    if (grown == NULL)
      return NUMAPOOL_ENOMEM;
    worker->victims = grown;
    worker->victim_capacity = thread_count;
  }
  return 0;
}

static int status_to_errno(int status) { return status < 0 ? -status : EINVAL; }

numapool_t *numapool_create(const numapool_options_t *options) {
  numapool_options_t defaults = {0};
  if (options == NULL)
    options = &defaults;
  int status = validate_options(options);
  if (status != 0) {
    errno = status_to_errno(status);
    return NULL;
  }
  numapool__fork_register();

  numapool_t *pool = aligned_alloc(NUMAPOOL_FALSE_SHARING_SIZE, sizeof(numapool_t));
  if (pool == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  memset(pool, 0, sizeof(*pool));
  status = numapool__topology_load(options->topology, &pool->topology);
  if (status != 0) {
    free(pool);
    errno = status_to_errno(status);
    return NULL;
  }

  size_t default_count = numapool_default_thread_count();
  pool->thread_count = options->thread_count != 0 ? options->thread_count : default_count;
  size_t allowed = pool->topology->real_cpu_count;
  if (options->thread_count > allowed)
    NUMAPOOL_LOG_WARN("%zu threads requested, but the process's CPU mask has only %zu "
                      "(allowed CPUs): threads will share CPUs; ask for at most %zu, or widen "
                      "the mask (taskset, mpirun --bind-to)",
                      options->thread_count, allowed, allowed);
  pool->max_threads = pool->thread_count > default_count ? pool->thread_count : default_count;
  pool->min_work_size = 1;
  pool->spin_ns = resolve_spin_ns(options->spin_us);
  pool->bind = pool->topology->simulated ? NUMAPOOL_BIND_NONE : resolve_bind(options->bind);
  pool->fork_generation = numapool__fork_generation();

  status = allocate_arrays(pool);
  if (status == 0)
    status = reserve_victims(pool, pool->thread_count);
  if (status == 0) {
    numapool__placement_update(pool);
    status = numapool__workers_start(pool, pool->thread_count);
  }
  if (status != 0) {
    /* A failed allocate_arrays may leave no workers array to stop. */
    if (pool->workers != NULL)
      numapool__workers_stop(pool);
    free_pool(pool);
    errno = status_to_errno(status);
    return NULL;
  }
  return pool;
}

void numapool_destroy(numapool_t *pool) {
  if (pool == NULL)
    return;

  /* In a child of fork() the workers belong to the parent: forget them. */
  if (pool->fork_generation != numapool__fork_generation()) {
    for (size_t i = 1; i < pool->max_threads; i++)
      pool->workers[i].started = false;
  }
  numapool__workers_stop(pool);
  free_pool(pool);
}

size_t numapool_get_thread_count(const numapool_t *pool) {
  return pool != NULL ? pool->thread_count : 1;
}

size_t numapool_set_thread_count(numapool_t *pool, size_t thread_count) {
  if (pool == NULL)
    return 0;

  numapool__call_lock(pool);
  if (thread_count < 1)
    thread_count = 1;
  if (thread_count > pool->max_threads) {
    NUMAPOOL_LOG_INFO("thread count %zu clamped to the pool's maximum of %zu", thread_count,
                      pool->max_threads);
    thread_count = pool->max_threads;
  }
  if (thread_count != pool->thread_count) {
    int status = reserve_victims(pool, thread_count);
    if (status != 0) {
      NUMAPOOL_LOG_WARN("cannot resize the pool to %zu threads: %s; keeping %zu", thread_count,
                        numapool_strerror(status), pool->thread_count);
      numapool__call_unlock(pool);
      return pool->thread_count;
    }
    status = numapool__workers_start(pool, thread_count);
    if (status != 0) {
      NUMAPOOL_LOG_WARN("cannot start worker threads for a thread count of %zu: %s; using %zu",
                        thread_count, numapool_strerror(status), pool->started_threads + 1);
      thread_count = pool->started_threads + 1;
    }
    pool->thread_count = thread_count;
    numapool__placement_update(pool);
  }
  numapool__call_unlock(pool);
  return thread_count;
}

size_t numapool_get_min_work_size(const numapool_t *pool) {
  return pool != NULL ? pool->min_work_size : 0;
}

void numapool_set_min_work_size(numapool_t *pool, size_t items) {
  if (pool == NULL)
    return;
  numapool__call_lock(pool);
  pool->min_work_size = items;
  numapool__call_unlock(pool);
}

/* The scratch buffer of a thread without a pool, freed when the thread
 * exits. */
typedef struct serial_scratch {
  void *buffer;
  size_t size;
} serial_scratch_t;

static pthread_key_t serial_scratch_key;
static pthread_once_t serial_scratch_once = PTHREAD_ONCE_INIT;
static bool serial_scratch_ready;

static void free_serial_scratch(void *value) {
  serial_scratch_t *scratch = value;
  free(scratch->buffer);
  free(scratch);
}

static void create_serial_scratch_key(void) {
  serial_scratch_ready = pthread_key_create(&serial_scratch_key, free_serial_scratch) == 0;
}

static serial_scratch_t *serial_scratch(void) {
  (void)pthread_once(&serial_scratch_once, create_serial_scratch_key);
  if (!serial_scratch_ready)
    return NULL;
  serial_scratch_t *scratch = pthread_getspecific(serial_scratch_key);
  if (scratch == NULL) {
    scratch = calloc(1, sizeof(*scratch));
    if (scratch == NULL || pthread_setspecific(serial_scratch_key, scratch) != 0) {
      free(scratch);
      return NULL;
    }
  }
  return scratch;
}

void *numapool_scratch(numapool_t *pool, size_t thread_index, size_t size) {
  void **buffer;
  size_t *buffer_size;
  if (pool != NULL) {
    if (thread_index >= pool->max_threads)
      return NULL;
    buffer = &pool->workers[thread_index].scratch;
    buffer_size = &pool->workers[thread_index].scratch_size;
  } else {
    serial_scratch_t *scratch = serial_scratch();
    if (scratch == NULL)
      return NULL;
    buffer = &scratch->buffer;
    buffer_size = &scratch->size;
  }
  if (*buffer_size >= size && *buffer != NULL)
    return *buffer;

  /* Round up to whole 64-byte lines, as aligned_alloc requires. */
  size_t rounded = (size + 63) & ~(size_t)63;
  if (rounded < size)
    return NULL;
  void *fresh = aligned_alloc(64, rounded == 0 ? 64 : rounded);
  if (fresh == NULL)
    return NULL;
  free(*buffer);
  *buffer = fresh;
  *buffer_size = rounded;
  return fresh;
}

int numapool_get_thread_stats(const numapool_t *pool, size_t thread_index,
                              numapool_thread_stats_t *stats) {
  if (pool == NULL || stats == NULL || thread_index >= pool->call.thread_count)
    return NUMAPOOL_EINVAL;
  *stats = pool->workers[thread_index].stats;
  return 0;
}
