/* Command-line options shared by every subcommand, and their help. */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "perf.h"

/* More threads than any machine numapool targets: a typo guard. */
#define MAX_THREADS 4096

/* The library's limit for numapool_options_t.spin_us (src/pool/pool.c). */
#define MAX_SPIN_US 10000000L

#define DEFAULT_EVENTS "perf::TASK-CLOCK,perf::PAGE-FAULTS,PAPI_TOT_CYC,PAPI_TOT_INS"

void perf_usage_error(const char *subcommand, const char *format, ...) {
  va_list args;
  fprintf(stderr, "numapool-perf %s: ", subcommand);
  va_start(args, format);
  vfprintf(stderr, format, args);
  va_end(args);
  fprintf(stderr, "\nRun 'numapool-perf %s --help' for the options.\n", subcommand);
}

int perf_parse_size_list(const char *text, size_t *values, size_t max) {
  size_t count = 0;
  const char *cursor = text;
  while (*cursor != '\0') {
    char *end;
    errno = 0;
    unsigned long long value = strtoull(cursor, &end, 10);
    if (end == cursor || errno != 0 || value == 0 || *cursor == '-' || count == max ||
        (*end != ',' && *end != '\0'))
      return -1;
    values[count++] = (size_t)value;
    cursor = *end == ',' ? end + 1 : end;
    if (*end == ',' && *cursor == '\0')
      return -1;
  }
  return count == 0 ? -1 : (int)count;
}

/* Splits a comma-separated list of names into out (pointing into a copy
 * kept in storage). Returns the count, or -1 for an empty list, more than
 * max names, or more list options than storage holds. */
static int split_names(perf_options_t *options, const char *text, const char **out,
                       size_t max) {
  size_t slot = 0;
  size_t slots = sizeof options->storage / sizeof options->storage[0];
  while (slot < slots && options->storage[slot] != NULL)
    slot++;
  char *copy = slot < slots ? strdup(text) : NULL;
  if (copy == NULL)
    return -1;
  options->storage[slot] = copy;
  size_t count = 0;
  for (char *save = NULL, *name = strtok_r(copy, ",", &save); name != NULL;
       name = strtok_r(NULL, ",", &save)) {
    if (count == max)
      return -1;
    out[count++] = name;
  }
  return count == 0 ? -1 : (int)count;
}

int perf_parse_names(perf_options_t *options, const char *option, const char *value,
                     const char *const known[], size_t known_count) {
  const char *names[PERF_MAX_LIST];
  int count = split_names(options, value, names, PERF_MAX_LIST);
  for (int i = 0; i < count; i++) {
    bool found = false;
    for (size_t k = 0; k < known_count; k++)
      found = found || strcmp(names[i], known[k]) == 0;
    if (!found) {
      char list[512] = "";
      for (size_t k = 0; k < known_count; k++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", known[k]);
      }
      perf_usage_error(options->subcommand, "unknown entry '%s' in %s: expected %s", names[i],
                       option, list);
      return -1;
    }
  }
  if (count < 0) {
    perf_usage_error(options->subcommand,
                     "invalid value '%s' for %s: expected 1 to %d names separated by commas",
                     value, option, PERF_MAX_LIST);
    return -1;
  }
  memcpy(options->names, names, (size_t)count * sizeof names[0]);
  options->name_count = (size_t)count;
  return 0;
}

static int parse_threads(perf_options_t *options, const char *value) {
  int count = perf_parse_size_list(value, options->threads, PERF_MAX_LIST);
  for (int i = 0; i < count; i++)
    if (options->threads[i] > MAX_THREADS)
      count = -1;
  if (count < 0) {
    perf_usage_error(options->subcommand,
                     "invalid value '%s' for --threads: expected up to %d integers from 1 "
                     "to %d separated by commas, such as 1,2",
                     value, PERF_MAX_LIST, MAX_THREADS);
    return -1;
  }
  options->thread_list_count = (size_t)count;
  return 0;
}

static int parse_bind(perf_options_t *options, const char *value) {
  static const char *const names[] = {"default", "none", "node", "core"};
  static const numapool_bind_t binds[] = {NUMAPOOL_BIND_DEFAULT, NUMAPOOL_BIND_NONE,
                                          NUMAPOOL_BIND_NODE, NUMAPOOL_BIND_CORE};
  for (size_t i = 0; i < 4; i++)
    if (strcmp(value, names[i]) == 0) {
      options->bind = binds[i];
      return 0;
    }
  perf_usage_error(options->subcommand,
                   "invalid value '%s' for --bind: expected default, none, node or core",
                   value);
  return -1;
}

