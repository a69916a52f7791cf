/* Opening and closing a call, shared by parallel-for and team calls. */
#include <limits.h>

#include "pool/pool.h"
#include "pool/sync.h"

/* Caps the caller's spinning while it waits for workers to leave: they
 * hold at most one tile each by then, and under oversubscription they need
 * the caller's CPU. */
#define CLOSE_SPIN_NS 20000u

#define EPOCH_MASK ((UINT64_C(1) << (64 - NUMAPOOL_STATE_EPOCH_SHIFT)) - 1)

uint64_t numapool__call_open(numapool_t *pool, size_t helper_count) {
  uint64_t state = atomic_load_explicit(&pool->state, memory_order_relaxed);
  uint64_t epoch = (NUMAPOOL_STATE_EPOCH(state) + 1) & EPOCH_MASK;
  atomic_store_explicit(&pool->yield_hint,
                        (pool->call.flags & NUMAPOOL_FLAG_YIELD_WORKERS) != 0 ? 1u : 0u,
                        memory_order_relaxed);

  /* seq_cst: publishes pool->call (release) and orders this store before
   * the load of sleepers below, against the workers' increment of sleepers
   * before their last look at the state. */
  atomic_store(&pool->state, (epoch << NUMAPOOL_STATE_EPOCH_SHIFT) | NUMAPOOL_STATE_OPEN);

  if (helper_count > 0 && atomic_load(&pool->sleepers) > 0) {
    atomic_fetch_add(&pool->wake_seq, 1);
    /* Threads beyond the call's thread count may be among the sleepers;
     * then wake all, so the ones the call needs are among them. */
    bool all = pool->started_threads + 1 > pool->call.thread_count;
    int count = all || helper_count > INT_MAX ? INT_MAX : (int)helper_count;
    numapool__futex_wake(&pool->wake_seq, count);
  }
  return epoch;
}

static bool no_active_workers(numapool_t *pool) {
  uint64_t state = atomic_load_explicit(&pool->state, memory_order_acquire);
  return (state & NUMAPOOL_STATE_ACTIVE_MASK) == 0;
}

void numapool__call_close(numapool_t *pool) {
  uint64_t state = atomic_fetch_and(&pool->state, ~NUMAPOOL_STATE_OPEN);
  if ((state & NUMAPOOL_STATE_ACTIVE_MASK) == 0) {
    /* Acquire the writes of workers that left before the close. */
    atomic_thread_fence(memory_order_acquire);
    return;
  }

  uint64_t spin_ns = pool->spin_ns < CLOSE_SPIN_NS ? pool->spin_ns : CLOSE_SPIN_NS;
  uint64_t deadline = numapool__now_ns() + spin_ns;
  unsigned spins = 0;
  while (!no_active_workers(pool)) {
    numapool__cpu_relax();
    if ((++spins & 63) == 0 && numapool__now_ns() >= deadline)
      break;
  }

  /* Sleep until the last worker leaves; it wakes us through leave_seq. */
  for (;;) {
    unsigned seq = atomic_load(&pool->leave_seq);
    if (no_active_workers(pool))
      break;
    atomic_store(&pool->caller_waiting, 1);
    if (no_active_workers(pool))
      break;
    numapool__futex_wait(&pool->leave_seq, seq);
  }
  atomic_store(&pool->caller_waiting, 0);
}
