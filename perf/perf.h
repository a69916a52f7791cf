/* numapool-perf: shared options, timing, results and report writers. Each
 * subcommand lives in its own bench_<name>.c and uses only this module. */
#ifndef NUMAPOOL_PERF_PERF_H
#define NUMAPOOL_PERF_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <numapool/counters.h>
#include <numapool/numapool.h>

#define PERF_MAX_LIST 16
#define PERF_MAX_PEERS 8
#define PERF_MAX_PARAMS 12
#define PERF_MAX_EXTRAS 12
#define PERF_TEXT 192

/* Exit statuses: 0 success, 1 a benchmark failed, 2 a usage error or a
 * subcommand that is not built. */
#define PERF_EXIT_FAILED 1
#define PERF_EXIT_USAGE 2

typedef enum perf_format { PERF_FORMAT_TABLE, PERF_FORMAT_JSON, PERF_FORMAT_CSV } perf_format_t;

/* Options shared by every subcommand, and the subcommand-specific values
 * that the subcommands' own option tables fill. */
typedef struct perf_options {
  const char *subcommand;
  size_t threads[PERF_MAX_LIST];
  size_t thread_list_count;
  const char *topology;
  numapool_bind_t bind;
  long spin_us;
  int repetitions; /* -1: the subcommand's default */
  int warmup;      /* -1: the subcommand's default */
  const char *events[PERF_MAX_LIST];
  size_t event_count;
  const char *baselines[PERF_MAX_PEERS]; /* requested peers */
  size_t baseline_count;
  bool baselines_all;  /* no --baseline given: every peer that applies */
  const char *report_path;
  perf_format_t format;
  bool format_given;

  /* Subcommand values: a list of names (workloads, operators) and a list
   * of sizes, parsed by the subcommand's option table. */
  const char *names[PERF_MAX_LIST];
  size_t name_count;
  size_t sizes[PERF_MAX_LIST][3];
  size_t size_count;
  const char *api;      /* forkjoin: native or pthreadpool */
  const char *precision; /* gemm: f32, f64 or both */
  bool mpi;              /* gemm: distributed over the MPI ranks */
  char *storage[8];     /* strings the parser allocated */
} perf_options_t;

/* A subcommand's own option: parse returns 0, or -1 after printing what
 * is wrong with value. */
typedef struct perf_option {
  const char *name;
  const char *value_name;
  const char *help;
  int (*parse)(perf_options_t *options, const char *value);
} perf_option_t;

/* Parses argv (the arguments after the subcommand) into options. common
 * lists the common options that the subcommand takes, NULL-terminated, or
 * is NULL for all of them; the others are usage errors and --help leaves
 * them out. Returns 0, 1 after printing help, or PERF_EXIT_USAGE after a
 * usage error that names the option and value. */
int perf_options_parse(perf_options_t *options, const char *subcommand, const char *summary,
                       const perf_option_t *extra, size_t extra_count,
                       const char *const *common, int argc, char **argv);
/* Returns 0 when path can be written (an existing file that may be
 * written, or a new name in a folder that takes new files), else the
 * errno value that says why not. */
int perf_check_writable(const char *path);
void perf_options_free(perf_options_t *options);

/* Splits a comma-separated list of positive integers. Returns the count,
 * or -1 when an entry is not a positive integer or there are too many. */
int perf_parse_size_list(const char *text, size_t *values, size_t max);
/* Parses a comma-separated list of names from known into options->names
 * for option. Returns 0, or -1 after a usage error that names the unknown
 * entry and lists the known ones. */
int perf_parse_names(perf_options_t *options, const char *option, const char *value,
                     const char *const known[], size_t known_count);
/* Returns whether name is among the requested baselines (all when none
 * were given, none for "none"). */
