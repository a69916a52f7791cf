/* A libpthreadpool.so.0 running the fork-join workloads: Debian's, or
 * numapool's drop-in. Both export the same names as each other, so the
 * library is loaded with dlmopen() into a new link namespace, where it
 * cannot bind to numapool's symbols in the driver or the other way round. */
#include <dlfcn.h>
#include <stdio.h>

#include "forkjoin_work.h"

typedef struct pthreadpool pthreadpool_t;
typedef void (*task_1d_t)(void *, size_t);
typedef void (*task_1d_tile_1d_t)(void *, size_t, size_t);

typedef struct pthreadpool_api {
  pthreadpool_t *(*create)(size_t);
  void (*destroy)(pthreadpool_t *);
  void (*parallelize_1d)(pthreadpool_t *, task_1d_t, void *, size_t, uint32_t);
  void (*parallelize_1d_tile_1d)(pthreadpool_t *, task_1d_tile_1d_t, void *, size_t, size_t,
                                 uint32_t);
} pthreadpool_api_t;

typedef struct pthreadpool_state {
  const pthreadpool_api_t *api;
  pthreadpool_t *pool;
  const forkjoin_work_t *work;
} pthreadpool_state_t;

static void item_task(void *context, size_t i) {
  forkjoin_items(context, i, 1);
}

static void tile_task(void *context, size_t start, size_t count) {
  forkjoin_items(context, start, count);
}

/* The throughput workload uses the tiled call with numapool's tile, the
 * others one item per call of the task. */
static void run_pthreadpool(void *state) {
  const pthreadpool_state_t *run = state;
  const forkjoin_work_t *work = run->work;
  if (work->kind == FORKJOIN_THROUGHPUT)
    run->api->parallelize_1d_tile_1d(run->pool, tile_task, (void *)work, work->items,
                                     work->tile, 0);
  else
    run->api->parallelize_1d(run->pool, item_task, (void *)work, forkjoin_range(work), 0);
}

/* Looks up the four functions. Returns 0 or -1 with the missing name. */
static int load_api(void *library, pthreadpool_api_t *api, char *error, size_t error_size) {
  static const char *const names[] = {"pthreadpool_create", "pthreadpool_destroy",
                                      "pthreadpool_parallelize_1d",
                                      "pthreadpool_parallelize_1d_tile_1d"};
  void *symbols[4];
  for (int i = 0; i < 4; i++) {
    symbols[i] = dlsym(library, names[i]);
    if (symbols[i] == NULL) {
      snprintf(error, error_size, "%s is missing from the library", names[i]);
      return -1;
    }
  }
  /* POSIX guarantees that dlsym's object pointers convert to functions. */
  *(void **)&api->create = symbols[0];
  *(void **)&api->destroy = symbols[1];
  *(void **)&api->parallelize_1d = symbols[2];
  *(void **)&api->parallelize_1d_tile_1d = symbols[3];
  return 0;
}

int forkjoin_pthreadpool(const char *library_path, const forkjoin_work_t *work,
                         double *samples, size_t count, char *error, size_t error_size) {
  void *library = dlmopen(LM_ID_NEWLM, library_path, RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    snprintf(error, error_size, "cannot load %s: %s", library_path, dlerror());
    return -1;
  }
  pthreadpool_api_t api;
  if (load_api(library, &api, error, error_size) != 0)
    return -1;

  pthreadpool_state_t state = {&api, api.create(work->threads), work};
  if (state.pool == NULL) {
    snprintf(error, error_size, "pthreadpool_create(%zu) failed", work->threads);
    return -1;
  }
  forkjoin_time(work, run_pthreadpool, &state, samples, count);
  api.destroy(state.pool);
  /* The child process exits next, so the library stays loaded. */
  return 0;
}
