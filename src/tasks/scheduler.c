/* The task scheduler: creation from the pool's placement, queuing, the
 * take order (priority, aging, own lane, then steal order with node
 * affinity), running a task, and waiting on a group. */
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "common/env.h"
#include "common/log.h"
#include "pool/sync.h"
#include "tasks/scheduler.h"

#define DEFAULT_PATIENCE_US 1000
#define MAX_PATIENCE_US 60000000L
/* A waiter spins at most this long before it sleeps. */
#define MAX_WAIT_SPIN_NS 50000u

/* A task running on this thread, linked to the one it runs inside (a
 * thread that waits runs other tasks on top of its own). */
typedef struct frame {
  const numapool__group_t *group;
  struct frame *outer;
} frame_t;

/* The initial-exec model makes each access one instruction instead of a
 * call to __tls_get_addr; the few bytes fit the static TLS space that
 * glibc keeps for libraries loaded with dlopen. */
#define THREAD_LOCAL _Thread_local __attribute__((tls_model("initial-exec")))

/* The calling thread's innermost running task, the scheduler and lane it
 * runs tasks for. Set around each task. */
static THREAD_LOCAL frame_t *current_frame;
static THREAD_LOCAL numapool__tasks_t *current_tasks;
static THREAD_LOCAL size_t current_lane;

/* Per thread, for each level: the tasks of higher levels this thread took
 * while tasks of the level were queued (see NUMAPOOL_TASK_AGING_LIMIT). */
static THREAD_LOCAL unsigned passed_over[NUMAPOOL__LEVELS];

/* Next lane for submissions from outside the pool. */
static THREAD_LOCAL size_t next_lane;

/* Scheduler creation */

static void tasks_free(numapool__tasks_t *tasks) {
  if (tasks == NULL)
    return;
  if (tasks->lanes != NULL)
    for (size_t i = 0; i < tasks->lane_count; i++)
      numapool__lane_free(&tasks->lanes[i]);
  free(tasks->lanes);
  free(tasks->lane_domain);
  free(tasks->victims);
  free(tasks->domain_first);
  free(tasks->domain_threads);
  free(tasks->domain_node);
  free(tasks);
}

/* Writes lane i's steal order: the pool's order for thread i, then every
 * lane not listed yet, in index order. */
static void fill_victims(numapool__tasks_t *tasks, const numapool_t *pool, size_t i,
                         bool *listed) {
  size_t *order = &tasks->victims[i * (tasks->lane_count - 1)];
  size_t count = 0;
  memset(listed, 0, tasks->lane_count * sizeof(bool));
  listed[i] = true;

  if (i < tasks->thread_count) {
    const numapool__worker_t *worker = &pool->workers[i];
    for (size_t v = 0; v < worker->victim_count; v++) {
      size_t victim = worker->victims[v];
      if (victim < tasks->lane_count && !listed[victim]) {
        listed[victim] = true;
        order[count++] = victim;
      }
    }
  }
  for (size_t lane = 0; lane < tasks->lane_count; lane++)
    if (!listed[lane])
      order[count++] = lane;
}

/* Copies the pool's placement into a new scheduler. The caller makes sure
 * the placement does not change meanwhile.
 * NOTE: the copy is never refreshed, so after numapool_set_thread_count()
 * submissions still go to the threads of the old count, and threads added
 * later only steal, without a domain for pinned tasks. */
