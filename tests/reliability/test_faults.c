/* Faults: worker thread creation and allocations failing at each point
 * where the library makes them. Every fault must end in a clean error
 * (NULL with errno, or a smaller pool with a logged warning) or a working
 * pool, and leave no allocation and no thread behind.
 *
 * Linked with the static library and with the linker option --wrap for the
 * allocation functions and the hwloc calls that allocate, so that calls
 * made by the library's objects reach the counting wrappers below. The
 * library's hidden hook numapool__thread_create_hook is reachable from the
 * static library too. */
#include <dirent.h>
#include <errno.h>
#include <hwloc.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <numapool/numapool.h>

#include "check.h"
#include "child.h"

/* The library's test hook, declared as in src/pool/pool.h. */
typedef int (*thread_create_hook_t)(size_t worker_index);
extern thread_create_hook_t numapool__thread_create_hook;

/* Allocation accounting. While armed, the wrappers count allocation
 * attempts and fail the one numbered fail_at (1-based). live_blocks counts
 * the blocks allocated and not yet freed through the wrapped functions. */
static atomic_long live_blocks;
static atomic_long attempts;
static atomic_long fail_at;
static atomic_bool armed;
static atomic_long injected;

static bool should_fail(void) {
  if (!atomic_load(&armed))
    return false;
  long attempt = atomic_fetch_add(&attempts, 1) + 1;
  if (attempt != atomic_load(&fail_at))
    return false;
  atomic_fetch_add(&injected, 1);
  return true;
}

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *pointer, size_t size);
void *__real_aligned_alloc(size_t alignment, size_t size);
int __real_posix_memalign(void **pointer, size_t alignment, size_t size);
char *__real_strdup(const char *text);
void __real_free(void *pointer);
int __real_hwloc_topology_init(hwloc_topology_t *topology);
hwloc_bitmap_t __real_hwloc_bitmap_alloc(void);
hwloc_bitmap_t __real_hwloc_bitmap_dup(hwloc_const_bitmap_t bitmap);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *pointer, size_t size);
void *__wrap_aligned_alloc(size_t alignment, size_t size);
int __wrap_posix_memalign(void **pointer, size_t alignment, size_t size);
char *__wrap_strdup(const char *text);
void __wrap_free(void *pointer);
int __wrap_hwloc_topology_init(hwloc_topology_t *topology);
hwloc_bitmap_t __wrap_hwloc_bitmap_alloc(void);
hwloc_bitmap_t __wrap_hwloc_bitmap_dup(hwloc_const_bitmap_t bitmap);

static void *counted(void *block) {
  if (block != NULL)
    atomic_fetch_add(&live_blocks, 1);
  return block;
}

void *__wrap_malloc(size_t size) {
  if (should_fail()) {
    errno = ENOMEM;
    return NULL;
  }
  return counted(__real_malloc(size));
}

void *__wrap_calloc(size_t count, size_t size) {
  if (should_fail()) {
    errno = ENOMEM;
    return NULL;
  }
  return counted(__real_calloc(count, size));
}

void *__wrap_realloc(void *pointer, size_t size) {
  if (should_fail()) {
    errno = ENOMEM;
    return NULL;
  }
  void *block = __real_realloc(pointer, size);
  if (pointer == NULL)
    return counted(block);
  return block;
}

void *__wrap_aligned_alloc(size_t alignment, size_t size) {
  if (should_fail()) {
    errno = ENOMEM;
    return NULL;
  }
  return counted(__real_aligned_alloc(alignment, size));
}

int __wrap_posix_memalign(void **pointer, size_t alignment, size_t size) {
  if (should_fail())
    return ENOMEM;
  int status = __real_posix_memalign(pointer, alignment, size);
  if (status == 0)
    counted(*pointer);
  return status;
}

char *__wrap_strdup(const char *text) {
  if (should_fail()) {
    errno = ENOMEM;
    return NULL;
  }
  return counted(__real_strdup(text));
}

void __wrap_free(void *pointer) {
  if (pointer != NULL)
    atomic_fetch_sub(&live_blocks, 1);
  __real_free(pointer);
}

int __wrap_hwloc_topology_init(hwloc_topology_t *topology) {
  if (should_fail()) {
    errno = ENOMEM;
    return -1;
  }
  return __real_hwloc_topology_init(topology);
}

hwloc_bitmap_t __wrap_hwloc_bitmap_alloc(void) {
  return should_fail() ? NULL : __real_hwloc_bitmap_alloc();
}

hwloc_bitmap_t __wrap_hwloc_bitmap_dup(hwloc_const_bitmap_t bitmap) {
  return should_fail() ? NULL : __real_hwloc_bitmap_dup(bitmap);
}

static void arm(long attempt) {
  atomic_store(&attempts, 0);
  atomic_store(&injected, 0);
  atomic_store(&fail_at, attempt);
  atomic_store(&armed, true);
}

static void disarm(void) { atomic_store(&armed, false); }

