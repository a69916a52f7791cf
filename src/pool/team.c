/* Team calls and their barriers. */
#include <limits.h>

#include "common/log.h"
#include "pool/pool.h"
#include "pool/sync.h"

#define KNOWN_FLAGS (NUMAPOOL_FLAG_DISABLE_DENORMALS | NUMAPOOL_FLAG_YIELD_WORKERS)

/* A barrier waiter spins at most this long before it sleeps, so a team
 * whose threads lost their CPUs to other processes still progresses. */
#define BARRIER_SPIN_NS 50000u

void numapool__barrier_wait(numapool__barrier_t *barrier, uint64_t spin_ns) {
  if (barrier->size <= 1)
    return;

  unsigned generation = atomic_load_explicit(&barrier->generation, memory_order_acquire);
  unsigned arrived = atomic_fetch_add_explicit(&barrier->arrived, 1, memory_order_acq_rel) + 1;
  if (arrived == barrier->size) {
    /* Last arrival: reset the count for the next use, then release the
     * others. */
    atomic_store_explicit(&barrier->arrived, 0, memory_order_relaxed);
    atomic_fetch_add(&barrier->generation, 1);
    if (atomic_load(&barrier->sleepers) > 0)
      numapool__futex_wake(&barrier->generation, INT_MAX);
    return;
  }

  if (spin_ns > BARRIER_SPIN_NS)
    spin_ns = BARRIER_SPIN_NS;
  uint64_t deadline = numapool__now_ns() + spin_ns;
  unsigned spins = 0;
  while (atomic_load_explicit(&barrier->generation, memory_order_acquire) == generation) {
    numapool__cpu_relax();
    if ((++spins & 63) != 0 || numapool__now_ns() < deadline)
      continue;
    atomic_fetch_add(&barrier->sleepers, 1);
    if (atomic_load(&barrier->generation) == generation)
      numapool__futex_wait(&barrier->generation, generation);
    atomic_fetch_sub(&barrier->sleepers, 1);
  }
}

void numapool_team_barrier(numapool_team_t *team) {
  if (team == NULL || team->pool == NULL || team->thread_count <= 1)
    return;
  numapool__barrier_wait(&team->pool->team_barrier, team->pool->spin_ns);
}

void numapool_team_domain_barrier(numapool_team_t *team, size_t thread_index) {
  if (team == NULL || team->pool == NULL || team->thread_count <= 1 ||
      thread_index >= team->thread_count)
    return;
  numapool_t *pool = team->pool;
  size_t domain = pool->places[thread_index].domain;
  numapool__barrier_wait(&pool->domain_barriers[domain], pool->spin_ns);
}

int numapool_team_place(const numapool_team_t *team, size_t thread_index,
                        numapool_thread_place_t *place) {
  if (team == NULL || place == NULL || thread_index >= team->thread_count)
    return NUMAPOOL_EINVAL;
  return numapool__place_fill(team->pool, team->thread_count, thread_index, place);
}

void numapool__team_member_run(numapool_t *pool, size_t index) {
  pool->call.team_task(pool->call.context, &pool->team, index, pool->call.thread_count);
  atomic_fetch_add(&pool->team_done, 1);
  atomic_fetch_add(&pool->leave_seq, 1);
  if (atomic_load(&pool->caller_waiting) != 0)
    numapool__futex_wake(&pool->leave_seq, 1);
}

/* Waits until all helpers of the team call have run their part. */
static void wait_for_team(numapool_t *pool, unsigned helpers) {
  for (;;) {
    unsigned seq = atomic_load(&pool->leave_seq);
    if (atomic_load(&pool->team_done) >= helpers)
      break;
    atomic_store(&pool->caller_waiting, 1);
    if (atomic_load(&pool->team_done) >= helpers)
      break;
    numapool__futex_wait(&pool->leave_seq, seq);
  }
  atomic_store(&pool->caller_waiting, 0);
}

static void run_team_inline(numapool_team_task_t task, void *context, uint32_t flags) {
  numapool_team_t team = {.pool = NULL, .thread_count = 1};
  numapool__task_scope_t scope;
  numapool__task_scope_enter(&scope, NULL, flags);
  task(context, &team, 0, 1);
  numapool__task_scope_leave(&scope);
}

/* Sizes the barriers for the call's threads. */
static void prepare_barriers(numapool_t *pool, size_t threads) {
  pool->team_barrier.size = (unsigned)threads;
  atomic_store(&pool->team_barrier.arrived, 0);
  for (size_t d = 0; d < pool->topology->domain_count; d++) {
    pool->domain_barriers[d].size = (unsigned)pool->domain_threads[d];
    atomic_store(&pool->domain_barriers[d].arrived, 0);
  }
}

int numapool_team_run(numapool_t *pool, numapool_team_task_t task, void *context,
                      uint32_t flags) {
  if (task == NULL) {
    NUMAPOOL_LOG_ERROR("invalid team call: task is NULL");
    return NUMAPOOL_EINVAL;
  }
  if ((flags & ~KNOWN_FLAGS) != 0) {
    NUMAPOOL_LOG_ERROR("invalid team call flags 0x%x: unknown bits 0x%x", flags,
                       flags & ~KNOWN_FLAGS);
    return NUMAPOOL_EINVAL;
  }
  if (pool == NULL || numapool__current_pool != NULL) {
    run_team_inline(task, context, flags);
    return 0;
  }

  if (pool->fork_generation != numapool__fork_generation()) {
    atomic_store(&pool->call_lock, 1);
    numapool__fork_adopt(pool);
  } else {
    numapool__call_lock(pool);
  }
  size_t threads = pool->started_threads + 1;
  if (threads > pool->thread_count)
    threads = pool->thread_count;
  if (threads == 1) {
    numapool__call_unlock(pool);
    run_team_inline(task, context, flags);
    return 0;
  }

  numapool__call_t *call = &pool->call;
  call->mode = NUMAPOOL__CALL_TEAM;
  call->team_task = task;
  call->context = context;
  call->flags = flags;
  call->thread_count = threads;
  pool->team.pool = pool;
  pool->team.thread_count = threads;
  prepare_barriers(pool, threads);
  atomic_store(&pool->team_done, 0);
  numapool__call_open(pool, threads - 1);

  numapool__task_scope_t scope;
  numapool__task_scope_enter(&scope, pool, flags);
  task(context, &pool->team, 0, threads);
  numapool__task_scope_leave(&scope);

  wait_for_team(pool, (unsigned)(threads - 1));
  numapool__call_close(pool);
  numapool__call_unlock(pool);
  return 0;
}