static numapool__tasks_t *tasks_create(numapool_t *pool) {
  numapool__tasks_t *tasks = aligned_alloc(NUMAPOOL_FALSE_SHARING_SIZE, sizeof(*tasks));
  if (tasks == NULL)
    return NULL;
  memset(tasks, 0, sizeof(*tasks));

  size_t lanes = pool->max_threads;
  size_t domains = pool->topology->domain_count;
  size_t threads = pool->thread_count;
  if (threads > pool->started_threads + 1)
    threads = pool->started_threads + 1;
  tasks->pool = pool;
  tasks->thread_count = threads;
  tasks->lane_count = lanes;
  tasks->domain_count = domains;
  tasks->lanes = aligned_alloc(NUMAPOOL_FALSE_SHARING_SIZE, lanes * sizeof(numapool__lane_t));
  tasks->lane_domain = calloc(lanes, sizeof(size_t));
  tasks->victims = calloc(lanes * (lanes - 1) + 1, sizeof(size_t));
  tasks->domain_first = calloc(domains, sizeof(size_t));
  tasks->domain_threads = calloc(domains, sizeof(size_t));
  tasks->domain_node = calloc(domains, sizeof(int));
  bool *listed = calloc(lanes, sizeof(bool));
  if (tasks->lanes == NULL || tasks->lane_domain == NULL || tasks->victims == NULL ||
      tasks->domain_first == NULL || tasks->domain_threads == NULL ||
      tasks->domain_node == NULL || listed == NULL) {
    free(listed);
    free(tasks->lanes);
    tasks->lanes = NULL;
    tasks_free(tasks);
    return NULL;
  }
  memset(tasks->lanes, 0, lanes * sizeof(numapool__lane_t));

  for (size_t d = 0; d < domains; d++)
    tasks->domain_node[d] = pool->topology->domains[d].node;
  /* Threads are numbered domain by domain, so each domain's lanes are
   * consecutive. */
  for (size_t i = 0; i < lanes; i++) {
    size_t domain = i < threads ? pool->places[i].domain : NUMAPOOL__NO_DOMAIN;
    tasks->lane_domain[i] = domain;
    if (domain != NUMAPOOL__NO_DOMAIN && tasks->domain_threads[domain]++ == 0)
      tasks->domain_first[domain] = i;
  }
  for (size_t i = 0; i < lanes; i++)
    fill_victims(tasks, pool, i, listed);
  free(listed);

  long patience_us;
  if (!numapool__env_long("NUMAPOOL_AFFINITY_US", 0, MAX_PATIENCE_US, &patience_us))
    patience_us = DEFAULT_PATIENCE_US;
  tasks->patience_ns = (uint64_t)patience_us * 1000u;
  tasks->spin_ns = pool->spin_ns < MAX_WAIT_SPIN_NS ? pool->spin_ns : MAX_WAIT_SPIN_NS;
  return tasks;
}

numapool__tasks_t *numapool__tasks_get(numapool_t *pool) {
  numapool__tasks_t *tasks = atomic_load_explicit(&pool->tasks, memory_order_acquire);
  if (tasks != NULL)
    return tasks;

  /* The placement is stable under the call lock, and inside a call or
   * task on this pool, whose caller holds the lock or which no call can
   * change. */
  bool lock = numapool__current_pool != pool;
  if (lock)
    numapool__call_lock(pool);
  numapool__tasks_t *fresh = tasks_create(pool);
  if (lock)
    numapool__call_unlock(pool);
  if (fresh == NULL) {
    NUMAPOOL_LOG_ERROR("cannot allocate the task queues of a pool of %zu threads",
                       pool->max_threads);
    return NULL;
  }

  numapool__tasks_t *expected = NULL;
  if (atomic_compare_exchange_strong_explicit(&pool->tasks, &expected, fresh,
                                              memory_order_acq_rel, memory_order_acquire))
    return fresh;
  tasks_free(fresh);
  return expected;
}

/* Waking sleepers */

/* Wakes one sleeping worker, unless a wake-up is already on its way, or
 * every sleeping worker when `all`: a pinned task needs a worker of its
 * domain, and a futex cannot pick one. */
static void wake_worker(numapool__tasks_t *tasks, bool all) {
  numapool_t *pool = tasks->pool;
  if (atomic_load(&pool->sleepers) == 0)
    return;
  if (!all && (atomic_load(&tasks->worker_wake_pending) != 0 ||
               atomic_exchange(&tasks->worker_wake_pending, 1) != 0))
    return;
  atomic_fetch_add(&pool->wake_seq, 1);
  numapool__futex_wake(&pool->wake_seq, all ? INT_MAX : 1);
}

/* Wakes every thread sleeping in a group wait. `always` skips the check
 * for a wake-up on its way, for group completions. */