/* Threads of this process, from /proc/self/task. */
static size_t count_threads(void) {
  DIR *directory = opendir("/proc/self/task");
  CHECK(directory != NULL);
  size_t count = 0;
  struct dirent *entry;
  while ((entry = readdir(directory)) != NULL)
    if (entry->d_name[0] != '.')
      count++;
  closedir(directory);
  return count;
}

/* Counts the threads, waiting up to a second for joined threads to
 * disappear from /proc: the kernel removes a task a little after
 * pthread_join returns. */
static size_t count_threads_settled(size_t expected) {
  size_t count = count_threads();
  for (int i = 0; i < 1000 && count != expected; i++) {
    usleep(1000);
    count = count_threads();
  }
  return count;
}

/* A parallel-for over `items` items that counts each item's runs. */
typedef struct tally {
  size_t items;
  atomic_uint hits[256];
  atomic_uint bad_threads;
  size_t thread_limit;
} tally_t;

static void tally_task(void *context, size_t thread_index, size_t start, size_t extent) {
  tally_t *tally = context;
  if (thread_index >= tally->thread_limit)
    atomic_fetch_add(&tally->bad_threads, 1);
  for (size_t i = start; i < start + extent; i++)
    atomic_fetch_add(&tally->hits[i], 1);
}

static void check_exactly_once(numapool_t *pool) {
  static tally_t tally;
  memset(&tally, 0, sizeof(tally));
  tally.items = 256;
  tally.thread_limit = numapool_get_thread_count(pool);
  CHECK_EQ(numapool_parallel_for_1d(pool, tally.items, 3, tally_task, &tally, 0), 0);
  CHECK_UEQ(atomic_load(&tally.bad_threads), 0);
  for (size_t i = 0; i < tally.items; i++)
    CHECK_UEQ(atomic_load(&tally.hits[i]), 1);
}

static void team_task(void *context, numapool_team_t *team, size_t thread_index,
                      size_t thread_count) {
  (void)thread_index;
  atomic_uint *arrivals = context;
  atomic_fetch_add(arrivals, 1);
  numapool_team_barrier(team);
  if (atomic_load(arrivals) != thread_count)
    atomic_fetch_add(arrivals, 1000);
  numapool_team_domain_barrier(team, thread_index);
}

static void check_team(numapool_t *pool) {
  atomic_uint arrivals = 0;
  CHECK_EQ(numapool_team_run(pool, team_task, &arrivals, 0), 0);
  CHECK_UEQ(atomic_load(&arrivals), numapool_get_thread_count(pool));
}

/* Thread creation failing at each worker index, with each error number
 * pthread_create can return for a resource shortage. */
static int fail_index;
static int fail_error;

static int failing_create_hook(size_t worker_index) {
  return (int)worker_index == fail_index ? fail_error : 0;
}

static unsigned check_thread_creation_failures(void) {
  unsigned passed = 0;
  const int errors[] = {EAGAIN, ENOMEM, EPERM};
  for (size_t e = 0; e < sizeof(errors) / sizeof(errors[0]); e++) {
    for (fail_index = 1; fail_index < 4; fail_index++) {
      fail_error = errors[e];
      size_t threads_before = count_threads();
      long blocks_before = atomic_load(&live_blocks);
      numapool__thread_create_hook = failing_create_hook;

      numapool_options_t options = {.thread_count = 4};
      errno = 0;
      numapool_t *pool = numapool_create(&options);
      int saved_errno = errno;
      if (pool == NULL) {
        /* ENOMEM from pthread_create reports as ENOMEM, anything else as
         * EAGAIN (a resource limit). */
        CHECK_EQ(saved_errno, fail_error == ENOMEM ? ENOMEM : EAGAIN);
      } else {
        /* A pool that creates its workers lazily must still run every
         * item, on the threads it could start. */
        check_exactly_once(pool);
        numapool_destroy(pool);
      }
      numapool__thread_create_hook = NULL;
      CHECK_UEQ(count_threads_settled(threads_before), threads_before);
      CHECK_EQ(atomic_load(&live_blocks), blocks_before);
      passed += 2;
    }
  }
  return passed;
}

/* A pool that cannot grow keeps the threads it has and says so. */
static unsigned check_growth_failure(void) {
  numapool_options_t options = {.thread_count = 1};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  /* NUMAPOOL_NUM_THREADS=4 in the test's environment makes 4 the pool's
   * maximum. */
  CHECK_UEQ(numapool_default_thread_count(), 4);

  fail_index = 3;
  fail_error = EAGAIN;
  numapool__thread_create_hook = failing_create_hook;
  size_t count = numapool_set_thread_count(pool, 4);
  numapool__thread_create_hook = NULL;
  CHECK_UEQ(count, 3);
  CHECK_UEQ(numapool_get_thread_count(pool), 3);
  check_exactly_once(pool);
  check_team(pool);

  /* Once creation works again, the pool grows to the full count. */
  CHECK_UEQ(numapool_set_thread_count(pool, 4), 4);
  check_exactly_once(pool);
  check_team(pool);
  numapool_destroy(pool);
  return 5;
}

