/*
 * numapool counters: hardware and software event counts (PAPI) for every
 * thread of a pool, around a region that the caller marks.
 *
 * Each pool thread gets its own PAPI event set, because PAPI counts per
 * thread. numapool_counters_start() and numapool_counters_stop() run a team
 * call on the pool, so every thread starts or stops its own set. The counts
 * of successive start/stop pairs add up until numapool_counters_reset().
 *
 *   numapool_counters_t *c = numapool_counters_create(pool, events, 2);
 *   numapool_counters_start(c);
 *   ... parallel-for or team calls on pool ...
 *   numapool_counters_stop(c);
 *   numapool_counters_total(c, 0, &value);
 *
 * Events are PAPI preset names (PAPI_TOT_CYC) or native names
 * (perf::TASK-CLOCK, perf::PAGE-FAULTS). Each event is probed at creation
 * by starting an event set that holds it: an event that cannot be counted
 * (no hardware counters in a VM, perf_event_paranoid forbidding it, PAPI
 * absent from the build) is marked unavailable with PAPI's reason and
 * reads as unavailable, while the others are counted. When the available
 * events do not fit together in the hardware counters, PAPI multiplexes
 * them and every value carries NUMAPOOL_COUNTER_MULTIPLEXED: it is an
 * estimate, not an exact count.
 *
 * Threads: create, start, stop, reset and destroy must be called by the
 * same application thread (it is thread 0 of the pool's calls, and PAPI
 * ties thread 0's event set to it), between calls on the pool. The pool's
 * thread count must not change between create and destroy, and the
 * counters must be destroyed before the pool. The read functions may be
 * called from any thread once stop has returned.
 *
 * The error contract is numapool.h's.
 */
#ifndef NUMAPOOL_COUNTERS_H
#define NUMAPOOL_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include <numapool/numapool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The maximum number of events in one counter set. */
#define NUMAPOOL_COUNTERS_MAX_EVENTS 16

/* Value flags. */
/* The event was multiplexed with others: the value is scaled up from the
 * time the event was actually counted, so it is an estimate. */
#define NUMAPOOL_COUNTER_MULTIPLEXED 0x1u

typedef struct numapool_counters numapool_counters_t;

/* Creates counters for every thread of the pool (NULL: the caller only)
 * and probes each event. event_count is 1 to NUMAPOOL_COUNTERS_MAX_EVENTS.
 * Unusable events do not make creation fail: they are reported by
 * numapool_counters_event_reason(). Returns NULL with errno EINVAL (NULL
 * or empty names, too many events) or ENOMEM. */
NUMAPOOL_API numapool_counters_t *numapool_counters_create(numapool_t *pool,
                                                           const char *const events[],
                                                           size_t event_count);

/* Stops the counters if they run and frees them. NULL does nothing. */
NUMAPOOL_API void numapool_counters_destroy(numapool_counters_t *counters);

/* Starts counting on every thread of the pool. Returns 0 or one of:
 *   NUMAPOOL_EINVAL: NULL, already started, called from another thread
 *     than create's, or the pool's thread count changed;
 *   NUMAPOOL_ENOTSUP: no event is available, so only timing is possible;
 *   NUMAPOOL_EIO: a thread's event set failed to start. The log names the
 *     thread and PAPI's reason, and the other threads count normally. */
NUMAPOOL_API int numapool_counters_start(numapool_counters_t *counters);

/* Stops counting on every thread and adds the counts to the totals.
 * Returns 0, NUMAPOOL_EINVAL (NULL, not started, wrong thread) or
 * NUMAPOOL_EIO when a thread's read failed. That thread's counts for the
 * region are dropped, and values that include it get status NUMAPOOL_EIO. */
NUMAPOOL_API int numapool_counters_stop(numapool_counters_t *counters);

/* Sets every total to 0. Returns 0 or NUMAPOOL_EINVAL (NULL, running). */
NUMAPOOL_API int numapool_counters_reset(numapool_counters_t *counters);

/* The number of events and the pool threads the counters cover; 0 for
 * NULL. */
NUMAPOOL_API size_t numapool_counters_event_count(const numapool_counters_t *counters);
NUMAPOOL_API size_t numapool_counters_thread_count(const numapool_counters_t *counters);

/* The event's name as given at creation, or NULL for an invalid index. */
NUMAPOOL_API const char *numapool_counters_event_name(const numapool_counters_t *counters,
                                                      size_t event);

/* NULL when the event is counted, else why not, as a sentence that
 * includes PAPI's reason, for example "PAPI_add_named_event failed: Event
 * does not exist". An invalid index returns "invalid event index". */
NUMAPOOL_API const char *numapool_counters_event_reason(const numapool_counters_t *counters,
                                                        size_t event);

/* A count: value is valid only when status is 0. status is
 * NUMAPOOL_ENOTSUP for an unavailable event and NUMAPOOL_EIO when a start
 * or read failed on a thread that the value covers. */
typedef struct numapool_counter_value {
  long long value;
  uint32_t flags; /* NUMAPOOL_COUNTER_* */
  int status;
} numapool_counter_value_t;

/* The total of an event on one thread of the pool. Returns 0 or
 * NUMAPOOL_EINVAL for a NULL argument or an index out of range. */
NUMAPOOL_API int numapool_counters_thread_value(const numapool_counters_t *counters,
                                                size_t thread_index, size_t event,
                                                numapool_counter_value_t *value);

/* The number of NUMA domains the pool's threads span, and the total of an
 * event over the threads of one domain; *node receives the domain's OS
 * NUMA node index or -1 when unknown (node may be NULL). */
NUMAPOOL_API size_t numapool_counters_domain_count(const numapool_counters_t *counters);
NUMAPOOL_API int numapool_counters_domain_value(const numapool_counters_t *counters,
                                                size_t domain, size_t event, int *node,
                                                numapool_counter_value_t *value);

/* The total of an event over every thread. */
NUMAPOOL_API int numapool_counters_total(const numapool_counters_t *counters, size_t event,
                                         numapool_counter_value_t *value);

/* The counting backend and its version, such as "PAPI 7.0.0.0", or a
 * sentence saying that the build has no PAPI. Never NULL. */
NUMAPOOL_API const char *numapool_counters_backend(void);

#ifdef __cplusplus
}
#endif

#endif /* NUMAPOOL_COUNTERS_H */
