/*
 * numapool task groups: independent tasks with priorities and node
 * affinity, run by the threads of a numapool pool.
 *
 * A group collects tasks, each a call task(context). Any thread may submit
 * tasks to a group, from outside the pool or from inside a running task,
 * and wait until all of them have run. The waiting thread runs queued tasks
 * of the pool itself while it waits, so recursive fork-join code (each task
 * submits children to a group of its own and waits on it) needs no spare
 * threads: a pool of one thread runs it too.
 *
 * numapool_group_submit() followed by numapool_group_wait() is equivalent to
 *
 *   task(context);
 *
 * run on some thread of the pool (the waiting thread included) at some
 * time before the wait returns. Tasks of a group run in no fixed order and
 * may run at the same time as each other.
 *
 * Scheduling: each pool thread has its own queues; the thread pops its
 * newest task, and idle threads take the oldest task of another thread,
 * first from the threads of their own NUMA domain, then from the other
 * domains, nearest first (the order of the parallel-for). Tasks submitted
 * from outside the pool are spread round-robin over the pool's threads.
 * The thread that calls numapool_group_wait() works as thread 0: it
 * shares thread 0's queues and domain with every other outside thread.
 *
 * Inside a task, a parallel-for or a team call runs inline on the task's
 * thread, as for any nested call. A task may submit to any group and wait
 * on any group except one it belongs to (see numapool_group_wait()).
 * NOTE: a waiting thread runs any queued task of the pool, so a task X
 * that waits on group G can end up running, on top of its own stack, a
 * task Y that waits on a group holding X; that wait returns
 * NUMAPOOL_EDEADLK instead of hanging. Tasks that wait on groups other
 * than their children's should not rely on waiting. Task groups are not
 * safe to use in the child of a fork() made while tasks were queued.
 *
 * Pool destruction: numapool_destroy() stops the workers, then runs every
 * task still queued on the pool on the destroying thread before it frees
 * the pool, so each submitted task runs exactly once. A group must not be
 * used once its pool is destroyed.
 *
 * Thread count: the tasks use the threads and the placement the pool had
 * when its first group was created; a later numapool_set_thread_count()
 * does not change which threads the tasks are spread over.
 *
 * Error contract: as in numapool.h. Status functions return 0 or a negative
 * NUMAPOOL_E* code and log the value at fault.
 */
#ifndef NUMAPOOL_TASKS_H
#define NUMAPOOL_TASKS_H

#include <stddef.h>
#include <stdint.h>

#include <numapool/numapool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A task of a group. */
typedef void (*numapool_group_task_t)(void *context);

/*
 * A task group. The caller owns the storage (a local variable, a struct
 * member): numapool_group_init() prepares it and numapool_group_destroy()
 * ends its use. The fields are private. Because a destroyed group keeps
 * its storage, later calls on it are detected and fail with
 * NUMAPOOL_EINVAL instead of touching freed memory.
 */
typedef struct numapool_group {
  uint64_t opaque[4];
} numapool_group_t;

/* Task priorities. A thread always takes a task of the highest priority
 * queued, except that a lower-priority task is never passed over more than
 * NUMAPOOL_TASK_AGING_LIMIT times in a row (see below). */
typedef enum numapool_priority {
  NUMAPOOL_PRIORITY_NORMAL = 0,
  NUMAPOOL_PRIORITY_HIGH = 1,
  NUMAPOOL_PRIORITY_LOW = 2
} numapool_priority_t;

/*
 * Starvation bound. Each thread counts, for each lower priority, the tasks
 * of higher priorities it takes while tasks of that lower priority are
 * queued. When the count reaches NUMAPOOL_TASK_AGING_LIMIT, the thread's
 * next task is the oldest queued task of that priority (the lowest such
 * priority first). So on a pool where one thread runs all the tasks, the
 * oldest queued task of a lower priority runs after at most
 * NUMAPOOL_TASK_AGING_LIMIT tasks of higher priorities, however many keep
 * arriving, and each later one in turn. On larger pools the bound holds
 * to each thread, for the tasks that thread can reach.
 */
#define NUMAPOOL_TASK_AGING_LIMIT 8

/* Task option flags. */
/* Run the task on a thread of the NUMA domain of options.node. */
#define NUMAPOOL_TASK_ON_NODE 0x1u
/* Run the task on a thread of the NUMA domain holding the page of
 * options.data. */
#define NUMAPOOL_TASK_NEAR_DATA 0x2u