/* In a child of fork(), the inherited pool restarts its workers; when
 * that fails, calls still run every item. */
static int child_with_failing_threads(void *argument) {
  numapool_t *pool = argument;
  fail_index = 1;
  fail_error = EAGAIN;
  numapool__thread_create_hook = failing_create_hook;
  check_exactly_once(pool);
  check_team(pool);
  numapool__thread_create_hook = NULL;
  return 0;
}

static unsigned check_fork_restart_failure(void) {
  numapool_options_t options = {.thread_count = 3};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  check_exactly_once(pool);
  child_result_t *result = malloc(sizeof(*result));
  CHECK(result != NULL);
  child_run(child_with_failing_threads, pool, 30, result);
  child_require_success(result, "fork with failing thread creation");
  free(result);
  check_exactly_once(pool);
  numapool_destroy(pool);
  return 1;
}

/* One scenario under allocation failure: returns after the pool, if any,
 * was used and destroyed. */
typedef void (*scenario_t)(void);

static const char *scenario_topology;
static size_t scenario_threads;

static void scenario_create(void) {
  numapool_options_t options = {.thread_count = scenario_threads, .topology = scenario_topology};
  errno = 0;
  numapool_t *pool = numapool_create(&options);
  if (pool == NULL) {
    CHECK_EQ(errno, ENOMEM);
    return;
  }
  check_exactly_once(pool);
  check_team(pool);
  numapool_destroy(pool);
}

static void scenario_resize(void) {
  numapool_options_t options = {.thread_count = 1, .topology = scenario_topology};
  numapool_t *pool = numapool_create(&options);
  if (pool == NULL) {
    CHECK_EQ(errno, ENOMEM);
    return;
  }
  size_t count = numapool_set_thread_count(pool, 4);
  CHECK(count >= 1 && count <= 4);
  CHECK_UEQ(numapool_get_thread_count(pool), count);
  check_exactly_once(pool);
  check_team(pool);
  numapool_set_thread_count(pool, 2);
  check_exactly_once(pool);
  numapool_destroy(pool);
}

static void scratch_task(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)start;
  (void)extent;
  numapool_t *pool = context;
  unsigned char *buffer = numapool_scratch(pool, thread_index, 4096);
  if (buffer != NULL)
    memset(buffer, 1, 4096);
}

static void scenario_scratch(void) {
  numapool_options_t options = {.thread_count = 2};
  numapool_t *pool = numapool_create(&options);
  if (pool == NULL) {
    CHECK_EQ(errno, ENOMEM);
    return;
  }
  CHECK_EQ(numapool_parallel_for_1d(pool, 64, 1, scratch_task, pool, 0), 0);
  numapool_destroy(pool);
}

/* Fails allocation 1, then 2, and so on, until the scenario runs without
 * reaching the failing attempt. Returns the number of fault points. */
static long fail_each_allocation(scenario_t scenario, const char *name) {
  for (long attempt = 1;; attempt++) {
    size_t threads_before = count_threads();
    long blocks_before = atomic_load(&live_blocks);
    arm(attempt);
    scenario();
    disarm();
    long attempts_made = atomic_load(&attempts);
    if (count_threads_settled(threads_before) != threads_before ||
        atomic_load(&live_blocks) != blocks_before) {
      fprintf(stderr, "%s, allocation %ld failed: threads %zu -> %zu, live blocks %ld -> %ld\n",
              name, attempt, threads_before, count_threads(), blocks_before,
              atomic_load(&live_blocks));
      CHECK_MSG(0, name);
    }
    if (atomic_load(&injected) == 0) {
      printf("%s: %ld allocation points, each failed once, all clean\n", name, attempts_made);
      return attempts_made;
    }
  }
}

int main(void) {
  unsigned passed = 0;

  /* Start whatever threads the runtime adds on first use (the thread
   * sanitizer's, for one) before counting threads. */
  numapool_t *warm_up = numapool_create(NULL);
  CHECK(warm_up != NULL);
  check_exactly_once(warm_up);
  numapool_destroy(warm_up);

  passed += check_thread_creation_failures();
  passed += check_growth_failure();
  passed += check_fork_restart_failure();

  scenario_threads = 4;
  scenario_topology = NULL;
  CHECK(fail_each_allocation(scenario_create, "create on the machine") > 0);
  scenario_topology = "synthetic:pack:2 numa:1 core:2 pu:1";
  CHECK(fail_each_allocation(scenario_create, "create on 2 simulated nodes") > 0);
  CHECK(fail_each_allocation(scenario_resize, "resize on 2 simulated nodes") > 0);
  scenario_topology = NULL;
  CHECK(fail_each_allocation(scenario_resize, "resize on the machine") > 0);
  CHECK(fail_each_allocation(scenario_scratch, "scratch buffers") > 0);
  passed += 5;
  return check_done("reliability_faults", passed);
}
