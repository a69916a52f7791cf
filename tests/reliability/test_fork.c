/* Fork and process exit: fork() while other threads run calls, the child
 * using inherited and new pools, and exit() with live pools. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <numapool/numapool.h>

#include "check.h"
#include "child.h"

#define ITEMS 512

typedef struct tally {
  atomic_uint hits[ITEMS];
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

/* Returns true when one call on pool ran every item once. The tally is
 * the caller's, never heap memory: a child of fork() inherits the heap
 * blocks of threads it does not have, and the leak checker would report
 * them. */
static bool call_exactly_once(numapool_t *pool, tally_t *tally) {
  memset(tally, 0, sizeof(*tally));
  tally->thread_limit = numapool_get_thread_count(pool);
  bool good = numapool_parallel_for_1d(pool, ITEMS, 2, tally_task, tally, 0) == 0 &&
              atomic_load(&tally->bad_threads) == 0;
  for (size_t i = 0; i < ITEMS; i++)
    good = good && atomic_load(&tally->hits[i]) == 1;
  return good;
}

static void team_task(void *context, numapool_team_t *team, size_t thread_index,
                      size_t thread_count) {
  (void)thread_index;
  atomic_uint *arrivals = context;
  atomic_fetch_add(arrivals, 1);
  numapool_team_barrier(team);
  if (atomic_load(arrivals) != thread_count)
    atomic_fetch_add(arrivals, 1000);
  numapool_team_barrier(team);
}

/* The tally of calls made by the main thread. */
static tally_t main_tally;

/* Returns true when a team call ran once on each of the pool's threads. */
static bool team_on_every_thread(numapool_t *pool) {
  atomic_uint arrivals = 0;
  return numapool_team_run(pool, team_task, &arrivals, 0) == 0 &&
         atomic_load(&arrivals) == numapool_get_thread_count(pool);
}

/* The sanitizer runtimes are not fork-safe. With clang 14, a child of a
 * fork taken while another thread was inside AddressSanitizer's allocator
 * deadlocked on the allocator's region lock when its new worker threads
 * started. ThreadSanitizer's die_after_fork option exists for the same
 * risk. Under either sanitizer the application threads therefore pause
 * between calls while the main thread forks; Release builds fork with
 * calls in flight. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PAUSE_CALLERS_FOR_FORK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PAUSE_CALLERS_FOR_FORK 1
#endif
#endif
#ifndef PAUSE_CALLERS_FOR_FORK
#define PAUSE_CALLERS_FOR_FORK 0
#endif

static atomic_bool pause_requested;
static atomic_uint paused_callers;

/* Application threads that keep calling their pool until *stop is set. */
typedef struct caller {
  numapool_t *pool;
  atomic_bool *stop;
  atomic_size_t calls;
  atomic_uint failures;
  tally_t tally;
} caller_t;

static void pause_if_requested(void) {
  if (!atomic_load(&pause_requested))
    return;
  atomic_fetch_add(&paused_callers, 1);
  while (atomic_load(&pause_requested))
    sched_yield();
  atomic_fetch_sub(&paused_callers, 1);
}

static void *keep_calling(void *argument) {
  caller_t *caller = argument;
  while (!atomic_load(caller->stop)) {
    pause_if_requested();
    bool good = atomic_load(&caller->calls) % 4 == 3 ? team_on_every_thread(caller->pool)
                                                     : call_exactly_once(caller->pool, &caller->tally);
    if (!good)
      atomic_fetch_add(&caller->failures, 1);
    atomic_fetch_add(&caller->calls, 1);
  }
  return NULL;
}

/* The child of a fork taken while calls ran: the inherited pools must
 * work, with their full thread counts, and new pools too. */
typedef struct fork_case {
  numapool_t *shared_pool;  /* called by two application threads */
  numapool_t *private_pool; /* called by one */
  numapool_t *idle_pool;    /* used once, before the threads started */
} fork_case_t;

