/* The task scheduler behind numapool task groups: per-thread lanes of
 * queues, the take order, and the hooks the worker idle loop calls. */
#ifndef NUMAPOOL_TASKS_SCHEDULER_H
#define NUMAPOOL_TASKS_SCHEDULER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <numapool/tasks.h>

#include "pool/pool.h"

/* Priority levels, highest first: level 0 is HIGH, 1 NORMAL, 2 LOW. */
#define NUMAPOOL__LEVELS 3
/* Queue kinds of a lane: tasks any thread may take, and tasks pinned to the
 * lane's domain. */
#define NUMAPOOL__FREE 0
#define NUMAPOOL__PINNED 1
#define NUMAPOOL__KINDS 2
/* The domain of a lane or thread outside the snapshot's threads. */
#define NUMAPOOL__NO_DOMAIN SIZE_MAX

typedef struct numapool__tasks numapool__tasks_t;

/* The private layout of numapool_group_t. */
typedef struct numapool__group {
  numapool__tasks_t *tasks; /* NULL for a group on a NULL pool */
  /* Tasks submitted and not finished: incremented by submitters before the
   * task is queued (relaxed, ordered by the lane lock), decremented by the
   * thread that ran the task (seq_cst, so a waiter that registered in
   * tasks->waiters is either seen or sees 0). */
  atomic_size_t pending;
  /* NUMAPOOL__GROUP_LIVE between init and destroy. */
  atomic_uint magic;
} numapool__group_t;

#define NUMAPOOL__GROUP_LIVE 0x6e706772u
#define NUMAPOOL__GROUP_DESTROYED 0x64656164u

typedef struct numapool__task {
  numapool_group_task_t function;
  void *context;
  numapool__group_t *group;
} numapool__task_t;

/* A double-ended ring buffer of tasks; used only under its lane's lock. */
typedef struct numapool__ring {
  numapool__task_t *slots;
  size_t capacity; /* 0 or a power of two */
  size_t head;     /* slot of the oldest task */
  size_t size;
} numapool__ring_t;

/* The queues of one pool thread. The owner pushes and pops at the back
 * (newest), other threads take from the front (oldest). */
typedef struct numapool__lane {
  /* Spin lock over the rings and counts: 0 free, 1 held; acquired with an
   * acquire exchange, released with a release store. */
  _Alignas(NUMAPOOL_FALSE_SHARING_SIZE) atomic_uint lock;
  /* Tasks in each ring: written under the lock, read without it (relaxed)
   * to skip empty lanes. A stale read only costs a retry. */
  atomic_size_t count[NUMAPOOL__KINDS][NUMAPOOL__LEVELS];
  /* When a thread of the lane's domain last took a pinned task of this
   * lane, or a pinned task arrived in an empty lane (monotonic ns).
   * Written under the lock, read relaxed by threads of other domains. */
  _Atomic uint64_t pinned_progress_ns;
  numapool__ring_t rings[NUMAPOOL__KINDS][NUMAPOOL__LEVELS];
} numapool__lane_t;

/*
 * The scheduler of one pool, created with its first group. The thread
 * layout is a snapshot of the pool's placement at that time: lane i
 * belongs to pool thread i; lanes below thread_count have a domain and get
 * round-robin submissions; lanes above are served only by stealing.
 * Everything but the atomics is written once before the scheduler is
 * published (release CAS on pool->tasks) and read-only afterwards.
 */
struct numapool__tasks {
  numapool_t *pool;
  size_t thread_count; /* threads that get submissions */
  size_t lane_count;   /* the pool's max_threads */
  numapool__lane_t *lanes;
  size_t *lane_domain; /* per lane; NUMAPOOL__NO_DOMAIN above thread_count */
  /* Steal order per lane: lane_count - 1 entries each, siblings of the
   * domain first, then other domains nearest first, then the lanes above
   * thread_count. */
  size_t *victims;
  size_t domain_count;
  size_t *domain_first;   /* first lane of each domain */
  size_t *domain_threads; /* lanes of each domain below thread_count */
  int *domain_node;       /* OS node index of each domain, or -1 */
  uint64_t patience_ns;   /* affinity patience (see tasks.h) */
  uint64_t spin_ns;       /* how long a waiter spins before it sleeps */
  /* Set by numapool__tasks_finish, whose thread then takes any task,
   * pinned or not; relaxed, because only that thread reads it then. */
  atomic_bool finishing;

