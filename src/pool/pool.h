/* The pool's internal state, shared by the files of src/pool and by the
 * other parts of the library that run on the pool's workers. */
#ifndef NUMAPOOL_POOL_POOL_H
#define NUMAPOOL_POOL_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <numapool/numapool.h>

#include "topology/topology.h"

/* Separates data written by different threads: two lines, because the
 * adjacent-line prefetcher of x86 cores pulls lines in pairs. */
#define NUMAPOOL_FALSE_SHARING_SIZE 128

/*
 * The call word, pool->state, is the whole protocol between the calling
 * thread and the workers:
 *   bits 0..31   active: workers that joined the current call and have not
 *                left it yet;
 *   bit 32       open: the call accepts new workers;
 *   bit 33       shutdown: workers must exit;
 *   bits 34..63  epoch: sequence number of the call.
 * A worker joins only with a CAS that finds the epoch it expects and the open
 * bit, so it can never join a call that the caller has closed. The caller
 * closes the call once no work is left to claim, then waits for active to
 * drop to 0; it never waits for a worker that has not joined, so a worker
 * that wakes late costs the caller nothing.
 */
#define NUMAPOOL_STATE_ACTIVE_MASK UINT64_C(0xffffffff)
#define NUMAPOOL_STATE_OPEN (UINT64_C(1) << 32)
#define NUMAPOOL_STATE_SHUTDOWN (UINT64_C(1) << 33)
#define NUMAPOOL_STATE_EPOCH_SHIFT 34
#define NUMAPOOL_STATE_EPOCH(state) ((state) >> NUMAPOOL_STATE_EPOCH_SHIFT)

typedef enum numapool__call_mode {
  NUMAPOOL__CALL_FOR = 1,
  NUMAPOOL__CALL_TEAM = 2
} numapool__call_mode_t;

/*
 * A thread's share of a parallel-for, as linear tile indices.
 * The owner claims from the front and thieves from the back; `remaining`
 * arbitrates: a claim is valid only if its fetch_sub on remaining returned a
 * positive value, so owner and thieves together never claim more than the
 * share's length and never the same index.
 */
typedef struct numapool__share {
  _Alignas(NUMAPOOL_FALSE_SHARING_SIZE)
  atomic_size_t next;       /* written by the owner only (relaxed) */
  atomic_size_t end;        /* decremented by thieves (relaxed) */
  atomic_llong remaining;   /* decremented by the owner and thieves (acq_rel) */
} numapool__share_t;

/* A sense-reversing barrier that spins for a bounded time, then sleeps. */
typedef struct numapool__barrier {
  _Alignas(NUMAPOOL_FALSE_SHARING_SIZE)
  atomic_uint arrived;      /* threads that reached the barrier (acq_rel) */
  atomic_uint generation;   /* incremented by the last arrival (release) */
  atomic_uint sleepers;     /* threads in futex_wait on generation */
  unsigned size;            /* set by the caller before the call opens */
} numapool__barrier_t;

/* A thread's place under the current thread count. */
typedef struct numapool__place {
  size_t domain;
  size_t index_in_domain;
  int cpu; /* the CPU a core-bound worker runs on; -1 when not bound to one */
} numapool__place_t;

typedef struct numapool__worker {
  numapool_t *pool;
  size_t index;
  pthread_t thread;
  bool started;
  /* The epoch of the last call before the thread started, set by its
   * creator between calls; the thread joins only later calls. */
  uint64_t start_epoch;
  /* Placement version this worker last bound itself for; worker-owned. */
  unsigned bound_version;

  /* Steal order: the other threads of the pool, siblings of this thread's
   * domain first, then other domains, nearest first. Rewritten by the
   * caller between calls under the call lock, read by the worker after it
   * joins a call. */
  size_t *victims;
  size_t victim_count;
  size_t victim_capacity; /* entries allocated in victims */

  /* Statistics of the last parallel-for: zeroed by the caller before the
   * call opens, written by the thread itself before it leaves the call. */
  numapool_thread_stats_t stats;

  /* Scratch buffer; touched only by the thread that owns the index. */
  void *scratch;
  size_t scratch_size;
} numapool__worker_t;

