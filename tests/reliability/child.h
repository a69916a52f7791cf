/* Helpers for the reliability tests: running a function in a forked child
 * with its stderr captured, and reading that output back. */
#ifndef NUMAPOOL_TESTS_RELIABILITY_CHILD_H
#define NUMAPOOL_TESTS_RELIABILITY_CHILD_H

#include <stddef.h>

/* Result of a child run. output holds what the child wrote to stderr,
 * NUL-terminated and cut at CHILD_OUTPUT_MAX - 1 bytes. */
#define CHILD_OUTPUT_MAX 65536
typedef struct child_result {
  int exited;      /* the child called exit or returned */
  int exit_status; /* its exit status when exited */
  int signal;      /* the signal that ended it, or 0 */
  char output[CHILD_OUTPUT_MAX];
} child_result_t;

/* Runs body(argument) in a forked child whose stderr goes to a pipe read
 * by the parent. The child exits with body's return value and is killed
 * with SIGALRM after timeout_s seconds, so a hang fails the test instead of
 * stalling it. */
void child_run(int (*body)(void *argument), void *argument, unsigned timeout_s,
               child_result_t *result);

/* Counts the lines of text that contain needle. */
size_t child_count_lines(const char *text, const char *needle);

/* Requires the child to have exited with status 0; otherwise prints what it
 * wrote and fails the test with the name of the case. */
void child_require_success(const child_result_t *result, const char *case_name);

#endif /* NUMAPOOL_TESTS_RELIABILITY_CHILD_H */
