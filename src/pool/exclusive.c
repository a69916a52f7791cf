/* numapool_run_exclusive: a function that has the pool to itself. */
#include "common/log.h"
#include "pool/pool.h"

_Thread_local char numapool__exclusive_token;

static bool owns_pool(const numapool_t *pool) {
  return atomic_load_explicit(&pool->exclusive_owner, memory_order_relaxed) ==
         &numapool__exclusive_token;
}

int numapool_run_exclusive(numapool_t *pool, numapool_exclusive_function_t function,
                           void *context) {
  if (function == NULL) {
    NUMAPOOL_LOG_ERROR("invalid numapool_run_exclusive: function is NULL");
    return NUMAPOOL_EINVAL;
  }

  /* Nothing to lock for a NULL pool; inside a task every call runs inline
   * anyway; and an owner calling again already has the pool. */
  if (pool == NULL || numapool__current_pool != NULL || owns_pool(pool)) {
    function(context, pool);
    return 0;
  }

  if (pool->fork_generation != numapool__fork_generation()) {
    atomic_store(&pool->call_lock, 1);
    numapool__fork_adopt(pool);
  } else {
    numapool__call_lock(pool);
  }
  /* From here to the clear below, this thread's calls skip the lock. */
  atomic_store_explicit(&pool->exclusive_owner, &numapool__exclusive_token,
                        memory_order_relaxed);

  function(context, pool);

  atomic_store_explicit(&pool->exclusive_owner, NULL, memory_order_relaxed);
  numapool__call_unlock(pool);
  return 0;
}
