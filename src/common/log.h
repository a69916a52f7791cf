/* The library's one diagnostic logger. Messages go to stderr, never stdout,
 * filtered by the level in the NUMAPOOL_LOG environment variable: none,
 * error, warn (the default), info or debug. */
#ifndef NUMAPOOL_COMMON_LOG_H
#define NUMAPOOL_COMMON_LOG_H

#include <stdatomic.h>
#include <stdbool.h>

#include <numapool/export.h>

typedef enum numapool__log_level {
  NUMAPOOL__LOG_NONE = 0,
  NUMAPOOL__LOG_ERROR = 1,
  NUMAPOOL__LOG_WARN = 2,
  NUMAPOOL__LOG_INFO = 3,
  NUMAPOOL__LOG_DEBUG = 4
} numapool__log_level_t;

/* Writes one line "numapool: <level>: <message>" to stderr when level is
 * enabled. */
NUMAPOOL_INTERNAL void numapool__log(numapool__log_level_t level, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Returns whether messages of the level are written. */
NUMAPOOL_INTERNAL bool numapool__log_enabled(numapool__log_level_t level);

/* Returns true the first time it is called with a given flag, so that a
 * fallback is reported once per process. */
static inline bool numapool__first_time(atomic_flag *flag) {
  return !atomic_flag_test_and_set_explicit(flag, memory_order_relaxed);
}

#define NUMAPOOL_LOG_ERROR(...) numapool__log(NUMAPOOL__LOG_ERROR, __VA_ARGS__)
#define NUMAPOOL_LOG_WARN(...) numapool__log(NUMAPOOL__LOG_WARN, __VA_ARGS__)
#define NUMAPOOL_LOG_INFO(...) numapool__log(NUMAPOOL__LOG_INFO, __VA_ARGS__)
#define NUMAPOOL_LOG_DEBUG(...) numapool__log(NUMAPOOL__LOG_DEBUG, __VA_ARGS__)

/* Logs a warning once per call site. */
#define NUMAPOOL_WARN_ONCE(...)                                                \
  do {                                                                         \
    static atomic_flag numapool_warned_ = ATOMIC_FLAG_INIT;                    \
    if (numapool__first_time(&numapool_warned_))                               \
      NUMAPOOL_LOG_WARN(__VA_ARGS__);                                          \
  } while (0)

#endif /* NUMAPOOL_COMMON_LOG_H */
