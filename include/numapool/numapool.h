/*
 * numapool: a NUMA-aware thread pool for HPC and machine-learning operators.
 *
 * Error contract, for every function in numapool's headers:
 *   - Status functions return 0 on success or a negative NUMAPOOL_E* code
 *     (the negated errno value where one matches). numapool_strerror()
 *     turns a code into a sentence, and the diagnostic log (NUMAPOOL_LOG)
 *     names the argument or value at fault.
 *   - Constructors return NULL on failure and set errno to the positive
 *     errno value of the cause (EINVAL, ENOMEM, EAGAIN, ...).
 *   - Unknown flag bits are rejected with NUMAPOOL_EINVAL.
 *   - The library never prints to stdout, never exits and never aborts on a
 *     missing feature: it falls back as documented and logs the reason once.
 *
 * Threads: a pool has thread_count threads. The thread that makes a call
 * works as thread 0, and thread_count - 1 worker threads help it. Calls from
 * several application threads on one pool are serialized. A call made from
 * inside a task (on this pool or on another) runs inline on the calling
 * thread, as thread 0 of a one-thread pool, so nesting never deadlocks.
 * A NULL pool is valid everywhere a pool is taken and runs calls serially on
 * the caller.
 */
#ifndef NUMAPOOL_NUMAPOOL_H
#define NUMAPOOL_NUMAPOOL_H

#include <stddef.h>
#include <stdint.h>

#include <numapool/export.h>
#include <numapool/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, message): the single list of error codes. */
#define NUMAPOOL_ERROR_LIST(X)                                                 \
  X(NUMAPOOL_OK, 0, "success")                                                 \
  X(NUMAPOOL_EINVAL, -22, "invalid argument")                                  \
  X(NUMAPOOL_ENOMEM, -12, "out of memory")                                     \
  X(NUMAPOOL_EAGAIN, -11, "thread creation failed: resource limit reached")    \
  X(NUMAPOOL_EOVERFLOW, -75, "size overflows size_t")                          \
  X(NUMAPOOL_ENOTSUP, -95, "not supported by this machine or build")          \
  X(NUMAPOOL_EDEADLK, -35, "operation would deadlock")                         \
  X(NUMAPOOL_ENOENT, -2, "file or object not found")                           \
  X(NUMAPOOL_EPERM, -1, "operation not permitted")                             \
  X(NUMAPOOL_EBUSY, -16, "resource busy")                                      \
  X(NUMAPOOL_EIO, -5, "input/output error")

typedef enum numapool_status {
#define NUMAPOOL_ENUM_ENTRY(name, value, message) name = value,
  NUMAPOOL_ERROR_LIST(NUMAPOOL_ENUM_ENTRY)
#undef NUMAPOOL_ENUM_ENTRY
} numapool_status_t;

/* Returns a static sentence for a status code; unknown codes get a generic
 * sentence, never NULL. */
NUMAPOOL_API const char *numapool_strerror(int status);

/* The maximum thread count of a pool, and the largest value accepted in
 * numapool_options_t.thread_count and NUMAPOOL_NUM_THREADS. */
#define NUMAPOOL_MAX_THREADS 65536

/* The maximum number of dimensions of a parallel-for range. */
#define NUMAPOOL_MAX_DIMS 6

/* Call flags. The values match pthreadpool's flags of the same meaning. */
/* Set flush-to-zero and denormals-are-zero on every thread taking part in
 * the call, the serial path included, and restore each thread's previous
 * mode afterwards. */
#define NUMAPOOL_FLAG_DISABLE_DENORMALS 0x1u
/* Let the worker threads go to sleep as soon as the call ends instead of
 * spinning for the pool's spin time, when the caller knows no call follows
 * soon. */
#define NUMAPOOL_FLAG_YIELD_WORKERS 0x2u

/* Where worker threads are bound. Binding is always relative to the CPU
 * mask the process inherited, never to absolute CPU numbers. The calling
 * thread (thread 0) is never rebound. */
typedef enum numapool_bind {
  NUMAPOOL_BIND_DEFAULT = 0, /* NUMAPOOL_BIND_NODE, or NUMAPOOL_BIND env */
  NUMAPOOL_BIND_NONE = 1,    /* no binding */
  NUMAPOOL_BIND_NODE = 2,    /* each worker to the allowed CPUs of its node */
  NUMAPOOL_BIND_CORE = 3     /* each worker to one allowed CPU (PU) */
} numapool_bind_t;

/* Spin time values with a special meaning. */
#define NUMAPOOL_SPIN_DEFAULT 0 /* NUMAPOOL_SPIN_US env, else 50 us */
#define NUMAPOOL_SPIN_NONE (-1) /* idle workers sleep at once */

/* Pool options. A zeroed struct, or NULL in place of it, gives the
 * defaults; each zero field takes its default on its own. */