  /* Tasks queued per level, over all lanes; never below the true count:
   * incremented (seq_cst) before a task is pushed, decremented after it is
   * removed. The seq_cst increment pairs with the seq_cst increment of
   * pool->sleepers or waiters by a thread about to sleep, which then reads
   * these counts: either the submitter sees the sleeper, or the sleeper
   * sees the task.
   * TODO: every push and take does a read-modify-write on this shared line,
   * which costs a cache-line transfer per task when several threads run
   * tasks; per-lane counts with a seq_cst fence on the submit side would
   * avoid it. */
  _Alignas(NUMAPOOL_FALSE_SHARING_SIZE) atomic_size_t queued[NUMAPOOL__LEVELS];
  /* 1 while a wake-up of a sleeping worker is on its way: set by the
   * submitter that wakes one (exchange), cleared by the worker that starts
   * taking tasks and by every worker before it sleeps. It keeps a burst of
   * submissions from making one futex call each. */
  atomic_uint worker_wake_pending;

  /* Threads sleeping in numapool_group_wait() wait on waiter_seq; waiters
   * counts them. Submitters and the completion of a group increment
   * waiter_seq and wake them all when waiters is non-zero (seq_cst). */
  _Alignas(NUMAPOOL_FALSE_SHARING_SIZE) atomic_uint waiter_seq;
  atomic_uint waiters;
  /* As worker_wake_pending, for the waiters. */
  atomic_uint waiter_wake_pending;
};

/* Lanes (lanes.c). */
NUMAPOOL_INTERNAL void numapool__lane_lock(numapool__lane_t *lane);
NUMAPOOL_INTERNAL void numapool__lane_unlock(numapool__lane_t *lane);
/* Pushes a task at the back of a ring of a locked lane. Returns 0 or
 * NUMAPOOL_ENOMEM when the ring cannot grow. */
NUMAPOOL_INTERNAL int numapool__lane_push(numapool__lane_t *lane, size_t kind, size_t level,
                                          const numapool__task_t *task);
/* Removes the newest (back) or oldest task of a ring of a locked lane.
 * Returns false when the ring is empty. */
NUMAPOOL_INTERNAL bool numapool__lane_pop(numapool__lane_t *lane, size_t kind, size_t level,
                                          bool newest, numapool__task_t *task);
NUMAPOOL_INTERNAL void numapool__lane_free(numapool__lane_t *lane);

/* Scheduler (scheduler.c). */
/* Returns the pool's scheduler, creating it on first use; NULL when out
 * of memory. */
NUMAPOOL_INTERNAL numapool__tasks_t *numapool__tasks_get(numapool_t *pool);
/* Queues a task on the lane chosen for `domain` (NUMAPOOL__NO_DOMAIN for
 * none) and wakes a sleeping thread. Returns 0 or NUMAPOOL_ENOMEM. */
NUMAPOOL_INTERNAL int numapool__tasks_push(numapool__tasks_t *tasks, const numapool__task_t *task,
                                           size_t level, size_t domain);
/* Waits until group->pending is 0, running queued tasks meanwhile. */
NUMAPOOL_INTERNAL void numapool__tasks_wait(numapool__tasks_t *tasks, numapool__group_t *group);
/* Runs a task at once on the calling thread, for groups on a NULL pool. */
NUMAPOOL_INTERNAL void numapool__tasks_run_inline(const numapool__task_t *task);
/* Returns whether the calling thread is running a task of the group. */
NUMAPOOL_INTERNAL bool numapool__tasks_running_group(const numapool__group_t *group);

/* Hooks of the worker idle loop (src/pool/workers.c). */
/* Runs queued tasks as worker `index` until none can be taken or the call
 * word moves past `epoch`. Returns whether it ran any. */
NUMAPOOL_INTERNAL bool numapool__tasks_work(numapool_t *pool, size_t index, uint64_t epoch);
/* Called by a worker that counted itself in pool->sleepers and is about to
 * sleep: clears the pending wake-up and returns whether tasks are queued,
 * in which case the worker must not sleep. */
NUMAPOOL_INTERNAL bool numapool__tasks_before_sleep(numapool_t *pool);
/* Runs the tasks still queued on the calling thread, then frees the
 * scheduler. Called by numapool__workers_stop after the workers exit. */
NUMAPOOL_INTERNAL void numapool__tasks_finish(numapool_t *pool);

/* Returns whether any task is queued on the pool. Cheap enough for the
 * worker spin loop: one acquire load while no group exists. */
static inline bool numapool__tasks_queued(numapool_t *pool) {
  numapool__tasks_t *tasks = atomic_load_explicit(&pool->tasks, memory_order_acquire);
  if (tasks == NULL)
    return false;
  for (size_t level = 0; level < NUMAPOOL__LEVELS; level++)
    if (atomic_load(&tasks->queued[level]) != 0)
      return true;
  return false;
}

#endif /* NUMAPOOL_TASKS_SCHEDULER_H */
