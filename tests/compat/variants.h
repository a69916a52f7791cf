/* The table of pthreadpool functions under test: each row states a
 * function's loop shape and how to call it with ranges and tiles given as
 * arrays, so that one set of checks covers every function. */
#ifndef NUMAPOOL_TESTS_COMPAT_VARIANTS_H
#define NUMAPOOL_TESTS_COMPAT_VARIANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthreadpool.h>

/* What a task receives between the context and the start indexes. */
typedef enum prefix {
  PREFIX_NONE,
  PREFIX_THREAD,      /* size_t thread index */
  PREFIX_THREAD_ID,   /* uint32_t thread index */
  PREFIX_UARCH,       /* uint32_t uarch index */
  PREFIX_UARCH_THREAD /* uint32_t uarch index, size_t thread index */
} prefix_t;

/* The uarch indexes the tests pass: tasks must receive the default. */
#define TEST_DEFAULT_UARCH 7u
#define TEST_MAX_UARCH 3u

/* The tasks forward their arguments here (defined by the test). */
void test_task_record(void *context, bool has_id, uint32_t id, const size_t args[], size_t count);

typedef void (*variant_call_t)(pthreadpool_t pool, void *context, const size_t range[],
                               const size_t tile[], uint32_t flags);

typedef struct variant {
  const char *name;
  size_t dims;
  unsigned tiled; /* bit d: dimension d is tiled and its extent is passed */
  prefix_t prefix;
  bool dynamic;
  bool legacy; /* a pthreadpool_compute_* function: takes no flags */
  variant_call_t call;
} variant_t;

extern const variant_t test_variants[];
extern const size_t test_variant_count;

#endif /* NUMAPOOL_TESTS_COMPAT_VARIANTS_H */
