/* The PAPI calls behind numapool counters, one event set at a time. Built
 * as stubs that report "PAPI is not in this build" when PAPI is absent. */
#ifndef NUMAPOOL_COUNTERS_PAPI_BACKEND_H
#define NUMAPOOL_COUNTERS_PAPI_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include <numapool/export.h>

/* Creates, starts and stops an event set holding only the named event on
 * the calling thread. Returns 0, or -1 with the reason in reason. */
NUMAPOOL_INTERNAL int numapool__papi_probe(const char *name, char *reason, size_t size);

/* The same for a set of events, multiplexed or not. */
NUMAPOOL_INTERNAL int numapool__papi_probe_set(const char *const names[], size_t count,
                                               bool multiplex, char *reason, size_t size);

/* Creates an event set owned by the calling thread. Returns 0, or -1 with
 * the reason logged and copied to reason when reason is not NULL. */
NUMAPOOL_INTERNAL int numapool__papi_set_create(const char *const names[], size_t count,
                                                bool multiplex, int *eventset, char *reason,
                                                size_t size);

/* Starts the calling thread's set. Returns 0 or -1 (logged). */
NUMAPOOL_INTERNAL int numapool__papi_set_start(int eventset, size_t thread_index);

/* Stops the calling thread's set and adds its counts to totals. Returns 0
 * or -1 (logged), in which case totals are unchanged. */
NUMAPOOL_INTERNAL int numapool__papi_set_stop(int eventset, size_t thread_index, size_t count,
                                              long long totals[]);

/* Frees the calling thread's set; unregister also tells PAPI the thread
 * is done with it (used on the pool's worker threads). */
NUMAPOOL_INTERNAL void numapool__papi_set_destroy(int *eventset, bool unregister);

/* "PAPI <version>", or why PAPI is not used. */
NUMAPOOL_INTERNAL const char *numapool__papi_backend(void);

#endif /* NUMAPOOL_COUNTERS_PAPI_BACKEND_H */