bool perf_baseline_wanted(const perf_options_t *options, const char *name);
/* Prints a usage error to stderr. */
void perf_usage_error(const char *subcommand, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Creates a pool with the options' topology, binding and spin time. */
numapool_t *perf_pool_create(const perf_options_t *options, size_t threads);

/* Timing */
double perf_now(void);
typedef struct perf_stats {
  double median_s, min_s, max_s;
  double spread;  /* (max - min) / median */
  size_t samples;
} perf_stats_t;
perf_stats_t perf_stats_compute(const double *samples, size_t count);
/* Busy-waits iterations steps of a loop the compiler cannot remove. */
void perf_spin(uint64_t iterations);
/* Iterations of perf_spin per nanosecond, measured once per process. */
double perf_spin_rate(void);
void perf_progress(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Runs measure in a child process, so a peer runtime's threads never
 * share the process with numapool's, and copies count samples back.
 * Returns 0, or -1 with the reason in error. */
typedef int (*perf_measure_t)(void *context, double *samples, size_t count, char *error,
                              size_t error_size);
int perf_run_isolated(perf_measure_t measure, void *context, double *samples, size_t count,
                      char *error, size_t error_size);

/* Results */
typedef struct perf_peer_result {
  char name[32];
  bool ok;
  double median_s, min_s;
  char error[PERF_TEXT];
} perf_peer_result_t;

typedef struct perf_counter_result {
  char event[64];
  char reason[PERF_TEXT]; /* empty when counted */
  bool multiplexed;
  bool failed;            /* a thread's start or read failed */
  long long total;
  long long *per_thread;
  size_t thread_count;
  long long per_domain[PERF_MAX_LIST];
  int node[PERF_MAX_LIST];
  size_t domain_count;
} perf_counter_result_t;

typedef struct perf_result {
  char benchmark[48];
  char param_names[PERF_MAX_PARAMS][32];
  char param_values[PERF_MAX_PARAMS][64];
  bool param_numeric[PERF_MAX_PARAMS];
  size_t param_count;
  size_t threads;
  perf_stats_t stats;
  double gflops, gbps; /* NaN where they do not apply */
  perf_peer_result_t peers[PERF_MAX_PEERS];
  size_t peer_count;
  char extra_names[PERF_MAX_EXTRAS][48];
  double extra_values[PERF_MAX_EXTRAS];
  size_t extra_count;
  perf_counter_result_t *counters;
  size_t counter_count;
  char note[PERF_TEXT];
} perf_result_t;

typedef struct perf_report {
  const perf_options_t *options;
  int argc;
  char **argv;
  perf_result_t *results;
  size_t count, capacity;
  char counters_backend[PERF_TEXT];
  /* Set on MPI ranks other than 0: rank 0 writes the merged report. */
  bool suppress_output;
} perf_report_t;

void perf_report_init(perf_report_t *report, const perf_options_t *options, int argc,
                      char **argv);
/* Appends a zeroed result and returns it, or NULL when out of memory. */
perf_result_t *perf_report_add(perf_report_t *report, const char *benchmark, size_t threads);
/* Removes result when it is the last one added, after its measurement
 * failed, so the report holds no empty result. */
void perf_report_discard(perf_report_t *report, perf_result_t *result);
void perf_result_param(perf_result_t *result, const char *name, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
void perf_result_param_number(perf_result_t *result, const char *name, double value);
void perf_result_extra(perf_result_t *result, const char *name, double value);
perf_peer_result_t *perf_result_peer(perf_result_t *result, const char *name);
void perf_peer_set(perf_peer_result_t *peer, const double *samples, size_t count);
/* Copies the counts of counters into the result. */
void perf_result_counters(perf_result_t *result, const numapool_counters_t *counters);
/* Writes the report to stdout in the chosen format and to --report FILE.
 * Returns 0 or PERF_EXIT_FAILED when the file cannot be written. */
int perf_report_write(const perf_report_t *report);
void perf_report_free(perf_report_t *report);

/* JSON pieces shared by the report and topology writers: a quoted,
 * escaped string, and the "command" member from the subcommand on. */
void perf_json_write_string(FILE *out, const char *text);
void perf_json_write_command(FILE *out, const char *subcommand, int argc, char **argv);

/* Counters around a numapool measurement: create for the pool, NULL when
 * --events none. */
numapool_counters_t *perf_counters_create(const perf_options_t *options, numapool_t *pool);

/* One timed numapool call of a benchmark: returns its status. */
typedef int (*perf_call_t)(void *context, numapool_t *pool);
/* Runs call warmup times, then times it count times into samples while
 * the options' events are counted on the pool's threads; the counts go
 * into result. Returns 0 or the first failing call's status. */
int perf_time_numapool(const perf_options_t *options, numapool_t *pool, perf_call_t call,
                       void *context, size_t warmup, double *samples, size_t count,
                       perf_result_t *result);

/* Machine and library facts for the report header. */
void perf_machine_write_json(FILE *out);
void perf_machine_write_table(FILE *out);
/* numapool_topology_describe()'s text for a pool of the options' first
 * thread count, or NULL when the library lacks it or it fails. The caller
 * frees the text. */
char *perf_topology_text(const perf_options_t *options);
/* The nominal CPU frequency in MHz from /proc/cpuinfo, 0 when unknown. */
double perf_cpu_mhz(void);

/* A symbol of libnumapool or a loaded library, NULL when absent. Used for
 * the parts of the library that other builds may lack, so the driver runs
 * against any libnumapool and says which part is not built. */
void *perf_find_symbol(const char *name);

/* A subcommand that appends results to a report. run returns 0,
 * PERF_EXIT_FAILED when a benchmark failed, or PERF_EXIT_USAGE when the
 * subcommand is not built (after printing why). */
typedef struct perf_subcommand {
  const char *name;
  const char *summary;
  const perf_option_t *options;
  size_t option_count;
  int (*run)(perf_report_t *report, perf_options_t *options);
} perf_subcommand_t;

extern const perf_subcommand_t perf_forkjoin;
extern const perf_subcommand_t perf_gemm;
extern const perf_subcommand_t perf_conv;
extern const perf_subcommand_t perf_eltwise;
extern const perf_subcommand_t perf_tasks;

/* numapool-perf gemm --mpi (bench_gemm_mpi.c): the distributed GEMM over
 * the ranks of MPI_COMM_WORLD, or a usage error when built without MPI. */
int perf_gemm_mpi(perf_report_t *report, perf_options_t *options);

/* Subcommands that write no report. Each returns the exit status. */
int perf_topology_main(int argc, char **argv);
int perf_plot_main(int argc, char **argv);

#endif /* NUMAPOOL_PERF_PERF_H */