/* Parses a non-negative int below 1e6 for --repetitions, --warmup. */
static int parse_count(perf_options_t *options, const char *option, const char *value,
                       int minimum, int *out) {
  char *end;
  errno = 0;
  long number = strtol(value, &end, 10);
  if (end == value || *end != '\0' || errno != 0 || number < minimum || number > 1000000) {
    perf_usage_error(options->subcommand,
                     "invalid value '%s' for %s: expected an integer from %d to 1000000",
                     value, option, minimum);
    return -1;
  }
  *out = (int)number;
  return 0;
}

static int parse_repetitions(perf_options_t *options, const char *value) {
  return parse_count(options, "--repetitions", value, 1, &options->repetitions);
}

static int parse_warmup(perf_options_t *options, const char *value) {
  return parse_count(options, "--warmup", value, 0, &options->warmup);
}

/* --spin-us: none or -1 (idle workers sleep at once), 0 (the pool's
 * default) or microseconds up to the library's limit. */
static int parse_spin(perf_options_t *options, const char *value) {
  if (strcmp(value, "none") == 0) {
    options->spin_us = NUMAPOOL_SPIN_NONE;
    return 0;
  }
  char *end;
  errno = 0;
  long number = strtol(value, &end, 10);
  if (end == value || *end != '\0' || errno != 0 || number < NUMAPOOL_SPIN_NONE ||
      number > MAX_SPIN_US) {
    perf_usage_error(options->subcommand,
                     "invalid value '%s' for --spin-us: expected none (or -1) for no "
                     "spinning, 0 for the pool's default, or microseconds up to %ld",
                     value, MAX_SPIN_US);
    return -1;
  }
  options->spin_us = number;
  return 0;
}

static int parse_topology(perf_options_t *options, const char *value) {
  if (strcmp(value, "hwloc") == 0) {
    options->topology = NULL;
    return 0;
  }
  if (strncmp(value, "synthetic:", 10) != 0 && strncmp(value, "xml:", 4) != 0) {
    perf_usage_error(options->subcommand,
                     "invalid value '%s' for --topology: expected hwloc, "
                     "synthetic:<hwloc description> or xml:<path>",
                     value);
    return -1;
  }
  options->topology = value;
  return 0;
}

static int parse_events(perf_options_t *options, const char *value) {
  if (strcmp(value, "none") == 0) {
    options->event_count = 0;
    return 0;
  }
  int count = split_names(options, value, options->events, PERF_MAX_LIST);
  if (count < 0) {
    perf_usage_error(options->subcommand,
                     "invalid value '%s' for --events: expected 1 to %d event names "
                     "separated by commas, or none",
                     value, PERF_MAX_LIST);
    return -1;
  }
  options->event_count = (size_t)count;
  return 0;
}

static int parse_baselines(perf_options_t *options, const char *value) {
  static const char *const known[] = {"none", "pthreadpool", "openmp", "tbb", "openblas",
                                      "blis", "onednn"};
  int count = split_names(options, value, options->baselines, PERF_MAX_PEERS);
  for (int i = 0; i < count; i++) {
    bool found = false;
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
      found = found || strcmp(options->baselines[i], known[k]) == 0;
    if (!found) {
      perf_usage_error(options->subcommand,
                       "unknown baseline '%s' in --baseline: expected pthreadpool, openmp, "
                       "tbb, openblas, blis, onednn or none",
                       options->baselines[i]);
      return -1;
    }
  }
  if (count < 0) {
    perf_usage_error(options->subcommand, "invalid value '%s' for --baseline", value);
    return -1;
  }
  options->baseline_count = (size_t)count;
  options->baselines_all = false;
  return 0;
}

int perf_check_writable(const char *path) {
  struct stat status;
  if (path[0] == '\0')
    return ENOENT;
  if (stat(path, &status) == 0) {
    if (S_ISDIR(status.st_mode))
      return EISDIR;
    return access(path, W_OK) == 0 ? 0 : errno;
  }
  if (errno != ENOENT)
    return errno;

  /* A new file: its folder must exist and take new entries. dirname()
   * may change its argument, so it gets a copy. */
  char *copy = strdup(path);
  if (copy == NULL)
    return ENOMEM;
  const char *folder = dirname(copy);
  int error = 0;
  if (stat(folder, &status) != 0)
    error = errno;
  else if (!S_ISDIR(status.st_mode))
    error = ENOTDIR;
  else if (access(folder, W_OK | X_OK) != 0)
    error = errno;
  free(copy);
  return error;
}

