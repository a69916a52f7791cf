/* PAPI event sets for numapool counters. PAPI counts per thread once
 * PAPI_thread_init() has been given a thread-id function, so each pool
 * thread creates, starts and stops its own set. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "counters/papi_backend.h"
#include "numapool_config.h"

#if NUMAPOOL_HAVE_PAPI

#include <papi.h>

/* Set once by init_papi() under pthread_once, read after it. */
static pthread_once_t papi_once = PTHREAD_ONCE_INIT;
static char papi_failure[160];
static char papi_description[64];

/* PAPI_strerror() may return NULL for codes it does not know. */
static const char *papi_reason(int code) {
  const char *text = PAPI_strerror(code);
  return text != NULL ? text : "unknown PAPI error";
}

/* pthread_t is an unsigned long on glibc; PAPI wants a function that
 * returns the thread's id in that type. */
static unsigned long current_thread_id(void) {
  return (unsigned long)pthread_self();
}

static void init_papi(void) {
  /* An application may have initialized PAPI itself: use it as it is.
   * The state is a mask of the levels initialized so far. */
  int state = PAPI_is_initialized();
  if (state == PAPI_NOT_INITED) {
    int version = PAPI_library_init(PAPI_VER_CURRENT);
    if (version != PAPI_VER_CURRENT) {
      snprintf(papi_failure, sizeof papi_failure, "PAPI_library_init failed: %s",
               version > 0 ? "the PAPI library and header versions differ"
                           : papi_reason(version));
      return;
    }
  }
  if ((state & PAPI_THREAD_LEVEL_INITED) == 0) {
    int status = PAPI_thread_init(current_thread_id);
    if (status != PAPI_OK) {
      snprintf(papi_failure, sizeof papi_failure, "PAPI_thread_init failed: %s",
               papi_reason(status));
      return;
    }
  }
  int status = PAPI_multiplex_init();
  if (status != PAPI_OK)
    NUMAPOOL_LOG_INFO("counters: PAPI_multiplex_init failed: %s", papi_reason(status));

  int version = PAPI_get_opt(PAPI_LIB_VERSION, NULL);
  snprintf(papi_description, sizeof papi_description, "PAPI %d.%d.%d.%d",
           PAPI_VERSION_MAJOR(version), PAPI_VERSION_MINOR(version),
           PAPI_VERSION_REVISION(version), PAPI_VERSION_INCREMENT(version));
}

/* Returns NULL when PAPI is usable, else why not. */
static const char *papi_ready(void) {
  int status = pthread_once(&papi_once, init_papi);
  if (status != 0)
    return "pthread_once failed while initializing PAPI";
  return papi_failure[0] != '\0' ? papi_failure : NULL;
}

/* Records "<step> failed: <PAPI's reason>" in reason. */
static int fail(char *reason, size_t size, const char *step, int code) {
  if (reason != NULL)
    snprintf(reason, size, "%s failed: %s", step, papi_reason(code));
  return -1;
}

int numapool__papi_set_create(const char *const names[], size_t count, bool multiplex,
                              int *eventset, char *reason, size_t size) {
  const char *failure = papi_ready();
  if (failure != NULL) {
    if (reason != NULL)
      snprintf(reason, size, "%s", failure);
    return -1;
  }

  *eventset = PAPI_NULL;
  int status = PAPI_create_eventset(eventset);
  if (status != PAPI_OK)
    return fail(reason, size, "PAPI_create_eventset", status);

  /* A multiplexed set must be bound to a component before it converts;
   * component 0 is perf_event on Linux. */
  if (multiplex) {
    status = PAPI_assign_eventset_component(*eventset, 0);
    if (status == PAPI_OK)
      status = PAPI_set_multiplex(*eventset);
    if (status != PAPI_OK) {
      numapool__papi_set_destroy(eventset, false);
      return fail(reason, size, "PAPI_set_multiplex", status);
    }
  }

  for (size_t k = 0; k < count; k++) {
    /* PAPI_add_named_event takes a non-const name in older releases. */
    status = PAPI_add_named_event(*eventset, (char *)names[k]);
    if (status != PAPI_OK) {
      numapool__papi_set_destroy(eventset, false);
      return fail(reason, size, "PAPI_add_named_event", status);
    }
  }
  return 0;
}

