/* Per-thread PAPI event sets for a pool, summed per thread, per domain and
 * overall. Without PAPI in the build every event is unavailable and the
 * rest of the API still works, so callers keep timing. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/counters.h>

#include "common/log.h"
#include "counters/papi_backend.h"
#include "numapool_config.h"

#define REASON_SIZE 160

/* One pool thread's counts. Only that thread writes them, inside the team
 * calls of create, start, stop and destroy. The owner thread reads them
 * after numapool_team_run() returns, and the pool's call protocol (release
 * by each worker, acquire by the caller) orders the writes before it. */
typedef struct counters_thread {
  _Alignas(128) int eventset;
  bool ready;     /* the thread's event set was created */
  bool visited;   /* the thread ran the last team task */
  int status;     /* 0, or NUMAPOOL_EIO after a failed start or read */
  long long totals[NUMAPOOL_COUNTERS_MAX_EVENTS];
  size_t domain;
  int node;
} counters_thread_t;

struct numapool_counters {
  numapool_t *pool;
  pthread_t owner;
  size_t thread_count;
  size_t domain_count;
  bool running;
  bool multiplexed;

  size_t event_count;
  char *names[NUMAPOOL_COUNTERS_MAX_EVENTS];
  /* Empty when the event is counted, else the reason it is not. */
  char reasons[NUMAPOOL_COUNTERS_MAX_EVENTS][REASON_SIZE];
  /* Events the per-thread sets hold, as indices into names, in set order. */
  size_t counted[NUMAPOOL_COUNTERS_MAX_EVENTS];
  size_t counted_count;

  counters_thread_t *threads;
};

typedef enum team_op { OP_SETUP, OP_START, OP_STOP, OP_TEARDOWN } team_op_t;

typedef struct team_context {
  numapool_counters_t *counters;
  team_op_t op;
} team_context_t;

/* Runs op on every thread of the pool and checks that each one ran it. */
static int run_on_threads(numapool_counters_t *counters, team_op_t op);

/* Runs on each pool thread: sets up, starts, stops or frees its set. */
static void thread_task(void *context, numapool_team_t *team, size_t thread_index,
                        size_t thread_count) {
  (void)team;
  team_context_t *call = context;
  numapool_counters_t *counters = call->counters;
  if (thread_index >= counters->thread_count || thread_count != counters->thread_count)
    return;
  counters_thread_t *thread = &counters->threads[thread_index];
  thread->visited = true;

  const char *names[NUMAPOOL_COUNTERS_MAX_EVENTS];
  for (size_t k = 0; k < counters->counted_count; k++)
    names[k] = counters->names[counters->counted[k]];
  char reason[REASON_SIZE];

  switch (call->op) {
  case OP_SETUP:
    thread->ready = numapool__papi_set_create(names, counters->counted_count,
                                              counters->multiplexed, &thread->eventset,
                                              reason, sizeof reason) == 0;
    if (!thread->ready) {
      NUMAPOOL_LOG_WARN("counters: thread %zu counts nothing: %s", thread_index, reason);
      thread->status = NUMAPOOL_EIO;
    }
    break;
  case OP_START:
    if (thread->ready && numapool__papi_set_start(thread->eventset, thread_index) != 0)
      thread->status = NUMAPOOL_EIO;
    break;
  case OP_STOP:
    if (thread->ready &&
        numapool__papi_set_stop(thread->eventset, thread_index, counters->counted_count,
                                thread->totals) != 0)
      thread->status = NUMAPOOL_EIO;
    break;
  case OP_TEARDOWN:
    if (thread->ready)
      numapool__papi_set_destroy(&thread->eventset, thread_index != 0);
    thread->ready = false;
    break;
  }
}

