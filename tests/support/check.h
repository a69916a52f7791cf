/* Assertions for the tests: they print both values, the expression and the
 * location, never compile out under NDEBUG, and end the test with exit
 * status 1. */
#ifndef NUMAPOOL_TESTS_CHECK_H
#define NUMAPOOL_TESTS_CHECK_H

#include <stdint.h>
#include <stdlib.h>

void check_fail(const char *file, int line, const char *expression, const char *detail);
void check_fail_values(const char *file, int line, const char *expression, long long actual,
                       long long expected);
void check_fail_unsigned(const char *file, int line, const char *expression,
                         unsigned long long actual, unsigned long long expected);

#define CHECK(condition)                                                       \
  do {                                                                         \
    if (!(condition))                                                          \
      check_fail(__FILE__, __LINE__, #condition, NULL);                        \
  } while (0)

#define CHECK_MSG(condition, detail)                                           \
  do {                                                                         \
    if (!(condition))                                                          \
      check_fail(__FILE__, __LINE__, #condition, detail);                      \
  } while (0)

/* Signed integer equality, printing both values. */
#define CHECK_EQ(actual, expected)                                             \
  do {                                                                         \
    long long check_actual_ = (long long)(actual);                             \
    long long check_expected_ = (long long)(expected);                         \
    if (check_actual_ != check_expected_)                                      \
      check_fail_values(__FILE__, __LINE__, #actual " == " #expected,          \
                        check_actual_, check_expected_);                       \
  } while (0)

/* Unsigned integer equality (size_t, uint64_t), printing both values. */
#define CHECK_UEQ(actual, expected)                                            \
  do {                                                                         \
    unsigned long long check_actual_ = (unsigned long long)(actual);           \
    unsigned long long check_expected_ = (unsigned long long)(expected);       \
    if (check_actual_ != check_expected_)                                      \
      check_fail_unsigned(__FILE__, __LINE__, #actual " == " #expected,        \
                          check_actual_, check_expected_);                     \
  } while (0)

/* Prints the plain closing line and returns the exit status for main. */
int check_done(const char *test_name, unsigned passed);

#endif /* NUMAPOOL_TESTS_CHECK_H */