static void wake_waiters(numapool__tasks_t *tasks, bool always) {
  if (atomic_load(&tasks->waiters) == 0)
    return;
  if (!always && (atomic_load(&tasks->waiter_wake_pending) != 0 ||
                  atomic_exchange(&tasks->waiter_wake_pending, 1) != 0))
    return;
  atomic_fetch_add(&tasks->waiter_seq, 1);
  numapool__futex_wake(&tasks->waiter_seq, INT_MAX);
}

static bool any_queued(numapool__tasks_t *tasks) {
  for (size_t level = 0; level < NUMAPOOL__LEVELS; level++)
    if (atomic_load(&tasks->queued[level]) != 0)
      return true;
  return false;
}

/* Queuing */

/* The lane a new task goes to. A thread running a task of this pool uses
 * its own lane when the task may run there. Otherwise the lanes of the
 * task's domain, or all lanes, take turns. */
static size_t choose_lane(const numapool__tasks_t *tasks, size_t domain) {
  if (current_tasks == tasks &&
      (domain == NUMAPOOL__NO_DOMAIN || tasks->lane_domain[current_lane] == domain))
    return current_lane;
  if (domain == NUMAPOOL__NO_DOMAIN)
    return next_lane++ % tasks->thread_count;
  return tasks->domain_first[domain] + next_lane++ % tasks->domain_threads[domain];
}

int numapool__tasks_push(numapool__tasks_t *tasks, const numapool__task_t *task, size_t level,
                         size_t domain) {
  if (domain != NUMAPOOL__NO_DOMAIN && tasks->domain_threads[domain] == 0)
    domain = NUMAPOOL__NO_DOMAIN;
  size_t kind = domain == NUMAPOOL__NO_DOMAIN ? NUMAPOOL__FREE : NUMAPOOL__PINNED;
  numapool__lane_t *lane = &tasks->lanes[choose_lane(tasks, domain)];

  atomic_fetch_add_explicit(&task->group->pending, 1, memory_order_relaxed);
  atomic_fetch_add(&tasks->queued[level], 1);
  numapool__lane_lock(lane);
  bool was_empty = atomic_load_explicit(&lane->count[kind][level], memory_order_relaxed) == 0;
  int status = numapool__lane_push(lane, kind, level, task);
  if (status == 0 && kind == NUMAPOOL__PINNED && was_empty)
    atomic_store_explicit(&lane->pinned_progress_ns, numapool__now_ns(), memory_order_relaxed);
  numapool__lane_unlock(lane);

  if (status != 0) {
    atomic_fetch_sub(&tasks->queued[level], 1);
    if (atomic_fetch_sub(&task->group->pending, 1) == 1)
      wake_waiters(tasks, true);
    return status;
  }
  wake_worker(tasks, kind == NUMAPOOL__PINNED);
  wake_waiters(tasks, false);
  return 0;
}

/* Taking */

/* Whether a thread of another domain may take the pinned tasks of a lane:
 * when its domain took none of them for the patience. */
static bool patience_over(const numapool__tasks_t *tasks, numapool__lane_t *lane) {
  if (atomic_load_explicit(&tasks->finishing, memory_order_relaxed))
    return true;
  uint64_t since = atomic_load_explicit(&lane->pinned_progress_ns, memory_order_relaxed);
  return numapool__now_ns() - since >= tasks->patience_ns;
}

/* Takes a task of `level` from a lane. The owner takes its newest task
 * unless `oldest`; other threads take the oldest. Pinned tasks go first
 * for threads of the lane's domain, and to threads of other domains only
 * when the patience is over. */