int numapool__papi_probe_set(const char *const names[], size_t count, bool multiplex,
                             char *reason, size_t size) {
  int eventset;
  if (numapool__papi_set_create(names, count, multiplex, &eventset, reason, size) != 0)
    return -1;

  long long values[64];
  int status = PAPI_start(eventset);
  if (status != PAPI_OK) {
    numapool__papi_set_destroy(&eventset, false);
    return fail(reason, size, "PAPI_start", status);
  }
  status = PAPI_stop(eventset, values);
  numapool__papi_set_destroy(&eventset, false);
  if (status != PAPI_OK)
    return fail(reason, size, "PAPI_stop", status);
  return 0;
}

int numapool__papi_probe(const char *name, char *reason, size_t size) {
  const char *names[1] = {name};
  return numapool__papi_probe_set(names, 1, false, reason, size);
}

int numapool__papi_set_start(int eventset, size_t thread_index) {
  int status = PAPI_start(eventset);
  if (status != PAPI_OK) {
    NUMAPOOL_LOG_WARN("counters: PAPI_start failed on thread %zu: %s", thread_index,
                      papi_reason(status));
    return -1;
  }
  return 0;
}

int numapool__papi_set_stop(int eventset, size_t thread_index, size_t count,
                            long long totals[]) {
  long long values[64] = {0};
  int status = PAPI_stop(eventset, values);
  if (status != PAPI_OK) {
    NUMAPOOL_LOG_WARN("counters: PAPI_stop failed on thread %zu: %s", thread_index,
                      papi_reason(status));
    return -1;
  }
  for (size_t k = 0; k < count; k++)
    totals[k] += values[k];
  return 0;
}

void numapool__papi_set_destroy(int *eventset, bool unregister) {
  if (*eventset != PAPI_NULL) {
    int status = PAPI_cleanup_eventset(*eventset);
    if (status == PAPI_OK)
      status = PAPI_destroy_eventset(eventset);
    if (status != PAPI_OK)
      NUMAPOOL_LOG_INFO("counters: freeing an event set failed: %s", papi_reason(status));
  }
  if (unregister)
    PAPI_unregister_thread();
}

const char *numapool__papi_backend(void) {
  const char *failure = papi_ready();
  return failure != NULL ? failure : papi_description;
}

#else /* !NUMAPOOL_HAVE_PAPI */

static const char no_papi[] = "PAPI is not in this build of numapool (install libpapi-dev "
                              "and rebuild)";

static int no_papi_reason(char *reason, size_t size) {
  if (reason != NULL)
    snprintf(reason, size, "%s", no_papi);
  return -1;
}

int numapool__papi_probe(const char *name, char *reason, size_t size) {
  (void)name;
  return no_papi_reason(reason, size);
}

int numapool__papi_probe_set(const char *const names[], size_t count, bool multiplex,
                             char *reason, size_t size) {
  (void)names, (void)count, (void)multiplex;
  return no_papi_reason(reason, size);
}

int numapool__papi_set_create(const char *const names[], size_t count, bool multiplex,
                              int *eventset, char *reason, size_t size) {
  (void)names, (void)count, (void)multiplex;
  *eventset = -1;
  return no_papi_reason(reason, size);
}

int numapool__papi_set_start(int eventset, size_t thread_index) {
  (void)eventset, (void)thread_index;
  return -1;
}

int numapool__papi_set_stop(int eventset, size_t thread_index, size_t count,
                            long long totals[]) {
  (void)eventset, (void)thread_index, (void)count, (void)totals;
  return -1;
}

void numapool__papi_set_destroy(int *eventset, bool unregister) {
  (void)unregister;
  *eventset = -1;
}

const char *numapool__papi_backend(void) {
  return no_papi;
}

#endif /* NUMAPOOL_HAVE_PAPI */
