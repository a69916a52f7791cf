/* Worker threads: creation, binding, the idle loop and shutdown. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "pool/pool.h"
#include "pool/sync.h"
#include "tasks/scheduler.h"

/* Binds the calling worker to its placement under the pool's policy.
 * A rejected binding is logged once and the worker runs unbound. */
static void bind_worker(numapool__worker_t *worker) {
  numapool_t *pool = worker->pool;
  worker->bound_version = pool->placement_version;
  if (pool->bind == NUMAPOOL_BIND_NONE)
    return;

  const numapool__place_t *place = &pool->places[worker->index];
  const numapool__domain_t *domain = &pool->topology->domains[place->domain];
  int max_cpu = place->cpu;
  for (size_t i = 0; i < domain->cpu_count; i++)
    if (domain->cpus[i] > max_cpu)
      max_cpu = domain->cpus[i];

  cpu_set_t *set = CPU_ALLOC(max_cpu + 1);
  if (set == NULL)
    return;
  size_t set_size = CPU_ALLOC_SIZE(max_cpu + 1);
  CPU_ZERO_S(set_size, set);
  if (pool->bind == NUMAPOOL_BIND_CORE) {
    CPU_SET_S(place->cpu, set_size, set);
  } else {
    for (size_t i = 0; i < domain->cpu_count; i++)
      CPU_SET_S(domain->cpus[i], set_size, set);
  }

  int status = pthread_setaffinity_np(pthread_self(), set_size, set);
  CPU_FREE(set);
  if (status != 0)
    NUMAPOOL_WARN_ONCE("binding worker threads failed (%s); workers run unbound",
                       strerror(status));
}

/* Tries to join the open call of `state`, and only that call: a failed
 * CAS reloads the word, which may by then belong to a later call that the
 * worker's loop has not seen yet and would otherwise join twice. Returns
 * true when joined. */
static bool try_join(numapool_t *pool, uint64_t state) {
  uint64_t epoch = NUMAPOOL_STATE_EPOCH(state);
  while ((state & NUMAPOOL_STATE_OPEN) != 0 && (state & NUMAPOOL_STATE_SHUTDOWN) == 0 &&
         NUMAPOOL_STATE_EPOCH(state) == epoch) {
    if (atomic_compare_exchange_weak(&pool->state, &state, state + 1))
      return true;
  }
  return false;
}

/* Leaves the call; the last worker out of a closed call wakes the caller. */
static void leave(numapool_t *pool) {
  uint64_t previous = atomic_fetch_sub(&pool->state, 1);
  bool last = (previous & NUMAPOOL_STATE_ACTIVE_MASK) == 1;
  if (last && (previous & NUMAPOOL_STATE_OPEN) == 0) {
    atomic_fetch_add(&pool->leave_seq, 1);
    if (atomic_load(&pool->caller_waiting) != 0)
      numapool__futex_wake(&pool->leave_seq, 1);
  }
}

/* Runs this worker's part of the call it joined. */
static void work(numapool__worker_t *worker) {
  numapool_t *pool = worker->pool;
  const numapool__call_t *call = &pool->call;
  if (worker->index >= call->thread_count)
    return;
  if (worker->bound_version != pool->placement_version)
    bind_worker(worker);

  numapool__task_scope_t scope;
  numapool__task_scope_enter(&scope, pool, call->flags);
  if (call->mode == NUMAPOOL__CALL_FOR)
    numapool__for_run(pool, worker->index);
  else
    numapool__team_member_run(pool, worker->index);
  numapool__task_scope_leave(&scope);
}

/* Sleeps until a call newer than `epoch` opens, a group task is queued
 * or the pool shuts down. Submitters of tasks wake sleepers through
 * wake_seq too. When tasks are queued that this worker cannot take
 * (pinned to another domain), it yields its CPU instead of sleeping. */
static void sleep_until_called(numapool_t *pool, uint64_t epoch) {
  unsigned seq = atomic_load(&pool->wake_seq);
  atomic_fetch_add(&pool->sleepers, 1);
  uint64_t state = atomic_load(&pool->state);
  bool tasks_queued = numapool__tasks_before_sleep(pool);
  if (NUMAPOOL_STATE_EPOCH(state) == epoch && (state & NUMAPOOL_STATE_SHUTDOWN) == 0 &&
      !tasks_queued)
    numapool__futex_wait(&pool->wake_seq, seq);
  atomic_fetch_sub(&pool->sleepers, 1);
  if (tasks_queued)
    sched_yield();
}