/* The call being run: written by the caller before it opens the call,
 * read-only for workers that joined it. */
typedef struct numapool__call {
  numapool__call_mode_t mode;
  uint32_t flags;
  size_t thread_count;
  void *context;

  /* Parallel-for */
  numapool_task_t task;
  size_t dims;
  size_t range[NUMAPOOL_MAX_DIMS];
  size_t tile[NUMAPOOL_MAX_DIMS];
  size_t tiles[NUMAPOOL_MAX_DIMS]; /* tile count per dimension */
  size_t total;                    /* product of tiles[] */

  /* Team */
  numapool_team_task_t team_task;
} numapool__call_t;

struct numapool_team {
  numapool_t *pool;
  size_t thread_count;
};

struct numapool {
  /* The call word (see above). Written by the caller (open, close) and
   * by workers (join, leave), both with CAS or fetch-add in seq_cst. */
  _Alignas(NUMAPOOL_FALSE_SHARING_SIZE) _Atomic uint64_t state;

  /* Sleeping workers wait on wake_seq; the caller increments it and wakes
   * them when `sleepers` is non-zero. Both seq_cst, so a worker that is
   * about to sleep either finds the new call or is counted in sleepers. */
  _Alignas(NUMAPOOL_FALSE_SHARING_SIZE) atomic_uint wake_seq;
  atomic_uint sleepers;

  /* A caller waiting for the last worker to leave sleeps on leave_seq
   * after setting caller_waiting; the last worker increments it and wakes
   * the caller. Both seq_cst. */
  _Alignas(NUMAPOOL_FALSE_SHARING_SIZE) atomic_uint leave_seq;
  atomic_uint caller_waiting;
  /* Workers that finished their part of a team call (acq_rel). */
  atomic_uint team_done;
  /* Whether the latest call has NUMAPOOL_FLAG_YIELD_WORKERS, for workers
   * that missed it. Written by the caller before it opens the call, read
   * by workers after they see the call; relaxed, as it is only a hint. */
  atomic_uint yield_hint;

  _Alignas(NUMAPOOL_FALSE_SHARING_SIZE) numapool__call_t call;
  struct numapool_team team;

  /* The team barrier and one barrier per domain, sized by the caller
   * before a team call opens. */
  numapool__barrier_t team_barrier;
  numapool__barrier_t *domain_barriers;

  /* Per-thread shares of the current parallel-for, max_threads of them. */
  numapool__share_t *shares;
  numapool__worker_t *workers;

  /* Serializes calls from several application threads: a futex lock,
   * 0 free, 1 held, 2 held with waiters. */
  atomic_uint call_lock;
  /* The thread inside numapool_run_exclusive on this pool, which holds the
   * call lock meanwhile: the address of its numapool__exclusive_token, or
   * NULL. Written only by that thread, after taking the lock and before
   * releasing it; read relaxed by numapool__call_lock, where a thread can
   * find its own token only if it stored it. */
  _Atomic(const char *) exclusive_owner;

  /* Configuration, changed only under the call lock. */
  size_t max_threads;     /* threads the arrays are sized for */
  size_t thread_count;    /* threads a call uses now */
  size_t started_threads; /* worker threads running, index 1 .. started */
  size_t min_work_size;
  uint64_t spin_ns;
  numapool_bind_t bind;
  numapool__topology_t *topology;

  /* Thread placement under the current thread count, max_threads entries,
   * and the count of threads per domain. Rewritten under the call lock;
   * workers read them after joining a call. */
  numapool__place_t *places;
  size_t *domain_threads;
  size_t *domain_first; /* index of the first thread of each domain */
  size_t domain_count_used;
  /* Incremented whenever places[] changes; workers rebind when it moved. */
  unsigned placement_version;

  /* Fork generation the pool's threads belong to (see fork.c). */
  unsigned fork_generation;

  /* Task queues of the pool's task groups (src/tasks), NULL until the
   * first group is created. Set once with a CAS (acq_rel), read with
   * acquire loads by workers and submitters, freed by
   * numapool__workers_stop after the workers are joined. */
  _Atomic(struct numapool__tasks *) tasks;
};

