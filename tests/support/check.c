#include "check.h"

#include <stdio.h>

void check_fail(const char *file, int line, const char *expression, const char *detail) {
  fprintf(stderr, "%s:%d: check failed: %s%s%s\n", file, line, expression,
          detail != NULL ? ": " : "", detail != NULL ? detail : "");
  exit(1);
}

void check_fail_values(const char *file, int line, const char *expression, long long actual,
                       long long expected) {
  fprintf(stderr, "%s:%d: check failed: %s (actual %lld, expected %lld)\n", file, line,
          expression, actual, expected);
  exit(1);
}

void check_fail_unsigned(const char *file, int line, const char *expression,
                         unsigned long long actual, unsigned long long expected) {
  fprintf(stderr, "%s:%d: check failed: %s (actual %llu, expected %llu)\n", file, line,
          expression, actual, expected);
  exit(1);
}

int check_done(const char *test_name, unsigned passed) {
  printf("%s: %u checks passed\n", test_name, passed);
  return 0;
}
