#include "common/env.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "common/log.h"

bool numapool__parse_long(const char *text, long min, long max, long *value) {
  if (text == NULL)
    return false;
  while (isspace((unsigned char)*text))
    text++;
  if (*text == '\0')
    return false;

  errno = 0;
  char *end = NULL;
  long parsed = strtol(text, &end, 10);
  if (errno != 0 || end == text)
    return false;
  while (isspace((unsigned char)*end))
    end++;
  if (*end != '\0' || parsed < min || parsed > max)
    return false;

  *value = parsed;
  return true;
}

bool numapool__env_long(const char *name, long min, long max, long *value) {
  const char *text = getenv(name);
  if (text == NULL || text[0] == '\0')
    return false;
  if (numapool__parse_long(text, min, max, value))
    return true;

  NUMAPOOL_LOG_WARN("invalid %s value '%.64s': expected an integer from %ld to %ld; ignored",
                    name, text, min, max);
  return false;
}
