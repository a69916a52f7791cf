/* Fuzzes numapool__parse_long, the parser of every integer environment
 * variable, against an independent reference.
 *
 * Input: 8 bytes of min, 8 bytes of max (native byte order), then the
 * text. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The documented grammar: optional spaces, an optional sign, decimal
 * digits, optional spaces, and a value in [min, max]. */
static bool reference_parse(const char *text, long min, long max, long *value) {
  const char *p = text;
  while (isspace((unsigned char)*p))
    p++;
  bool negative = false;
  if (*p == '+' || *p == '-') {
    negative = *p == '-';
    p++;
  }
  if (!isdigit((unsigned char)*p))
    return false;

  /* Accumulate as a negative number, which reaches LONG_MIN. */
  long parsed = 0;
  for (; isdigit((unsigned char)*p); p++) {
    if (__builtin_mul_overflow(parsed, 10, &parsed) ||
        __builtin_sub_overflow(parsed, *p - '0', &parsed))
      return false;
  }
  if (!negative && __builtin_mul_overflow(parsed, -1, &parsed))
    return false;
  while (isspace((unsigned char)*p))
    p++;
  if (*p != '\0' || parsed < min || parsed > max)
    return false;
  *value = parsed;
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2 * sizeof(long))
    return 0;
  long min;
  long max;
  memcpy(&min, data, sizeof(long));
  memcpy(&max, data + sizeof(long), sizeof(long));
  data += 2 * sizeof(long);
  size -= 2 * sizeof(long);

  /* An exact-size copy, so reading past the terminator is caught. */
  char *text = malloc(size + 1);
  if (text == NULL)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';

  long value = 0x5a5a5a5a;
  long expected_value = 0x5a5a5a5a;
  bool accepted = numapool__parse_long(text, min, max, &value);
  bool expected = reference_parse(text, min, max, &expected_value);
  if (accepted != expected || (accepted && value != expected_value))
    abort();
  /* A rejected text leaves the output alone. */
  if (!accepted && value != 0x5a5a5a5a)
    abort();
  free(text);
  return 0;
}
