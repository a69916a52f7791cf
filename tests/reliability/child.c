#include "child.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

void child_run(int (*body)(void *argument), void *argument, unsigned timeout_s,
               child_result_t *result) {
  memset(result, 0, sizeof(*result));
  fflush(stdout);
  fflush(stderr);
  int pipe_fds[2];
  CHECK(pipe(pipe_fds) == 0);

  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(pipe_fds[0]);
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[1]);
    alarm(timeout_s);
    int status = body(argument);
    fflush(stderr);
    exit(status);
  }

  /* Read until the child closes its end, then reap it. */
  close(pipe_fds[1]);
  size_t used = 0;
  for (;;) {
    char chunk[4096];
    ssize_t got = read(pipe_fds[0], chunk, sizeof(chunk));
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    size_t keep = (size_t)got;
    if (keep > CHILD_OUTPUT_MAX - 1 - used)
      keep = CHILD_OUTPUT_MAX - 1 - used;
    memcpy(result->output + used, chunk, keep);
    used += keep;
  }
  result->output[used] = '\0';
  close(pipe_fds[0]);

  int wait_status;
  while (waitpid(pid, &wait_status, 0) < 0)
    CHECK(errno == EINTR);
  result->exited = WIFEXITED(wait_status);
  result->exit_status = result->exited ? WEXITSTATUS(wait_status) : -1;
  result->signal = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
}

size_t child_count_lines(const char *text, const char *needle) {
  size_t count = 0;
  const char *line = text;
  while (*line != '\0') {
    const char *end = strchr(line, '\n');
    size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
    const char *hit = strstr(line, needle);
    if (hit != NULL && hit < line + length)
      count++;
    line += length;
    if (*line == '\n')
      line++;
  }
  return count;
}

void child_require_success(const child_result_t *result, const char *case_name) {
  if (result->exited && result->exit_status == 0)
    return;
  fprintf(stderr, "case '%s': child %s %d; its stderr:\n%s\n", case_name,
          result->exited ? "exited with status" : "was killed by signal",
          result->exited ? result->exit_status : result->signal, result->output);
  CHECK_MSG(0, case_name);
}