typedef struct numapool_options {
  /* Threads, the caller included. 0: numapool_default_thread_count(). */
  size_t thread_count;
  /* Worker binding policy. */
  numapool_bind_t bind;
  /* How long an idle worker spins before it sleeps, in microseconds. */
  long spin_us;
  /* Topology source: NULL for the NUMAPOOL_TOPOLOGY environment variable,
   * else the machine as hwloc finds it. "synthetic:<hwloc synthetic
   * description>" or "xml:<path>" simulate a machine: the pool groups its
   * threads into that machine's domains and splits and steals as there,
   * but binds nothing, so the threads run on any allowed CPU. */
  const char *topology;
  /* Reserved; must be 0. */
  uint32_t flags;
} numapool_options_t;

typedef struct numapool numapool_t;

/* Creates a pool. Returns NULL and sets errno on failure: EINVAL for
 * invalid options (the log names the field), ENOMEM, or EAGAIN when a
 * worker thread could not be created. Nothing is left running then.
 * The pool starts its thread_count - 1 worker threads here, so a failure
 * to create one is reported by this call. */
NUMAPOOL_API numapool_t *numapool_create(const numapool_options_t *options);

/* Stops and joins the workers and frees the pool. NULL does nothing. Must
 * not be called while a call on the pool is running. */
NUMAPOOL_API void numapool_destroy(numapool_t *pool);

/* The default thread count: the online CPUs of the process's affinity mask,
 * capped by a cgroup v1 or v2 CPU quota (rounded up), unless the
 * NUMAPOOL_NUM_THREADS environment variable is set to a positive integer (an
 * invalid value is logged and ignored). Always at least 1. */
NUMAPOOL_API size_t numapool_default_thread_count(void);

/* Threads a call on the pool uses; 1 for NULL. */
NUMAPOOL_API size_t numapool_get_thread_count(const numapool_t *pool);

/* Changes the thread count between calls, clamped to [1, the pool's
 * maximum] where the maximum is the thread count the pool was created
 * with, or the default thread count if larger. A same-size call does
 * nothing; a larger count starts only the threads missing, and a smaller
 * one leaves the extra threads asleep. When threads cannot be started, the
 * count that runs is kept and returned. Returns the count now in use, or 0
 * for a NULL pool. */
NUMAPOOL_API size_t numapool_set_thread_count(numapool_t *pool, size_t thread_count);

/* Minimum work size: a parallel-for over fewer items (the product of its
 * ranges) runs inline on the caller. The default is 1 (every call with 2
 * or more items is spread). Both are no-ops returning 0 for NULL. */
NUMAPOOL_API size_t numapool_get_min_work_size(const numapool_t *pool);
NUMAPOOL_API void numapool_set_min_work_size(numapool_t *pool, size_t items);

/* Runs function(context, pool) with exclusive use of the pool, as Caffe2's
 * thread pool does for a sequence of calls that must not interleave with
 * other threads' calls: calls on the pool from other threads (parallel-for,
 * team calls, set_thread_count, set_min_work_size) wait until it returns.
 * Calls that function makes on the pool from its own thread run as usual,
 * on all the pool's threads, and so does a nested numapool_run_exclusive.
 * With a NULL pool, or from inside a task, function runs at once. Returns
 * 0, or NUMAPOOL_EINVAL for a NULL function. */
typedef void (*numapool_exclusive_function_t)(void *context, numapool_t *pool);

NUMAPOOL_API int numapool_run_exclusive(numapool_t *pool, numapool_exclusive_function_t function,
                                        void *context);

/*
 * Parallel-for.
 *
 * A task of a dims-dimensional call receives the index of the first item of
 * its tile in each dimension and the tile's extent in each dimension.
 * numapool_parallel_for(pool, dims, range, tile, task, context, flags) is
 * equivalent to this serial loop, except that tiles run in any order and on
 * any thread:
 *
 *   for (start[0] = 0; start[0] < range[0]; start[0] += tile[0])
 *     ...
 *       for (start[dims-1] = 0; start[dims-1] < range[dims-1];
 *            start[dims-1] += tile[dims-1]) {
 *         for (d = 0; d < dims; d++)
 *           extent[d] = min(tile[d], range[d] - start[d]);
 *         task(context, thread_index, start, extent);
 *       }
 *
 * tile may be NULL for tiles of 1 in every dimension; a tile of 0 is
 * rejected. A range of 0 in any dimension makes no call. thread_index is
 * below numapool_get_thread_count(pool). The start and extent arrays are
 * only valid during the task. The call returns when every task has
 * finished, and all their writes are visible to the caller.
 *
 * Returns 0, NUMAPOOL_EINVAL (dims outside 1..6, NULL range or task, a tile
 * of 0, unknown flags) or NUMAPOOL_EOVERFLOW (the product of the tile
 * counts overflows size_t). Nothing runs when an error is returned.
 */
typedef void (*numapool_task_t)(void *context, size_t thread_index,
                                const size_t start[], const size_t extent[]);