static int child_uses_pools(void *argument) {
  fork_case_t *pools = argument;
  numapool_t *inherited[3] = {pools->shared_pool, pools->private_pool, pools->idle_pool};
  for (size_t i = 0; i < 3; i++) {
    size_t threads = numapool_get_thread_count(inherited[i]);
    CHECK(call_exactly_once(inherited[i], &main_tally));
    CHECK(team_on_every_thread(inherited[i]));
    CHECK_UEQ(numapool_get_thread_count(inherited[i]), threads);
    CHECK_UEQ(numapool_set_thread_count(inherited[i], 1), 1);
    CHECK(call_exactly_once(inherited[i], &main_tally));
    CHECK_UEQ(numapool_set_thread_count(inherited[i], threads), threads);
    CHECK(team_on_every_thread(inherited[i]));
  }

  numapool_options_t options = {.thread_count = 3};
  numapool_t *fresh = numapool_create(&options);
  CHECK(fresh != NULL);
  CHECK(call_exactly_once(fresh, &main_tally));
  CHECK(team_on_every_thread(fresh));

  /* A grandchild works too. */
  pid_t grandchild = fork();
  CHECK(grandchild >= 0);
  if (grandchild == 0) {
    alarm(20);
    bool good = call_exactly_once(fresh, &main_tally) && team_on_every_thread(fresh) &&
                call_exactly_once(pools->shared_pool, &main_tally);
    _exit(good ? 0 : 1);
  }
  int status;
  CHECK(waitpid(grandchild, &status, 0) == grandchild);
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);

  numapool_destroy(fresh);
  for (size_t i = 0; i < 3; i++)
    numapool_destroy(inherited[i]);
  return 0;
}

static unsigned check_fork_during_calls(void) {
  numapool_options_t options = {.thread_count = 3};
  fork_case_t pools = {
      .shared_pool = numapool_create(&options),
      .private_pool = numapool_create(&options),
      .idle_pool = numapool_create(&options),
  };
  CHECK(pools.shared_pool != NULL);
  CHECK(pools.private_pool != NULL);
  CHECK(pools.idle_pool != NULL);
  CHECK(call_exactly_once(pools.idle_pool, &main_tally));

  atomic_bool stop = false;
  caller_t callers[3] = {
      {.pool = pools.shared_pool, .stop = &stop},
      {.pool = pools.shared_pool, .stop = &stop},
      {.pool = pools.private_pool, .stop = &stop},
  };
  pthread_t threads[3];
  for (size_t i = 0; i < 3; i++)
    CHECK_EQ(pthread_create(&threads[i], NULL, keep_calling, &callers[i]), 0);

  child_result_t *result = malloc(sizeof(*result));
  CHECK(result != NULL);
  enum { FORKS = 40 };
  for (int i = 0; i < FORKS; i++) {
    usleep(1000 + 500 * (unsigned)(i % 7));
    if (PAUSE_CALLERS_FOR_FORK) {
      atomic_store(&pause_requested, true);
      while (atomic_load(&paused_callers) != 3)
        sched_yield();
    }
    child_run(child_uses_pools, &pools, 60, result);
    atomic_store(&pause_requested, false);
    child_require_success(result, "child of a fork during calls");
  }
  free(result);

  atomic_store(&stop, true);
  for (size_t i = 0; i < 3; i++) {
    CHECK_EQ(pthread_join(threads[i], NULL), 0);
    CHECK_UEQ(atomic_load(&callers[i].failures), 0);
    CHECK(atomic_load(&callers[i].calls) > 0);
  }

  /* The parent's pools are unharmed. */
  CHECK(call_exactly_once(pools.shared_pool, &main_tally));
  CHECK(team_on_every_thread(pools.private_pool));
  numapool_destroy(pools.shared_pool);
  numapool_destroy(pools.private_pool);
  numapool_destroy(pools.idle_pool);
  return 4;
}

/* exit() with live pools, from the main thread while another thread runs
 * calls on one of them. The pools are kept in globals, so the leak checker
 * counts them as reachable. */
static numapool_t *live_pools[2];

static int child_exits_with_live_pools(void *argument) {
  (void)argument;
  numapool_options_t options = {.thread_count = 3};
  live_pools[0] = numapool_create(&options);
  live_pools[1] = numapool_create(&options);
  CHECK(live_pools[0] != NULL);
  CHECK(live_pools[1] != NULL);
  CHECK(call_exactly_once(live_pools[0], &main_tally));
  CHECK(team_on_every_thread(live_pools[1]));

  static atomic_bool never_stop;
  static caller_t caller;
  caller.pool = live_pools[1];
  caller.stop = &never_stop;
  pthread_t thread;
  CHECK_EQ(pthread_create(&thread, NULL, keep_calling, &caller), 0);
  while (atomic_load(&caller.calls) < 10)
    usleep(100);
  exit(0);
}

static unsigned check_exit_with_live_pools(void) {
  child_result_t *result = malloc(sizeof(*result));
  CHECK(result != NULL);
  for (int i = 0; i < 10; i++) {
    child_run(child_exits_with_live_pools, NULL, 30, result);
    child_require_success(result, "exit() with live pools");
  }
  free(result);
  return 1;
}

int main(void) {
  unsigned passed = 0;
  passed += check_fork_during_calls();
  passed += check_exit_with_live_pools();
  return check_done("reliability_fork", passed);
}
