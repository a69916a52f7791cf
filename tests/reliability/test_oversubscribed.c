/* Oversubscription: a busy process pinned on each allowed CPU while the
 * pool runs parallel-for and team calls. Every call must finish with
 * every item run once; speed is not checked here (numapool-perf measures
 * it). The busy children die with the test (PR_SET_PDEATHSIG) and are
 * killed at the end. */
#include <signal.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <numapool/numapool.h>

#include "check.h"

#define MAX_BUSY 256
#define ITEMS 10000

static pid_t busy[MAX_BUSY];
static size_t busy_count;

/* Forks one child per allowed CPU, each pinned there and spinning. */
static void start_busy_children(void) {
  cpu_set_t allowed;
  CHECK(sched_getaffinity(0, sizeof(allowed), &allowed) == 0);
  for (int cpu = 0; cpu < CPU_SETSIZE && busy_count < MAX_BUSY; cpu++) {
    if (!CPU_ISSET(cpu, &allowed))
      continue;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      sched_setaffinity(0, sizeof(one), &one);
      volatile unsigned long spin = 0;
      for (;;)
        spin++;
    }
    busy[busy_count++] = pid;
  }
}

static void stop_busy_children(void) {
  for (size_t i = 0; i < busy_count; i++) {
    CHECK(kill(busy[i], SIGKILL) == 0);
    int status;
    CHECK(waitpid(busy[i], &status, 0) == busy[i]);
  }
  busy_count = 0;
}

typedef struct tally {
  atomic_uchar hits[ITEMS];
} tally_t;

/* About 300 ns of arithmetic per item, then the item is marked. */
static void work_task(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)thread_index;
  tally_t *tally = context;
  for (size_t i = start; i < start + extent; i++) {
    volatile double x = (double)i;
    for (int k = 0; k < 100; k++)
      x = x * 1.0000001 + 0.5;
    atomic_fetch_add(&tally->hits[i], 1);
  }
}

static void team_task(void *context, numapool_team_t *team, size_t thread_index,
                      size_t thread_count) {
  atomic_uint *arrivals = context;
  for (unsigned phase = 1; phase <= 4; phase++) {
    atomic_fetch_add(arrivals, 1);
    numapool_team_barrier(team);
    if (atomic_load(arrivals) < phase * thread_count)
      atomic_fetch_add(arrivals, 100000);
    numapool_team_domain_barrier(team, thread_index);
    numapool_team_barrier(team);
  }
}

static unsigned run_calls(numapool_t *pool, size_t calls) {
  static tally_t tally;
  for (size_t call = 0; call < calls; call++) {
    memset(&tally, 0, sizeof(tally));
    uint32_t flags = call % 3 == 2 ? NUMAPOOL_FLAG_YIELD_WORKERS : 0;
    CHECK_EQ(numapool_parallel_for_1d(pool, ITEMS, 1 + call % 17, work_task, &tally, flags), 0);
    for (size_t i = 0; i < ITEMS; i++)
      if (atomic_load(&tally.hits[i]) != 1)
        CHECK_UEQ(atomic_load(&tally.hits[i]), 1);

    atomic_uint arrivals = 0;
    CHECK_EQ(numapool_team_run(pool, team_task, &arrivals, 0), 0);
    CHECK_UEQ(atomic_load(&arrivals), 4 * numapool_get_thread_count(pool));
  }
  return 2;
}

int main(void) {
  numapool_t *default_pool = numapool_create(NULL);
  numapool_options_t over = {.thread_count = numapool_default_thread_count() + 2};
  numapool_t *over_pool = numapool_create(&over);
  CHECK(default_pool != NULL);
  CHECK(over_pool != NULL);

  start_busy_children();
  printf("reliability_oversubscribed: %zu busy processes, pools of %zu and %zu threads\n",
         busy_count, numapool_get_thread_count(default_pool),
         numapool_get_thread_count(over_pool));
  unsigned passed = 0;
  passed += run_calls(default_pool, 100);
  passed += run_calls(over_pool, 100);
  stop_busy_children();

  numapool_destroy(default_pool);
  numapool_destroy(over_pool);
  return check_done("reliability_oversubscribed", passed);
}
