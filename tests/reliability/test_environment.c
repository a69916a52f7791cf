/* The environment the library runs in: the default thread count under a
 * one-CPU affinity mask and NUMAPOOL_NUM_THREADS; garbage, overlong and
 * out-of-range values in every NUMAPOOL_* variable; hwloc failing to load;
 * and a seccomp filter rejecting CPU binding, memory policy and
 * perf_event_open calls with EPERM, as container security filters do.
 *
 * Each case runs in a forked child with its stderr captured: the
 * variables are read once per process, and the log level too. The parent
 * itself never calls the library. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <numapool/counters.h>
#include <numapool/memory.h>
#include <numapool/numapool.h>

#include "check.h"
#include "child.h"

/* The CPUs of this process's affinity mask. */
static size_t allowed_cpu_count(void) {
  cpu_set_t set;
  CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
  return (size_t)CPU_COUNT(&set);
}

static int first_allowed_cpu(void) {
  cpu_set_t set;
  CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
    if (CPU_ISSET(cpu, &set))
      return cpu;
  CHECK_MSG(0, "empty affinity mask");
  return -1;
}

typedef struct tally {
  atomic_uint hits[300];
} tally_t;

static void tally_task(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)thread_index;
  tally_t *tally = context;
  for (size_t i = start; i < start + extent; i++)
    atomic_fetch_add(&tally->hits[i], 1);
}

/* Creates a pool with the options, runs one call and checks every item
 * ran once. */
static void use_pool(const numapool_options_t *options) {
  numapool_t *pool = numapool_create(options);
  CHECK(pool != NULL);
  static tally_t tally;
  memset(&tally, 0, sizeof(tally));
  CHECK_EQ(numapool_parallel_for_1d(pool, 300, 7, tally_task, &tally, 0), 0);
  for (size_t i = 0; i < 300; i++)
    CHECK_UEQ(atomic_load(&tally.hits[i]), 1);
  numapool_destroy(pool);
}

/* One environment case: variable = value in the child, the expected
 * default thread count (0: the affinity mask's count) and whether a log
 * line must name the variable. */
typedef struct env_case {
  const char *name;
  const char *value;
  size_t expected_threads;
  bool reported;
} env_case_t;

static int child_env_case(void *argument) {
  const env_case_t *env = argument;
  CHECK(setenv(env->name, env->value, 1) == 0);
  size_t expected = env->expected_threads != 0 ? env->expected_threads : allowed_cpu_count();
  CHECK_UEQ(numapool_default_thread_count(), expected);
  numapool_t *pool = numapool_create(NULL);
  CHECK(pool != NULL);
  CHECK_UEQ(numapool_get_thread_count(pool), expected);
  numapool_destroy(pool);
  numapool_options_t small = {.thread_count = 2};
  use_pool(&small);
  return 0;
}

static char *repeat_char(char c, size_t count) {
  char *text = malloc(count + 1);
  CHECK(text != NULL);
  memset(text, c, count);
  text[count] = '\0';
  return text;
}

static void run_env_case(const env_case_t *env, child_result_t *result) {
  child_run(child_env_case, (void *)env, 60, result);
  char label[160];
  snprintf(label, sizeof(label), "%s='%.40s'", env->name, env->value);
  child_require_success(result, label);
  /* NOTE: an invalid NUMAPOOL_NUM_THREADS is logged on every query of
   * the default thread count, several times per numapool_create(), so
   * only "reported or not" is checked. */
  size_t messages = child_count_lines(result->output, env->name);
  if ((messages > 0) != env->reported) {
    fprintf(stderr, "case %s: %zu log lines name the variable, expected %s; stderr:\n%s\n",
            label, messages, env->reported ? "some" : "none", result->output);
    CHECK_MSG(0, label);
  }
}

/* NUMAPOOL_NUM_THREADS: a positive integer overrides the default; any
 * other non-empty value is reported and ignored. */
