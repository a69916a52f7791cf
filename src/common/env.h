/* Parsing of environment variables and option strings. Invalid values are
 * reported with the variable's name and ignored. */
#ifndef NUMAPOOL_COMMON_ENV_H
#define NUMAPOOL_COMMON_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include <numapool/export.h>

/* Parses a decimal integer in [min, max], the whole string and nothing
 * else (surrounding spaces allowed). Returns false for anything else. */
NUMAPOOL_INTERNAL bool numapool__parse_long(const char *text, long min, long max, long *value);

/* Reads environment variable name as an integer in [min, max]. Returns
 * false, with a logged warning naming the variable and value, when it is
 * set but invalid; false without a message when it is unset or empty. */
NUMAPOOL_INTERNAL bool numapool__env_long(const char *name, long min, long max, long *value);

#endif /* NUMAPOOL_COMMON_ENV_H */