NUMAPOOL_API int numapool_parallel_for(numapool_t *pool, size_t dims,
                                       const size_t range[], const size_t tile[],
                                       numapool_task_t task, void *context,
                                       uint32_t flags);

/* The 1-D case with a plain signature: equivalent to
 *   for (start = 0; start < range; start += tile)
 *     task(context, thread_index, start, min(tile, range - start));
 */
typedef void (*numapool_task_1d_t)(void *context, size_t thread_index,
                                   size_t start, size_t extent);

NUMAPOOL_API int numapool_parallel_for_1d(numapool_t *pool, size_t range, size_t tile,
                                          numapool_task_1d_t task, void *context,
                                          uint32_t flags);

/* The 2-D case tiled on both dimensions: equivalent to
 *   for (i = 0; i < range_i; i += tile_i)
 *     for (j = 0; j < range_j; j += tile_j)
 *       task(context, thread_index, i, j,
 *            min(tile_i, range_i - i), min(tile_j, range_j - j));
 */
typedef void (*numapool_task_2d_t)(void *context, size_t thread_index, size_t i,
                                   size_t j, size_t extent_i, size_t extent_j);

NUMAPOOL_API int numapool_parallel_for_2d(numapool_t *pool, size_t range_i,
                                          size_t range_j, size_t tile_i,
                                          size_t tile_j, numapool_task_2d_t task,
                                          void *context, uint32_t flags);

/*
 * Team calls, for kernels that work in phases.
 *
 * numapool_team_run() runs task(context, team, thread_index, thread_count)
 * exactly once on each of the pool's thread_count threads, all at the same
 * time, thread 0 being the caller. Inside the task, numapool_team_barrier()
 * waits for every thread of the team, and numapool_team_domain_barrier()
 * for the threads of the caller's NUMA domain only. Barriers spin briefly
 * and then sleep, so a team survives other processes taking its CPUs.
 * Every thread must reach the same sequence of barriers.
 *
 * A nested team call, or one on a NULL pool, runs the task once, inline,
 * with thread_count 1.
 */
typedef struct numapool_team numapool_team_t;

typedef void (*numapool_team_task_t)(void *context, numapool_team_t *team,
                                     size_t thread_index, size_t thread_count);

NUMAPOOL_API int numapool_team_run(numapool_t *pool, numapool_team_task_t task,
                                   void *context, uint32_t flags);

NUMAPOOL_API void numapool_team_barrier(numapool_team_t *team);

NUMAPOOL_API void numapool_team_domain_barrier(numapool_team_t *team,
                                               size_t thread_index);

/* Where a thread of a team or pool sits among the NUMA domains. */
typedef struct numapool_thread_place {
  size_t domain;              /* domain index, 0 .. domain_count - 1 */
  size_t domain_count;        /* domains the pool's threads span */
  size_t index_in_domain;     /* 0 .. threads_in_domain - 1 */
  size_t threads_in_domain;   /* threads of the call in this domain */
  int node;                   /* OS index of the domain's NUMA node, or -1 */
} numapool_thread_place_t;

/* Fills *place for thread_index of the team's call. */
NUMAPOOL_API int numapool_team_place(const numapool_team_t *team, size_t thread_index,
                                     numapool_thread_place_t *place);

/* Fills *place for thread_index under the pool's current thread count. */
NUMAPOOL_API int numapool_thread_place(const numapool_t *pool, size_t thread_index,
                                       numapool_thread_place_t *place);

/*
 * Per-thread scratch memory for kernels: a buffer of at least size bytes,
 * aligned to 64 bytes, owned by thread_index of the pool and kept across
 * calls, so pack buffers are allocated once. Call it from the thread that
 * will use it, inside a call: the pages are then first touched by that
 * thread, on its node. The pointer stays valid until the same thread requests
 * for a larger size or the pool is destroyed. With a NULL pool it returns a
 * buffer of the calling thread. Returns NULL when out of memory.
 */
NUMAPOOL_API void *numapool_scratch(numapool_t *pool, size_t thread_index, size_t size);

/* Statistics of the last parallel-for on the pool, for thread_index. */
typedef struct numapool_thread_stats {
  uint64_t items;         /* tiles this thread ran */
  uint64_t steals_local;  /* tiles it took from threads of its own domain */
  uint64_t steals_remote; /* tiles it took from threads of other domains */
  size_t domain;          /* the thread's domain */
} numapool_thread_stats_t;

/* Fills *stats for thread_index of the last completed parallel-for.
 * Returns NUMAPOOL_EINVAL for a NULL pool or an index at or above that
 * call's thread count. */
NUMAPOOL_API int numapool_get_thread_stats(const numapool_t *pool, size_t thread_index,
                                           numapool_thread_stats_t *stats);

#ifdef __cplusplus
}
#endif

#endif /* NUMAPOOL_NUMAPOOL_H */