static unsigned check_num_threads(child_result_t *result) {
  char *overlong = repeat_char('7', 100000);
  char *overlong_spaces = repeat_char(' ', 5000);
  const env_case_t cases[] = {
      {"NUMAPOOL_NUM_THREADS", "3", 3, false},
      {"NUMAPOOL_NUM_THREADS", " 1 ", 1, false},
      {"NUMAPOOL_NUM_THREADS", "", 0, false},
      {"NUMAPOOL_NUM_THREADS", "abc", 0, true},
      {"NUMAPOOL_NUM_THREADS", "0", 0, true},
      {"NUMAPOOL_NUM_THREADS", "-1", 0, true},
      {"NUMAPOOL_NUM_THREADS", "3x", 0, true},
      {"NUMAPOOL_NUM_THREADS", "0x10", 0, true},
      {"NUMAPOOL_NUM_THREADS", "1e3", 0, true},
      {"NUMAPOOL_NUM_THREADS", "2 2", 0, true},
      {"NUMAPOOL_NUM_THREADS", "+", 0, true},
      {"NUMAPOOL_NUM_THREADS", "99999999999999999999999", 0, true},
      {"NUMAPOOL_NUM_THREADS", "-9223372036854775809", 0, true},
      {"NUMAPOOL_NUM_THREADS", "2000000", 0, true},
      {"NUMAPOOL_NUM_THREADS", overlong, 0, true},
      {"NUMAPOOL_NUM_THREADS", overlong_spaces, 0, true},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    run_env_case(&cases[i], result);
  free(overlong);
  free(overlong_spaces);
  return (unsigned)(sizeof(cases) / sizeof(cases[0]));
}

/* The other variables: an invalid value is reported and the pool works
 * with the default. */
static unsigned check_other_variables(child_result_t *result) {
  char *overlong = repeat_char('9', 100000);
  char *overlong_word = repeat_char('x', 100000);
  const env_case_t cases[] = {
      {"NUMAPOOL_SPIN_US", "abc", 0, true},
      {"NUMAPOOL_SPIN_US", "-5", 0, true},
      {"NUMAPOOL_SPIN_US", "99999999999", 0, true},
      {"NUMAPOOL_SPIN_US", overlong, 0, true},
      {"NUMAPOOL_SPIN_US", "100", 0, false},
      {"NUMAPOOL_BIND", "banana", 0, true},
      {"NUMAPOOL_BIND", "Core", 0, true},
      {"NUMAPOOL_BIND", overlong_word, 0, true},
      {"NUMAPOOL_BIND", "none", 0, false},
      {"NUMAPOOL_BIND", "core", 0, false},
      {"NUMAPOOL_LOG", "loud", 0, true},
      {"NUMAPOOL_LOG", overlong_word, 0, true},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    run_env_case(&cases[i], result);
  free(overlong);
  free(overlong_word);
  return (unsigned)(sizeof(cases) / sizeof(cases[0]));
}

/* NUMAPOOL_LOG=none silences every message, the invalid-value ones
 * included. */
static int child_silent(void *argument) {
  (void)argument;
  CHECK(setenv("NUMAPOOL_LOG", "none", 1) == 0);
  CHECK(setenv("NUMAPOOL_NUM_THREADS", "garbage", 1) == 0);
  CHECK(setenv("NUMAPOOL_BIND", "garbage", 1) == 0);
  CHECK_UEQ(numapool_default_thread_count(), allowed_cpu_count());
  numapool_options_t options = {.thread_count = 2};
  use_pool(&options);
  return 0;
}

static unsigned check_silent_log(child_result_t *result) {
  child_run(child_silent, NULL, 60, result);
  child_require_success(result, "NUMAPOOL_LOG=none");
  CHECK_UEQ(strlen(result->output), 0);
  return 1;
}

/* NUMAPOOL_TOPOLOGY with an invalid source: pools that take the
 * variable fail with EINVAL and a message naming the value; an explicit
 * options.topology wins over it. */
static int child_bad_topology(void *argument) {
  CHECK(setenv("NUMAPOOL_TOPOLOGY", (const char *)argument, 1) == 0);
  errno = 0;
  CHECK(numapool_create(NULL) == NULL);
  CHECK_EQ(errno, EINVAL);
  numapool_options_t explicit_source = {.thread_count = 2,
                                        .topology = "synthetic:pack:1 core:2 pu:1"};
  use_pool(&explicit_source);
  return 0;
}

static unsigned check_bad_topology_variable(child_result_t *result) {
  char *overlong = repeat_char('q', 100000);
  char *overlong_synthetic = malloc(100000 + 20);
  CHECK(overlong_synthetic != NULL);
  strcpy(overlong_synthetic, "synthetic:");
  memset(overlong_synthetic + 10, '1', 100000);
  overlong_synthetic[100010] = '\0';
  const char *values[] = {
      "banana", "synthetic:", "synthetic:garbage", "synthetic:pack:0", "synthetic:pack:-1",
      "xml:/nonexistent/topology.xml", "xml:", "xml:/dev/null", "synthetic:pack:2 pu:1 core:2",
      overlong, overlong_synthetic,
  };
  unsigned passed = 0;
  for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    child_run(child_bad_topology, (void *)values[i], 60, result);
    char label[120];
    snprintf(label, sizeof(label), "NUMAPOOL_TOPOLOGY='%.40s'", values[i]);
    child_require_success(result, label);
    if (child_count_lines(result->output, "numapool: error:") < 1) {
      fprintf(stderr, "case %s: no error logged\n", label);
      CHECK_MSG(0, label);
    }
    passed++;
  }
  free(overlong);
  free(overlong_synthetic);
  return passed;
}

/* Default thread count under a one-CPU affinity mask, as under
 * `taskset -c 0`, and NUMAPOOL_NUM_THREADS overriding it. */
static int child_one_cpu(void *argument) {
  const char *override = argument;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(first_allowed_cpu(), &set);
  CHECK(sched_setaffinity(0, sizeof(set), &set) == 0);
  if (override != NULL)
    CHECK(setenv("NUMAPOOL_NUM_THREADS", override, 1) == 0);
  size_t expected = override != NULL ? (size_t)atoi(override) : 1;
  CHECK_UEQ(numapool_default_thread_count(), expected);
  numapool_t *pool = numapool_create(NULL);
  CHECK(pool != NULL);
  CHECK_UEQ(numapool_get_thread_count(pool), expected);
  numapool_destroy(pool);
  return 0;
}

static unsigned check_one_cpu_mask(child_result_t *result) {
  child_run(child_one_cpu, NULL, 60, result);
  child_require_success(result, "one-CPU affinity mask");
  child_run(child_one_cpu, "3", 60, result);
  child_require_success(result, "one-CPU affinity mask, NUMAPOOL_NUM_THREADS=3");
  return 2;
}

/* hwloc failing to load: HWLOC_COMPONENTS=stop leaves hwloc without a
 * discovery component, so hwloc_topology_load() fails (hwloc 2.9). The
 * pool falls back to one flat domain of the allowed CPUs and logs a
 * warning once, however many pools are created. */
static int child_hwloc_fails(void *argument) {
  (void)argument;
  CHECK(setenv("HWLOC_COMPONENTS", "stop", 1) == 0);
  for (int i = 0; i < 3; i++) {
    numapool_options_t options = {.thread_count = 2, .bind = NUMAPOOL_BIND_CORE};
    numapool_t *pool = numapool_create(&options);
    CHECK(pool != NULL);
    numapool_thread_place_t place;
    CHECK_EQ(numapool_thread_place(pool, 1, &place), 0);
    CHECK_UEQ(place.domain_count, 1);
    numapool_destroy(pool);
    use_pool(&options);
  }
  return 0;
}

static unsigned check_hwloc_failure(child_result_t *result) {
  child_run(child_hwloc_fails, NULL, 60, result);
  child_require_success(result, "HWLOC_COMPONENTS=stop");
  size_t warnings = child_count_lines(result->output, "hwloc");
  if (warnings != 1) {
    fprintf(stderr, "hwloc failure: %zu log lines name hwloc, expected 1:\n%s\n", warnings,
            result->output);
    CHECK_UEQ(warnings, 1);
  }
  return 1;
}

/* A seccomp filter that rejects, with EPERM, the system calls container
 * security profiles commonly reject: CPU binding, memory policy, page
 * migration and performance counters. */
static void install_rejecting_filter(void) {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sched_setaffinity, 7, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mbind, 6, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_set_mempolicy, 5, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_get_mempolicy, 4, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_move_pages, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_migrate_pages, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_perf_event_open, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
  };
  struct sock_fprog program = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
  CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
  CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0);
}