void *numapool__worker_main(void *argument) {
  numapool__worker_t *worker = argument;
  numapool_t *pool = worker->pool;

  /* Binding waits for the first call the worker joins: the placement may
   * still change before then, and is only stable inside a call. */
  uint64_t epoch = worker->start_epoch;
  bool sleep_at_once = false;
  for (;;) {
    /* Spin for the pool's spin time, looking for a new call. */
    uint64_t state = atomic_load_explicit(&pool->state, memory_order_acquire);
    uint64_t deadline = 0;
    unsigned spins = 0;
    while (NUMAPOOL_STATE_EPOCH(state) == epoch && (state & NUMAPOOL_STATE_SHUTDOWN) == 0) {
      /* Between calls, run queued group tasks (src/tasks); they return
       * here as soon as a new call opens. Then spin afresh. */
      if (numapool__tasks_queued(pool) && numapool__tasks_work(pool, worker->index, epoch)) {
        deadline = 0;
        sleep_at_once = false;
        state = atomic_load_explicit(&pool->state, memory_order_acquire);
        continue;
      }
      if (sleep_at_once || pool->spin_ns == 0) {
        sleep_until_called(pool, epoch);
      } else {
        numapool__cpu_relax();
        /* Read the clock only every 64 spins: it costs more than a pause. */
        if ((++spins & 63) == 0) {
          uint64_t now = numapool__now_ns();
          if (deadline == 0)
            deadline = now + pool->spin_ns;
          else if (now >= deadline)
            sleep_until_called(pool, epoch);
        }
      }
      state = atomic_load_explicit(&pool->state, memory_order_acquire);
    }
    if ((state & NUMAPOOL_STATE_SHUTDOWN) != 0)
      return NULL;

    epoch = NUMAPOOL_STATE_EPOCH(state);
    if (try_join(pool, state)) {
      work(worker);
      sleep_at_once = (pool->call.flags & NUMAPOOL_FLAG_YIELD_WORKERS) != 0;
      leave(pool);
    } else {
      /* The call ended before this worker joined. The hint records whether
       * its caller requested that workers sleep at once. */
      sleep_at_once = atomic_load_explicit(&pool->yield_hint, memory_order_relaxed) != 0;
    }
  }
}

int numapool__workers_start(numapool_t *pool, size_t count) {
  for (size_t i = pool->started_threads + 1; i < count; i++) {
    numapool__worker_t *worker = &pool->workers[i];
    int status = 0;
    worker->start_epoch = NUMAPOOL_STATE_EPOCH(atomic_load(&pool->state));
    if (numapool__thread_create_hook != NULL)
      status = numapool__thread_create_hook(i);
    if (status == 0)
      status = pthread_create(&worker->thread, NULL, numapool__worker_main, worker);
    if (status != 0) {
      NUMAPOOL_LOG_ERROR("cannot create worker thread %zu of %zu: %s", i, count - 1,
                         strerror(status));
      return status == ENOMEM ? NUMAPOOL_ENOMEM : NUMAPOOL_EAGAIN;
    }
    worker->started = true;
    pool->started_threads = i;
  }
  return 0;
}

void numapool__workers_stop(numapool_t *pool) {
  atomic_fetch_or(&pool->state, NUMAPOOL_STATE_SHUTDOWN);
  atomic_fetch_add(&pool->wake_seq, 1);
  numapool__futex_wake(&pool->wake_seq, INT32_MAX);

  for (size_t i = 1; i < pool->max_threads; i++) {
    numapool__worker_t *worker = &pool->workers[i];
    if (!worker->started)
      continue;
    int status = pthread_join(worker->thread, NULL);
    if (status != 0)
      NUMAPOOL_LOG_ERROR("cannot join worker thread %zu: %s", i, strerror(status));
    worker->started = false;
  }
  pool->started_threads = 0;

  /* Group tasks still queued run now, on this thread (see tasks.h). */
  numapool__tasks_finish(pool);
}