static bool take_from_lane(numapool__tasks_t *tasks, size_t index, size_t lane_index,
                           size_t level, bool oldest, numapool__task_t *task) {
  numapool__lane_t *lane = &tasks->lanes[lane_index];
  size_t free_count = atomic_load_explicit(&lane->count[NUMAPOOL__FREE][level],
                                           memory_order_relaxed);
  size_t pinned_count = atomic_load_explicit(&lane->count[NUMAPOOL__PINNED][level],
                                             memory_order_relaxed);
  size_t own_domain = index < tasks->thread_count ? tasks->lane_domain[index]
                                                  : NUMAPOOL__NO_DOMAIN;
  bool local = own_domain != NUMAPOOL__NO_DOMAIN && tasks->lane_domain[lane_index] == own_domain;
  bool pinned_allowed = pinned_count > 0 && (local || patience_over(tasks, lane));
  if (free_count == 0 && !pinned_allowed)
    return false;

  bool newest = lane_index == index && !oldest;
  bool found = false;
  numapool__lane_lock(lane);
  if (pinned_allowed && local)
    found = numapool__lane_pop(lane, NUMAPOOL__PINNED, level, newest, task);
  if (!found)
    found = numapool__lane_pop(lane, NUMAPOOL__FREE, level, newest, task);
  if (!found && pinned_allowed && !local)
    found = numapool__lane_pop(lane, NUMAPOOL__PINNED, level, false, task);
  else if (found && pinned_allowed && local)
    atomic_store_explicit(&lane->pinned_progress_ns, numapool__now_ns(), memory_order_relaxed);
  numapool__lane_unlock(lane);
  return found;
}

/* Takes a task of `level` from the thread's own lane, then in steal
 * order. */
static bool take_level(numapool__tasks_t *tasks, size_t index, size_t level, bool oldest,
                       numapool__task_t *task) {
  if (take_from_lane(tasks, index, index, level, oldest, task))
    return true;
  const size_t *order = &tasks->victims[index * (tasks->lane_count - 1)];
  for (size_t v = 0; v + 1 < tasks->lane_count; v++)
    if (take_from_lane(tasks, index, order[v], level, oldest, task))
      return true;
  return false;
}

/* Takes the next task for thread `index`: the highest level queued, except
 * that a level passed over NUMAPOOL_TASK_AGING_LIMIT times goes first
 * (the lowest such level), with its oldest task. */
static bool take(numapool__tasks_t *tasks, size_t index, numapool__task_t *task) {
  unsigned queued = 0;
  for (size_t level = 0; level < NUMAPOOL__LEVELS; level++)
    if (atomic_load_explicit(&tasks->queued[level], memory_order_relaxed) != 0)
      queued |= 1u << level;
  if (queued == 0)
    return false;

  size_t taken = NUMAPOOL__LEVELS;
  for (size_t level = NUMAPOOL__LEVELS; level-- > 1 && taken == NUMAPOOL__LEVELS;)
    if ((queued & (1u << level)) != 0 && passed_over[level] >= NUMAPOOL_TASK_AGING_LIMIT &&
        take_level(tasks, index, level, true, task))
      taken = level;
  for (size_t level = 0; level < NUMAPOOL__LEVELS && taken == NUMAPOOL__LEVELS; level++)
    if ((queued & (1u << level)) != 0 && take_level(tasks, index, level, false, task))
      taken = level;
  if (taken == NUMAPOOL__LEVELS)
    return false;

  atomic_fetch_sub(&tasks->queued[taken], 1);
  passed_over[taken] = 0;
  for (size_t level = taken + 1; level < NUMAPOOL__LEVELS; level++)
    if ((queued & (1u << level)) != 0)
      passed_over[level]++;
  return true;
}

/* Running */

/* Runs a task as thread `index` of the scheduler's pool. Nested parallel
 * calls inside it run inline, and a wait inside it can tell that it runs
 * a task of its group. */
static void run(numapool__tasks_t *tasks, const numapool__task_t *task, size_t index) {
  frame_t frame = {.group = task->group, .outer = current_frame};
  numapool__tasks_t *saved_tasks = current_tasks;
  size_t saved_lane = current_lane;
  numapool_t *saved_pool = numapool__current_pool;
  current_frame = &frame;
  current_tasks = tasks;
  current_lane = index;
  numapool__current_pool = tasks->pool;

  task->function(task->context);

  numapool__current_pool = saved_pool;
  current_lane = saved_lane;
  current_tasks = saved_tasks;
  current_frame = frame.outer;

  /* After this decrement the group may be gone: touch only the
   * scheduler. */
  if (atomic_fetch_sub(&task->group->pending, 1) == 1)
    wake_waiters(tasks, true);
}

