/* dlclose() of the shared library while a pool is live: the workers still
 * run library code, so the library must stay mapped and the process must
 * go on and exit normally. This program does not link the library; it
 * loads it with dlopen(), so that dlclose() could really unload it.
 *
 * Usage: reliability_dlclose PATH_TO_SHARED_LIBRARY */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include <numapool/numapool.h>

#include "check.h"
#include "child.h"

typedef numapool_t *(*create_fn)(const numapool_options_t *);
typedef int (*parallel_for_1d_fn)(numapool_t *, size_t, size_t, numapool_task_1d_t, void *,
                                  uint32_t);
typedef void (*destroy_fn)(numapool_t *);

static const char *library_path;

static void count_task(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)thread_index;
  (void)start;
  atomic_fetch_add((atomic_size_t *)context, extent);
}

static void *load_symbol(void *library, const char *name) {
  void *symbol = dlsym(library, name);
  CHECK_MSG(symbol != NULL, name);
  return symbol;
}

/* Loads the library, runs a call, optionally destroys the pool, closes the
 * library and keeps running for a while. */
static int child_dlcloses(void *argument) {
  bool destroy_first = argument != NULL;
  void *library = dlopen(library_path, RTLD_NOW | RTLD_LOCAL);
  CHECK_MSG(library != NULL, dlerror());
  create_fn create = (create_fn)load_symbol(library, "numapool_create");
  parallel_for_1d_fn parallel_for_1d =
      (parallel_for_1d_fn)load_symbol(library, "numapool_parallel_for_1d");
  destroy_fn destroy = (destroy_fn)load_symbol(library, "numapool_destroy");

  /* A long spin time keeps the workers running library code while
   * dlclose() runs. */
  numapool_options_t options = {.thread_count = 3, .spin_us = 100000};
  numapool_t *pool = create(&options);
  CHECK(pool != NULL);
  atomic_size_t count = 0;
  CHECK_EQ(parallel_for_1d(pool, 1000, 1, count_task, &count, 0), 0);
  CHECK_UEQ(atomic_load(&count), 1000);
  if (destroy_first)
    destroy(pool);
  CHECK_EQ(dlclose(library), 0);

  /* Past the spin time, the workers have gone to sleep in library code. */
  usleep(150000);
  return 0;
}

int main(int argc, char **argv) {
  CHECK_MSG(argc == 2, "usage: reliability_dlclose PATH_TO_SHARED_LIBRARY");
  library_path = argv[1];
  child_result_t *result = malloc(sizeof(*result));
  CHECK(result != NULL);
  for (int i = 0; i < 5; i++) {
    child_run(child_dlcloses, (void *)1, 30, result);
    child_require_success(result, "dlclose() after destroy");
    child_run(child_dlcloses, NULL, 30, result);
    child_require_success(result, "dlclose() with a live pool");
  }
  free(result);
  return check_done("reliability_dlclose", 2);
}