static int child_rejected_calls(void *argument) {
  (void)argument;
  install_rejecting_filter();
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(first_allowed_cpu(), &set);
  CHECK_MSG(sched_setaffinity(0, sizeof(set), &set) != 0, "the seccomp filter is not active");

  /* Binding is rejected: workers run unbound. */
  const numapool_bind_t binds[] = {NUMAPOOL_BIND_CORE, NUMAPOOL_BIND_NODE, NUMAPOOL_BIND_NONE};
  for (size_t i = 0; i < 3; i++) {
    numapool_options_t options = {.thread_count = 2, .bind = binds[i]};
    use_pool(&options);
    use_pool(&options);
  }

  /* Memory policies are rejected: the allocations fall back to plain
   * memory that works; queries and moves report an error. */
  const size_t size = 1 << 20;
  char *local = numapool_memory_alloc_local(size, 0);
  CHECK(local != NULL);
  memset(local, 1, size);
  numapool_memory_free(local, size);
  char *interleaved = numapool_memory_alloc_interleaved(size, NULL, 0);
  CHECK(interleaved != NULL);
  memset(interleaved, 2, size);
  size_t node_pages[4] = {0};
  numapool_placement_t summary;
  int status = numapool_memory_placement(interleaved, size, node_pages, 4, &summary);
  CHECK(status == 0 || status == NUMAPOOL_EPERM || status == NUMAPOOL_ENOTSUP);
  status = numapool_memory_move(interleaved, size, 0);
  CHECK(status == 0 || status == NUMAPOOL_EPERM || status == NUMAPOOL_ENOTSUP);
  numapool_memory_free(interleaved, size);

  /* perf_event_open is rejected: counters are created with each event
   * marked unavailable, start reports ENOTSUP, and the pool works. */
  numapool_options_t options = {.thread_count = 2};
  numapool_t *pool = numapool_create(&options);
  CHECK(pool != NULL);
  const char *events[] = {"PAPI_TOT_INS", "perf::TASK-CLOCK"};
  numapool_counters_t *counters = numapool_counters_create(pool, events, 2);
  CHECK(counters != NULL);
  for (size_t e = 0; e < 2; e++)
    CHECK(numapool_counters_event_reason(counters, e) != NULL);
  CHECK_EQ(numapool_counters_start(counters), NUMAPOOL_ENOTSUP);
  static tally_t tally;
  CHECK_EQ(numapool_parallel_for_1d(pool, 300, 7, tally_task, &tally, 0), 0);
  int stopped = numapool_counters_stop(counters);
  CHECK(stopped == 0 || stopped == NUMAPOOL_EINVAL);
  numapool_counter_value_t value;
  CHECK(numapool_counters_total(counters, 0, &value) != 0 || value.status != 0);
  numapool_counters_destroy(counters);
  numapool_destroy(pool);
  return 0;
}

