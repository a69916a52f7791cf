/* Team calls: each thread runs once, all at the same time, and barriers
 * separate phases. */
#include <stdatomic.h>
#include <stdio.h>

#include <numapool/numapool.h>

#include "check.h"

#define PHASES 50
#define MAX_THREADS 8

typedef struct team_state {
  atomic_uint runs[MAX_THREADS];
  atomic_uint phase_count[PHASES];
  atomic_uint errors;
  atomic_uint domain_errors;
} team_state_t;

/* In each phase every thread increments the phase counter; after the
 * barrier every thread must see the full count of the phase. */
static void phased(void *context, numapool_team_t *team, size_t thread_index,
                   size_t thread_count) {
  team_state_t *state = context;
  atomic_fetch_add(&state->runs[thread_index], 1);
  for (size_t phase = 0; phase < PHASES; phase++) {
    atomic_fetch_add(&state->phase_count[phase], 1);
    numapool_team_barrier(team);
    if (atomic_load(&state->phase_count[phase]) != thread_count)
      atomic_fetch_add(&state->errors, 1);
  }

  numapool_thread_place_t place;
  if (numapool_team_place(team, thread_index, &place) != 0 ||
      place.index_in_domain >= place.threads_in_domain)
    atomic_fetch_add(&state->domain_errors, 1);
  numapool_team_domain_barrier(team, thread_index);
}

int main(void) {
  unsigned passed = 0;
  for (size_t threads = 1; threads <= 4; threads++) {
    numapool_options_t options = {.thread_count = threads};
    numapool_t *pool = numapool_create(&options);
    CHECK(pool != NULL);
    for (int repeat = 0; repeat < 100; repeat++) {
      team_state_t state = {0};
      CHECK_EQ(numapool_team_run(pool, phased, &state, 0), 0);
      for (size_t i = 0; i < threads; i++)
        CHECK_UEQ(atomic_load(&state.runs[i]), 1);
      for (size_t i = threads; i < MAX_THREADS; i++)
        CHECK_UEQ(atomic_load(&state.runs[i]), 0);
      CHECK_UEQ(atomic_load(&state.errors), 0);
      CHECK_UEQ(atomic_load(&state.domain_errors), 0);
      passed++;
    }
    numapool_destroy(pool);
  }

  /* A NULL pool runs the task once, as a team of one. */
  team_state_t state = {0};
  CHECK_EQ(numapool_team_run(NULL, phased, &state, 0), 0);
  CHECK_UEQ(atomic_load(&state.runs[0]), 1);
  CHECK_EQ(numapool_team_run(NULL, NULL, NULL, 0), NUMAPOOL_EINVAL);
  CHECK_EQ(numapool_team_run(NULL, phased, &state, 0x100), NUMAPOOL_EINVAL);
  passed += 3;
  return check_done("pool_team", passed);
}