/* --report: checked now, so a path that cannot be written fails before
 * the run and not after it. */
static int parse_report(perf_options_t *options, const char *value) {
  int error = perf_check_writable(value);
  if (error != 0) {
    perf_usage_error(options->subcommand, "cannot write the report to '%s' (--report): %s",
                     value, strerror(error));
    return -1;
  }
  options->report_path = value;
  return 0;
}

static int parse_format(perf_options_t *options, const char *value) {
  static const char *const names[] = {"table", "json", "csv"};
  for (int i = 0; i < 3; i++)
    if (strcmp(value, names[i]) == 0) {
      options->format = (perf_format_t)i;
      options->format_given = true;
      return 0;
    }
  perf_usage_error(options->subcommand,
                   "invalid value '%s' for --format: expected table, json or csv", value);
  return -1;
}

static const perf_option_t common_options[] = {
    {"--threads", "LIST",
     "thread counts to run, comma-separated (a list runs a scaling sweep); "
     "default: numapool's default thread count",
     parse_threads},
    {"--topology", "SOURCE",
     "hwloc, synthetic:<hwloc description> or xml:<path>; default: the "
     "NUMAPOOL_TOPOLOGY environment variable, else hwloc",
     parse_topology},
    {"--bind", "POLICY", "worker binding: default, none, node or core; default: default",
     parse_bind},
    {"--spin-us", "US",
     "idle spin time of workers in microseconds, up to 10000000; none or -1: no "
     "spinning; 0: the pool's default; default: 0",
     parse_spin},
    {"--repetitions", "N", "timed repetitions per measurement; default: per subcommand",
     parse_repetitions},
    {"--warmup", "N", "untimed repetitions before them; default: per subcommand",
     parse_warmup},
    {"--events", "LIST",
     "PAPI events counted on numapool's threads, comma-separated, or none; "
     "default: " DEFAULT_EVENTS,
     parse_events},
    {"--baseline", "LIST",
     "peers to compare with (pthreadpool, openmp, tbb, openblas, blis, onednn) or none; "
     "default: every peer that applies",
     parse_baselines},
    {"--report", "FILE",
     "also write the report to FILE, as JSON unless --format csv is given or FILE "
     "ends in .csv; default: no file",
     parse_report},
    {"--format", "FORMAT", "stdout format: table, json or csv; default: table", parse_format},
};

#define COMMON_COUNT (sizeof common_options / sizeof common_options[0])

/* Prints an option and its help, wrapped at 79 columns under a 27-column
 * indent. */
static void print_option(const perf_option_t *option) {
  char left[48];
  if (option->value_name != NULL)
    snprintf(left, sizeof left, "%s %s", option->name, option->value_name);
  else
    snprintf(left, sizeof left, "%s", option->name);
  printf("  %-24s", left);
  size_t column = 26;
  const char *word = option->help;
  while (*word != '\0') {
    size_t length = strcspn(word, " ");
    if (column + 1 + length > 79 && column > 26) {
      printf("\n%26s", "");
      column = 26;
    }
    printf(" %.*s", (int)length, word);
    column += 1 + length;
    word += length;
    while (*word == ' ')
      word++;
  }
  printf("\n");
}

/* Returns whether the common option applies to the subcommand: common
 * lists the names that apply, NULL-terminated, or is NULL for all. */
static bool common_applies(const perf_option_t *option, const char *const *common) {
  if (common == NULL)
    return true;
  for (size_t i = 0; common[i] != NULL; i++)
    if (strcmp(common[i], option->name) == 0)
      return true;
  return false;
}

static void print_help(const char *subcommand, const char *summary,
                       const perf_option_t *extra, size_t extra_count,
                       const char *const *common) {
  printf("Usage: numapool-perf %s [OPTIONS]\n\n%s\n\n", subcommand, summary);
  if (extra_count > 0) {
    printf("Options of %s:\n", subcommand);
    for (size_t i = 0; i < extra_count; i++)
      print_option(&extra[i]);
    printf("\n");
  }
  printf(common == NULL ? "Common options:\n" : "Options:\n");
  for (size_t i = 0; i < COMMON_COUNT; i++)
    if (common_applies(&common_options[i], common))
      print_option(&common_options[i]);
  printf("  %-24s %s\n", "--help", "print this help and exit");
  if (common == NULL)
    printf("\nTimes are in seconds, throughput in GFLOP/s or GB/s (10^9 bytes/s).\n");
}