/*
 * Options of one task. A zeroed struct, or NULL in place of it, gives a
 * normal-priority task without node affinity.
 *
 * Node affinity: a task with NUMAPOOL_TASK_ON_NODE or NUMAPOOL_TASK_NEAR_DATA
 * is queued for the threads of its node's domain. Threads of other domains
 * take it only after the affinity patience has passed with no thread of
 * its domain taking a task queued for that domain. The patience is
 * 1 ms, or the NUMAPOOL_AFFINITY_US environment variable in microseconds
 * (0 to 60000000), read when the pool's first group is created. A node
 * whose domain has no thread in the pool gives a task without affinity.
 *
 * NUMAPOOL_TASK_NEAR_DATA asks the kernel which node holds the page of
 * data (move_pages(2) without moving anything). When the page is not yet
 * touched, or the kernel does not answer (no NUMA support, a security
 * filter), the task gets no affinity; a failing kernel call is logged once.
 */
typedef struct numapool_task_options {
  numapool_priority_t priority;
  /* With NUMAPOOL_TASK_ON_NODE: the OS index of a NUMA node of the pool's
   * topology (numapool_thread_place_t.node). */
  int node;
  /* With NUMAPOOL_TASK_NEAR_DATA: an address inside the task's data. */
  const void *data;
  /* NUMAPOOL_TASK_* bits; at most one of ON_NODE and NEAR_DATA. */
  uint32_t flags;
} numapool_task_options_t;

/*
 * Prepares a group whose tasks run on pool. A NULL pool is valid: each
 * task then runs at once, on the submitting thread, inside
 * numapool_group_submit(). Returns 0, NUMAPOOL_EINVAL for a NULL group, or
 * NUMAPOOL_ENOMEM when the pool's task queues cannot be allocated.
 */
NUMAPOOL_API int numapool_group_init(numapool_group_t *group, numapool_t *pool);

/*
 * Submits task(context) to the group. Returns 0 once the task is queued
 * (or has run, for a NULL pool), NUMAPOOL_EINVAL for a NULL group or task,
 * a group that is destroyed or was never initialized, an unknown priority
 * or flag, both affinity flags, or a node that is not in the pool's
 * topology, or NUMAPOOL_ENOMEM. Nothing is queued when an error is
 * returned.
 */
NUMAPOOL_API int numapool_group_submit(numapool_group_t *group, numapool_group_task_t task,
                                       void *context, const numapool_task_options_t *options);

/*
 * Waits until every task submitted to the group so far, and every task
 * those tasks submit to it, has finished; their writes are then visible to
 * the caller. While tasks of the pool are queued the caller runs them (of
 * any group); otherwise it spins for the pool's spin time, then sleeps.
 *
 * Returns 0, NUMAPOOL_EINVAL for a NULL, destroyed or uninitialized group,
 * or NUMAPOOL_EDEADLK when the calling thread is running a task of this
 * group (the wait would wait for its own caller); nothing is waited for
 * then.
 */
NUMAPOOL_API int numapool_group_wait(numapool_group_t *group);

/*
 * Waits for the group's tasks as numapool_group_wait() does, then marks
 * the group destroyed. Returns 0, or the error of the wait, in which case
 * the group is not destroyed. Destroying a destroyed group returns
 * NUMAPOOL_EINVAL.
 */
NUMAPOOL_API int numapool_group_destroy(numapool_group_t *group);

/*
 * The pool thread index of the calling thread while it runs a task of a
 * group: 1 .. thread_count - 1 for a worker thread, 0 for a thread that
 * runs tasks while it waits. Outside a task, returns 0. Use it with
 * numapool_thread_place() to see the task's domain.
 */
NUMAPOOL_API size_t numapool_task_thread_index(void);

/*
 * Pool sizing for tasks that block (on I/O, on locks): the thread count
 * that keeps `utilization` (0 < u <= 1) of cpus busy when each task waits
 * `wait_ratio` times as long as it computes (wait time / compute time, 0 or
 * more):
 *
 *   count = round(cpus * utilization * (1 + wait_ratio))
 *
 * at least 1 and at most NUMAPOOL_BLOCKING_THREADS_PER_CPU * cpus. cpus 0
 * stands for numapool_default_thread_count(). Writes the count to *count
 * and returns 0, or returns NUMAPOOL_EINVAL (NULL count, utilization
 * outside (0, 1], a negative or non-finite wait_ratio) and leaves *count
 * unchanged.
 */
#define NUMAPOOL_BLOCKING_THREADS_PER_CPU 32

NUMAPOOL_API int numapool_thread_count_for_blocking(size_t cpus, double utilization,
                                                    double wait_ratio, size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* NUMAPOOL_TASKS_H */