void numapool__tasks_run_inline(const numapool__task_t *task) {
  frame_t frame = {.group = task->group, .outer = current_frame};
  current_frame = &frame;
  task->function(task->context);
  current_frame = frame.outer;
}

bool numapool__tasks_running_group(const numapool__group_t *group) {
  for (const frame_t *frame = current_frame; frame != NULL; frame = frame->outer)
    if (frame->group == group)
      return true;
  return false;
}

size_t numapool_task_thread_index(void) {
  return current_frame != NULL && current_tasks != NULL ? current_lane : 0;
}

/* Worker hooks */

bool numapool__tasks_work(numapool_t *pool, size_t index, uint64_t epoch) {
  numapool__tasks_t *tasks = atomic_load_explicit(&pool->tasks, memory_order_acquire);
  if (tasks == NULL || index >= tasks->lane_count)
    return false;
  if (atomic_load_explicit(&tasks->worker_wake_pending, memory_order_relaxed) != 0)
    atomic_store(&tasks->worker_wake_pending, 0);

  bool ran = false;
  numapool__task_t task;
  for (;;) {
    /* A new call goes first: the worker returns to join it. */
    uint64_t state = atomic_load_explicit(&pool->state, memory_order_acquire);
    if (NUMAPOOL_STATE_EPOCH(state) != epoch || (state & NUMAPOOL_STATE_SHUTDOWN) != 0)
      break;
    /* More work queued: pass the wake-up on to one more sleeper. When
     * this worker cannot take the queued tasks (pinned to another
     * domain), the next sleeper may. */
    bool taken = take(tasks, index, &task);
    if (any_queued(tasks))
      wake_worker(tasks, false);
    if (!taken)
      break;
    run(tasks, &task, index);
    ran = true;
  }
  return ran;
}

bool numapool__tasks_before_sleep(numapool_t *pool) {
  numapool__tasks_t *tasks = atomic_load_explicit(&pool->tasks, memory_order_acquire);
  if (tasks == NULL)
    return false;
  atomic_store(&tasks->worker_wake_pending, 0);
  return any_queued(tasks);
}

void numapool__tasks_finish(numapool_t *pool) {
  numapool__tasks_t *tasks = atomic_load_explicit(&pool->tasks, memory_order_acquire);
  if (tasks == NULL)
    return;

  /* The workers are gone: run what is left here, as thread 0, whatever
   * its node. Tasks may submit more; the loop runs those too. */
  atomic_store_explicit(&tasks->finishing, true, memory_order_relaxed);
  numapool__task_t task;
  while (take(tasks, 0, &task))
    run(tasks, &task, 0);

  atomic_store(&pool->tasks, NULL);
  tasks_free(tasks);
}

/* Waiting */

/* Sleeps until a task is queued or a group completes, unless the group is
 * done or tasks are queued already. */
static void sleep_in_wait(numapool__tasks_t *tasks, numapool__group_t *group) {
  unsigned seq = atomic_load(&tasks->waiter_seq);
  atomic_fetch_add(&tasks->waiters, 1);
  atomic_store(&tasks->waiter_wake_pending, 0);
  bool queued = any_queued(tasks);
  if (atomic_load(&group->pending) != 0 && !queued)
    numapool__futex_wait(&tasks->waiter_seq, seq);
  atomic_fetch_sub(&tasks->waiters, 1);
  /* Tasks are queued that this thread may not take yet (pinned to another
   * domain): let their threads run. */
  if (queued)
    sched_yield();
}

void numapool__tasks_wait(numapool__tasks_t *tasks, numapool__group_t *group) {
  size_t index = current_tasks == tasks ? current_lane : 0;
  uint64_t deadline = 0;
  unsigned spins = 0;
  numapool__task_t task;

  while (atomic_load_explicit(&group->pending, memory_order_acquire) != 0) {
    if (take(tasks, index, &task)) {
      run(tasks, &task, index);
      deadline = 0;
      continue;
    }

    numapool__cpu_relax();
    if ((++spins & 63) != 0)
      continue;
    uint64_t now = numapool__now_ns();
    if (deadline == 0)
      deadline = now + tasks->spin_ns;
    else if (now >= deadline)
      sleep_in_wait(tasks, group);
  }
}
