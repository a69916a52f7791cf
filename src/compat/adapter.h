/* The generic core of the pthreadpool drop-in: every pthreadpool function
 * describes its loop with a shape and hands it to numapool__compat_run(),
 * which maps it onto one numapool_parallel_for call. */
#ifndef NUMAPOOL_COMPAT_ADAPTER_H
#define NUMAPOOL_COMPAT_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <numapool/export.h>
#include <numapool/numapool.h>

/* What a task receives between the context and the start indexes. */
typedef enum numapool__compat_prefix {
  NUMAPOOL__PREFIX_NONE = 0,
  NUMAPOOL__PREFIX_THREAD = 1,      /* size_t thread index */
  NUMAPOOL__PREFIX_THREAD_ID = 2,   /* uint32_t thread index */
  NUMAPOOL__PREFIX_UARCH = 3,       /* uint32_t uarch index */
  NUMAPOOL__PREFIX_UARCH_THREAD = 4 /* uint32_t uarch index, size_t thread index */
} numapool__compat_prefix_t;

/* The loop of one pthreadpool function. */
typedef struct numapool__compat_shape {
  const char *name;   /* the pthreadpool function, for diagnostics */
  uint8_t dims;       /* 1 to 6 */
  uint8_t tiled;      /* bit d set: dimension d is tiled and its extent is passed */
  uint8_t prefix;     /* a numapool__compat_prefix_t */
  bool dynamic;       /* a _dynamic variant: each call covers a run of tiles */
} numapool__compat_shape_t;

/* Any task pointer, converted back to its real type before each call. */
typedef void (*numapool__compat_function_t)(void);

/* Runs the loop described by shape: range and tile hold dims entries, with
 * a tile of 1 in the untiled dimensions. uarch_index is passed to tasks
 * with a uarch prefix. Errors are logged, since pthreadpool functions
 * return nothing. */
NUMAPOOL_INTERNAL void numapool__compat_run(void *threadpool,
                                            const numapool__compat_shape_t *shape,
                                            numapool__compat_function_t function, void *context,
                                            const size_t range[], const size_t tile[],
                                            uint32_t uarch_index, uint32_t flags);

#endif /* NUMAPOOL_COMPAT_ADAPTER_H */
