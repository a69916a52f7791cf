/*
 * Fork safety. A child of fork() has only the thread that called fork, so
 * a pool inherited from the parent has no workers there. The child handler
 * only bumps a generation counter; each pool compares it with its own at
 * the start of a call and, when they differ, forgets the parent's threads
 * (never joining or signalling them), resets its synchronization words and
 * starts fresh workers in the child.
 */
#include <pthread.h>

#include "common/log.h"
#include "pool/pool.h"

static atomic_uint fork_generation;
static pthread_once_t register_once = PTHREAD_ONCE_INIT;

static void after_fork_in_child(void) {
  atomic_fetch_add_explicit(&fork_generation, 1, memory_order_relaxed);
}

static void register_handler(void) {
  int status = pthread_atfork(NULL, NULL, after_fork_in_child);
  if (status != 0)
    NUMAPOOL_LOG_WARN("pthread_atfork failed (error %d): pools used after fork() in a child "
                      "will run calls serially",
                      status);
}

void numapool__fork_register(void) { (void)pthread_once(&register_once, register_handler); }

unsigned numapool__fork_generation(void) {
  return atomic_load_explicit(&fork_generation, memory_order_relaxed);
}

void numapool__fork_adopt(numapool_t *pool) {
  /* started_threads is the index of the last running worker, so the
   * thread count the parent ran with is one more. */
  size_t wanted = pool->started_threads + 1;

  /* The parent's workers do not exist here: drop them without a join. */
  for (size_t i = 1; i < pool->max_threads; i++)
    pool->workers[i].started = false;
  pool->started_threads = 0;
  atomic_store(&pool->state, 0);
  atomic_store(&pool->sleepers, 0);
  atomic_store(&pool->caller_waiting, 0);
  atomic_store(&pool->call_lock, 1); /* the caller of this function holds it */
  pool->fork_generation = numapool__fork_generation();

  int status = numapool__workers_start(pool, wanted);
  if (status != 0) {
    NUMAPOOL_LOG_WARN("cannot restart the pool's workers after fork(): %s; calls in this "
                      "process use the threads that could be started",
                      numapool_strerror(status));
    /* As numapool_set_thread_count does, report the count that runs. */
    if (pool->thread_count > pool->started_threads + 1) {
      pool->thread_count = pool->started_threads + 1;
      numapool__placement_update(pool);
    }
  }
}