static int run_on_threads(numapool_counters_t *counters, team_op_t op) {
  for (size_t i = 0; i < counters->thread_count; i++)
    counters->threads[i].visited = false;

  team_context_t call = {counters, op};
  int status = numapool_team_run(counters->pool, thread_task, &call, 0);
  if (status != 0)
    return status;

  /* A call nested in a task runs on one thread only: the others missed it. */
  for (size_t i = 0; i < counters->thread_count; i++)
    if (!counters->threads[i].visited) {
      NUMAPOOL_LOG_ERROR("counters: thread %zu of %zu did not run the team call; "
                         "call the counters from outside any pool task",
                         i, counters->thread_count);
      return NUMAPOOL_EINVAL;
    }
  return 0;
}

/* Copies the names and checks them. Returns 0 or EINVAL or ENOMEM. */
static int copy_names(numapool_counters_t *counters, const char *const events[],
                      size_t event_count) {
  if (events == NULL) {
    NUMAPOOL_LOG_ERROR("counters: the event name array is NULL");
    return EINVAL;
  }
  if (event_count == 0 || event_count > NUMAPOOL_COUNTERS_MAX_EVENTS) {
    NUMAPOOL_LOG_ERROR("counters: event_count is %zu; give 1 to %d event names",
                       event_count, NUMAPOOL_COUNTERS_MAX_EVENTS);
    return EINVAL;
  }
  for (size_t e = 0; e < event_count; e++) {
    if (events[e] == NULL || events[e][0] == '\0') {
      NUMAPOOL_LOG_ERROR("counters: event name %zu is NULL or empty", e);
      return EINVAL;
    }
    counters->names[e] = strdup(events[e]);
    if (counters->names[e] == NULL)
      return ENOMEM;
    counters->event_count = e + 1;
  }
  return 0;
}

/* Records each thread's domain and node under the pool's thread count. */
static void record_places(numapool_counters_t *counters) {
  counters->domain_count = 1;
  for (size_t i = 0; i < counters->thread_count; i++) {
    numapool_thread_place_t place;
    counters->threads[i].domain = 0;
    counters->threads[i].node = -1;
    if (counters->pool == NULL || numapool_thread_place(counters->pool, i, &place) != 0)
      continue;
    counters->threads[i].domain = place.domain;
    counters->threads[i].node = place.node;
    if (place.domain_count > counters->domain_count)
      counters->domain_count = place.domain_count;
  }
}

/* Probes the events on the calling thread and decides which ones each
 * thread's set will hold, and whether the set must be multiplexed. */
static void probe_events(numapool_counters_t *counters) {
  counters->counted_count = 0;
  for (size_t e = 0; e < counters->event_count; e++) {
    if (numapool__papi_probe(counters->names[e], counters->reasons[e], REASON_SIZE) == 0)
      counters->counted[counters->counted_count++] = e;
    else
      NUMAPOOL_LOG_INFO("counters: %s is unavailable: %s", counters->names[e],
                        counters->reasons[e]);
  }
  if (counters->counted_count == 0)
    return;

  /* The events each work alone; check that they fit together, else let
   * PAPI multiplex them. NOTE: the multiplexed path is untested, because
   * the tests' VM has no hardware counters and software events fit. */
  const char *names[NUMAPOOL_COUNTERS_MAX_EVENTS];
  for (size_t k = 0; k < counters->counted_count; k++)
    names[k] = counters->names[counters->counted[k]];
  char reason[REASON_SIZE];
  if (numapool__papi_probe_set(names, counters->counted_count, false, reason, sizeof reason) == 0)
    return;
  if (numapool__papi_probe_set(names, counters->counted_count, true, reason, sizeof reason) == 0) {
    NUMAPOOL_LOG_INFO("counters: %zu events do not fit together; they are multiplexed",
                      counters->counted_count);
    counters->multiplexed = true;
    return;
  }
  for (size_t k = 0; k < counters->counted_count; k++)
    snprintf(counters->reasons[counters->counted[k]], REASON_SIZE,
             "the events cannot be counted together: %.110s", reason);
  counters->counted_count = 0;
}

