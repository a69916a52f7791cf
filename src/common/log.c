#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>

static const char *const level_names[] = {"none", "error", "warn", "info", "debug"};

static numapool__log_level_t current_level = NUMAPOOL__LOG_WARN;
static pthread_once_t level_once = PTHREAD_ONCE_INIT;

static void read_level(void) {
  const char *value = getenv("NUMAPOOL_LOG");
  if (value == NULL || value[0] == '\0')
    return;

  for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
    if (strcasecmp(value, level_names[i]) == 0) {
      current_level = (numapool__log_level_t)i;
      return;
    }
  }
  fprintf(stderr,
          "numapool: warn: invalid NUMAPOOL_LOG value '%.64s': expected none, error, "
          "warn, info or debug; using warn\n",
          value);
}

bool numapool__log_enabled(numapool__log_level_t level) {
  (void)pthread_once(&level_once, read_level);
  return level != NUMAPOOL__LOG_NONE && level <= current_level;
}

void numapool__log(numapool__log_level_t level, const char *format, ...) {
  if (!numapool__log_enabled(level))
    return;

  /* One fprintf per line keeps lines from several threads whole. */
  char message[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof(message), format, args);
  va_end(args);
  fprintf(stderr, "numapool: %s: %s\n", level_names[level], message);
}