/* Every log line the child wrote appears once: a fallback is reported
 * once per process, not once per pool or call. */
static void check_lines_unique(const char *output) {
  const char *line = output;
  while (*line != '\0') {
    const char *end = strchr(line, '\n');
    size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
    char needle[512];
    size_t copy = length < sizeof(needle) - 1 ? length : sizeof(needle) - 1;
    memcpy(needle, line, copy);
    needle[copy] = '\0';
    if (copy > 0 && child_count_lines(output, needle) != 1) {
      fprintf(stderr, "log line repeated:\n%s\nwhole stderr:\n%s\n", needle, output);
      CHECK_MSG(0, "a log line is repeated");
    }
    line += length;
    if (*line == '\n')
      line++;
  }
}

static unsigned check_rejected_calls(child_result_t *result) {
  child_run(child_rejected_calls, NULL, 60, result);
  child_require_success(result, "system calls rejected by seccomp");
  check_lines_unique(result->output);
  return 2;
}

int main(void) {
  child_result_t *result = malloc(sizeof(*result));
  CHECK(result != NULL);
  unsigned passed = 0;
  passed += check_num_threads(result);
  passed += check_other_variables(result);
  passed += check_silent_log(result);
  passed += check_bad_topology_variable(result);
  passed += check_one_cpu_mask(result);
  passed += check_hwloc_failure(result);
  passed += check_rejected_calls(result);
  free(result);
  return check_done("reliability_environment", passed);
}