/* Thread-local: the pool whose call the current thread is running tasks
 * for, or NULL. A parallel call made while it is set runs inline. */
extern _Thread_local numapool_t *numapool__current_pool;

/* Thread-local: its address identifies the thread in exclusive_owner. */
extern _Thread_local char numapool__exclusive_token;

/* Internal functions shared by the files of src/pool. */
NUMAPOOL_INTERNAL int numapool__workers_start(numapool_t *pool, size_t count);
NUMAPOOL_INTERNAL void numapool__workers_stop(numapool_t *pool);
NUMAPOOL_INTERNAL void *numapool__worker_main(void *argument);
NUMAPOOL_INTERNAL void numapool__placement_update(numapool_t *pool);

NUMAPOOL_INTERNAL void numapool__call_lock(numapool_t *pool);
NUMAPOOL_INTERNAL void numapool__call_unlock(numapool_t *pool);

/* Opens the call described by pool->call, wakes up to helper_count
 * sleeping workers, and returns the new epoch. */
NUMAPOOL_INTERNAL uint64_t numapool__call_open(numapool_t *pool, size_t helper_count);
/* Closes the current call and waits until every worker that joined has
 * left it. */
NUMAPOOL_INTERNAL void numapool__call_close(numapool_t *pool);

/* Runs the parallel-for in pool->call as thread `index`. */
NUMAPOOL_INTERNAL void numapool__for_run(numapool_t *pool, size_t index);
/* Runs the team call in pool->call as thread `index`. */
NUMAPOOL_INTERNAL void numapool__team_member_run(numapool_t *pool, size_t index);

NUMAPOOL_INTERNAL void numapool__barrier_wait(numapool__barrier_t *barrier, uint64_t spin_ns);

/* Sets FTZ/DAZ and returns the previous mode, or restores a saved mode. */
NUMAPOOL_INTERNAL unsigned numapool__denormals_disable(void);
NUMAPOOL_INTERNAL void numapool__denormals_restore(unsigned saved);

/* What a thread changes while it runs tasks of a call: the denormal mode
 * (NUMAPOOL_FLAG_DISABLE_DENORMALS) and numapool__current_pool. */
typedef struct numapool__task_scope {
  bool denormals;
  unsigned saved_mode;
  numapool_t *previous_pool;
} numapool__task_scope_t;

/* Enters a call's tasks on this thread. pool becomes the current pool, so
 * nested calls run inline, unless it is NULL (a serial run, which holds no
 * lock and needs no such guard). */
static inline void numapool__task_scope_enter(numapool__task_scope_t *scope, numapool_t *pool,
                                              uint32_t flags) {
  scope->denormals = (flags & NUMAPOOL_FLAG_DISABLE_DENORMALS) != 0;
  scope->saved_mode = scope->denormals ? numapool__denormals_disable() : 0;
  scope->previous_pool = numapool__current_pool;
  if (pool != NULL)
    numapool__current_pool = pool;
}

static inline void numapool__task_scope_leave(const numapool__task_scope_t *scope) {
  numapool__current_pool = scope->previous_pool;
  if (scope->denormals)
    numapool__denormals_restore(scope->saved_mode);
}

/* Fork handling (fork.c). */
NUMAPOOL_INTERNAL void numapool__fork_register(void);
NUMAPOOL_INTERNAL unsigned numapool__fork_generation(void);
NUMAPOOL_INTERNAL void numapool__fork_adopt(numapool_t *pool);

/* Test hook: when set, called before each pthread_create of a worker; a
 * non-zero return makes that creation fail with that error number. */
typedef int (*numapool__thread_create_hook_t)(size_t worker_index);
NUMAPOOL_INTERNAL extern numapool__thread_create_hook_t numapool__thread_create_hook;

/* Placement and stats helpers (place.c). */
NUMAPOOL_INTERNAL int numapool__place_fill(const numapool_t *pool, size_t thread_count,
                                           size_t thread_index,
                                           numapool_thread_place_t *place);

#endif /* NUMAPOOL_POOL_POOL_H */