/* Finds name among the common and extra options. */
static const perf_option_t *find_option(const char *name, size_t length,
                                        const perf_option_t *extra, size_t extra_count) {
  for (size_t i = 0; i < COMMON_COUNT; i++)
    if (strlen(common_options[i].name) == length &&
        strncmp(common_options[i].name, name, length) == 0)
      return &common_options[i];
  for (size_t i = 0; i < extra_count; i++)
    if (strlen(extra[i].name) == length && strncmp(extra[i].name, name, length) == 0)
      return &extra[i];
  return NULL;
}

/* Prints the usage error for a common option that the subcommand does not
 * take, with the ones it takes. */
static void reject_common(const char *subcommand, const perf_option_t *option,
                          const char *const *common) {
  char list[256] = "";
  for (size_t i = 0; common[i] != NULL; i++) {
    size_t used = strlen(list);
    snprintf(list + used, sizeof list - used, "%s%s", i > 0 ? ", " : "", common[i]);
  }
  perf_usage_error(subcommand, "option %s does not apply to %s, which takes %s", option->name,
                   subcommand, list);
}

static void set_defaults(perf_options_t *options, const char *subcommand) {
  memset(options, 0, sizeof *options);
  options->subcommand = subcommand;
  options->threads[0] = numapool_default_thread_count();
  options->thread_list_count = 1;
  options->repetitions = -1;
  options->warmup = -1;
  options->baselines_all = true;
  options->format = PERF_FORMAT_TABLE;
  split_names(options, DEFAULT_EVENTS, options->events, PERF_MAX_LIST);
  options->event_count = 4;
}

int perf_options_parse(perf_options_t *options, const char *subcommand, const char *summary,
                       const perf_option_t *extra, size_t extra_count,
                       const char *const *common, int argc, char **argv) {
  set_defaults(options, subcommand);
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      print_help(subcommand, summary, extra, extra_count, common);
      return 1;
    }
    const char *equals = strchr(arg, '=');
    size_t length = equals != NULL ? (size_t)(equals - arg) : strlen(arg);
    const perf_option_t *option = find_option(arg, length, extra, extra_count);
    if (option == NULL) {
      perf_usage_error(subcommand, "unknown option '%s'", arg);
      return PERF_EXIT_USAGE;
    }
    bool is_common = option < common_options + COMMON_COUNT && option >= common_options;
    if (is_common && !common_applies(option, common)) {
      reject_common(subcommand, option, common);
      return PERF_EXIT_USAGE;
    }

    const char *value = equals != NULL ? equals + 1 : NULL;
    if (option->value_name == NULL) {
      /* A flag: it takes no value. */
      if (value != NULL) {
        perf_usage_error(subcommand, "option %s takes no value, but '%s' was given",
                         option->name, value);
        return PERF_EXIT_USAGE;
      }
    } else if (value == NULL) {
      if (i + 1 >= argc) {
        perf_usage_error(subcommand, "option %s needs a value (%s)", option->name,
                         option->value_name);
        return PERF_EXIT_USAGE;
      }
      value = argv[++i];
    }
    if (option->parse(options, value) != 0)
      return PERF_EXIT_USAGE;
  }
  return 0;
}

void perf_options_free(perf_options_t *options) {
  for (size_t s = 0; s < sizeof options->storage / sizeof options->storage[0]; s++) {
    free(options->storage[s]);
    options->storage[s] = NULL;
  }
}

bool perf_baseline_wanted(const perf_options_t *options, const char *name) {
  if (options->baselines_all)
    return true;
  for (size_t i = 0; i < options->baseline_count; i++)
    if (strcmp(options->baselines[i], name) == 0)
      return true;
  return false;
}

numapool_t *perf_pool_create(const perf_options_t *options, size_t threads) {
  numapool_options_t pool_options = {
      .thread_count = threads,
      .bind = options->bind,
      .spin_us = options->spin_us,
      .topology = options->topology,
  };
  numapool_t *pool = numapool_create(&pool_options);
  if (pool == NULL)
    fprintf(stderr, "numapool-perf %s: numapool_create failed for %zu threads: %s\n",
            options->subcommand, threads, strerror(errno));
  return pool;
}