numapool_counters_t *numapool_counters_create(numapool_t *pool, const char *const events[],
                                              size_t event_count) {
  numapool_counters_t *counters = calloc(1, sizeof *counters);
  if (counters == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  counters->pool = pool;
  counters->owner = pthread_self();
  counters->thread_count = numapool_get_thread_count(pool);

  int error = copy_names(counters, events, event_count);
  if (error == 0) {
    /* sizeof is a multiple of the struct's 128-byte alignment. */
    size_t size = counters->thread_count * sizeof *counters->threads;
    counters->threads = aligned_alloc(_Alignof(counters_thread_t), size);
    if (counters->threads == NULL)
      error = ENOMEM;
    else
      memset(counters->threads, 0, size);
  }
  if (error != 0) {
    numapool_counters_destroy(counters);
    errno = error;
    return NULL;
  }
  record_places(counters);

  probe_events(counters);
  if (counters->counted_count > 0 && run_on_threads(counters, OP_SETUP) != 0)
    NUMAPOOL_LOG_WARN("counters: event sets could not be set up on every thread");
  return counters;
}

void numapool_counters_destroy(numapool_counters_t *counters) {
  if (counters == NULL)
    return;
  if (counters->threads != NULL) {
    if (counters->running)
      numapool_counters_stop(counters);
    bool any_ready = false;
    for (size_t i = 0; i < counters->thread_count; i++)
      any_ready = any_ready || counters->threads[i].ready;
    if (any_ready && run_on_threads(counters, OP_TEARDOWN) != 0)
      NUMAPOOL_LOG_WARN("counters: event sets of some threads were not freed");
  }
  for (size_t e = 0; e < counters->event_count; e++)
    free(counters->names[e]);
  free(counters->threads);
  free(counters);
}

/* Checks that the call comes from the creating thread with the pool's
 * thread count unchanged. */
static int check_caller(const numapool_counters_t *counters, const char *function) {
  if (!pthread_equal(pthread_self(), counters->owner)) {
    NUMAPOOL_LOG_ERROR("%s: called from another thread than the one that created the "
                       "counters; PAPI ties thread 0's event set to that thread",
                       function);
    return NUMAPOOL_EINVAL;
  }
  if (numapool_get_thread_count(counters->pool) != counters->thread_count) {
    NUMAPOOL_LOG_ERROR("%s: the pool now has %zu threads but the counters were created "
                       "for %zu; create the counters after changing the thread count",
                       function, numapool_get_thread_count(counters->pool),
                       counters->thread_count);
    return NUMAPOOL_EINVAL;
  }
  return 0;
}

int numapool_counters_start(numapool_counters_t *counters) {
  if (counters == NULL)
    return NUMAPOOL_EINVAL;
  int status = check_caller(counters, "numapool_counters_start");
  if (status != 0)
    return status;
  if (counters->running) {
    NUMAPOOL_LOG_ERROR("numapool_counters_start: the counters are already started");
    return NUMAPOOL_EINVAL;
  }
  if (counters->counted_count == 0)
    return NUMAPOOL_ENOTSUP;

  status = run_on_threads(counters, OP_START);
  if (status != 0)
    return status;
  counters->running = true;
  for (size_t i = 0; i < counters->thread_count; i++)
    if (counters->threads[i].status != 0)
      return NUMAPOOL_EIO;
  return 0;
}

int numapool_counters_stop(numapool_counters_t *counters) {
  if (counters == NULL)
    return NUMAPOOL_EINVAL;
  int status = check_caller(counters, "numapool_counters_stop");
  if (status != 0)
    return status;
  if (!counters->running) {
    NUMAPOOL_LOG_ERROR("numapool_counters_stop: the counters are not started");
    return NUMAPOOL_EINVAL;
  }

  status = run_on_threads(counters, OP_STOP);
  if (status != 0)
    return status;
  counters->running = false;
  for (size_t i = 0; i < counters->thread_count; i++)
    if (counters->threads[i].status != 0)
      return NUMAPOOL_EIO;
  return 0;
}

int numapool_counters_reset(numapool_counters_t *counters) {
  if (counters == NULL || counters->running)
    return NUMAPOOL_EINVAL;
  for (size_t i = 0; i < counters->thread_count; i++) {
    memset(counters->threads[i].totals, 0, sizeof counters->threads[i].totals);
    /* A thread whose set could not be created stays failed. */
    if (counters->threads[i].ready)
      counters->threads[i].status = 0;
  }
  return 0;
}

size_t numapool_counters_event_count(const numapool_counters_t *counters) {
  return counters == NULL ? 0 : counters->event_count;
}

size_t numapool_counters_thread_count(const numapool_counters_t *counters) {
  return counters == NULL ? 0 : counters->thread_count;
}

size_t numapool_counters_domain_count(const numapool_counters_t *counters) {
  return counters == NULL ? 0 : counters->domain_count;
}

const char *numapool_counters_event_name(const numapool_counters_t *counters, size_t event) {
  if (counters == NULL || event >= counters->event_count)
    return NULL;
  return counters->names[event];
}

const char *numapool_counters_event_reason(const numapool_counters_t *counters, size_t event) {
  if (counters == NULL || event >= counters->event_count)
    return "invalid event index";
  return counters->reasons[event][0] == '\0' ? NULL : counters->reasons[event];
}

/* Returns the event's position in the per-thread sets, or -1 when the
 * event is not counted. */
static long counted_slot(const numapool_counters_t *counters, size_t event) {
  for (size_t k = 0; k < counters->counted_count; k++)
    if (counters->counted[k] == event)
      return (long)k;
  return -1;
}

/* Adds thread i's count of an event to *value. */
static void add_thread(const numapool_counters_t *counters, size_t i, long slot,
                       numapool_counter_value_t *value) {
  const counters_thread_t *thread = &counters->threads[i];
  if (thread->status != 0 || !thread->ready) {
    value->status = NUMAPOOL_EIO;
    return;
  }
  value->value += thread->totals[slot];
}

/* Sums an event over the threads of one domain, or of all (domain SIZE_MAX). */
static int sum_threads(const numapool_counters_t *counters, size_t first, size_t end,
                       size_t domain, size_t event, numapool_counter_value_t *value) {
  if (counters == NULL || value == NULL || event >= counters->event_count)
    return NUMAPOOL_EINVAL;
  *value = (numapool_counter_value_t){0, 0, 0};
  long slot = counted_slot(counters, event);
  if (slot < 0) {
    value->status = NUMAPOOL_ENOTSUP;
    return 0;
  }
  if (counters->multiplexed)
    value->flags |= NUMAPOOL_COUNTER_MULTIPLEXED;
  for (size_t i = first; i < end; i++)
    if (domain == SIZE_MAX || counters->threads[i].domain == domain)
      add_thread(counters, i, slot, value);
  return 0;
}

int numapool_counters_thread_value(const numapool_counters_t *counters, size_t thread_index,
                                   size_t event, numapool_counter_value_t *value) {
  if (counters == NULL || thread_index >= counters->thread_count)
    return NUMAPOOL_EINVAL;
  return sum_threads(counters, thread_index, thread_index + 1, SIZE_MAX, event, value);
}

int numapool_counters_domain_value(const numapool_counters_t *counters, size_t domain,
                                   size_t event, int *node, numapool_counter_value_t *value) {
  if (counters == NULL || domain >= counters->domain_count)
    return NUMAPOOL_EINVAL;
  if (node != NULL) {
    *node = -1;
    for (size_t i = 0; i < counters->thread_count; i++)
      if (counters->threads[i].domain == domain)
        *node = counters->threads[i].node;
  }
  return sum_threads(counters, 0, counters->thread_count, domain, event, value);
}

int numapool_counters_total(const numapool_counters_t *counters, size_t event,
                            numapool_counter_value_t *value) {
  if (counters == NULL)
    return NUMAPOOL_EINVAL;
  return sum_threads(counters, 0, counters->thread_count, SIZE_MAX, event, value);
}

const char *numapool_counters_backend(void) {
  return numapool__papi_backend();
}
