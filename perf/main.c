/* numapool-perf: dispatches to the subcommands; with no arguments it runs
 * the suite, a short set of every benchmark. */
#include <stdio.h>
#include <string.h>

#include "perf.h"

static const perf_subcommand_t *const subcommands[] = {&perf_forkjoin, &perf_gemm, &perf_conv,
                                                       &perf_eltwise, &perf_tasks};
#define SUBCOMMAND_COUNT (sizeof subcommands / sizeof subcommands[0])

static void print_usage(FILE *out) {
  fprintf(out,
          "Usage: numapool-perf [SUBCOMMAND] [OPTIONS]\n\n"
          "Benchmarks numapool next to its peers and reports times, rates, ratios and\n"
          "PAPI counters per worker and per NUMA node.\n\n"
          "Subcommands:\n"
          "  suite      a short run of every benchmark, about a minute (the default)\n"
          "  forkjoin   parallel-for latency, throughput, balance, oversubscription, wake-up\n"
          "  gemm       numapool_sgemm and numapool_dgemm against OpenBLAS and BLIS\n"
          "  conv       numapool_conv2d on ResNet-50 layers\n"
          "  eltwise    numapool's elementwise operators, in GB/s\n"
          "  tasks      numapool task groups\n"
          "  topology   the machine, its domains and where each worker would run\n"
          "  plot       draws a JSON report with gnuplot: plot REPORT -o FILE.svg\n\n"
          "Run 'numapool-perf SUBCOMMAND --help' for its options.\n");
}

/* Parses a subcommand's options, runs it and writes the report. */
static int run_subcommand(const perf_subcommand_t *subcommand, int argc, char **argv) {
  perf_options_t options;
  int status =
      perf_options_parse(&options, subcommand->name, subcommand->summary, subcommand->options,
                         subcommand->option_count, NULL, argc, argv);
  if (status != 0) {
    perf_options_free(&options);
    return status == 1 ? 0 : status;
  }

  perf_report_t report;
  perf_report_init(&report, &options, argc, argv);
  status = subcommand->run(&report, &options);
  if (status != PERF_EXIT_USAGE) {
    int written = perf_report_write(&report);
    if (status == 0)
      status = written;
  }
  perf_report_free(&report);
  perf_options_free(&options);
  return status;
}

/* The suite: every benchmark that is built, with the common options and
 * each subcommand's short defaults, into one report. */
static int run_suite(int argc, char **argv) {
  perf_options_t options;
  int status = perf_options_parse(
      &options, "suite",
      "Runs a short set of every built benchmark (forkjoin, gemm, conv, eltwise, tasks)\n"
      "into one report. Subcommands that are not built are listed and skipped.",
      NULL, 0, NULL, argc, argv);
  if (status != 0) {
    perf_options_free(&options);
    return status == 1 ? 0 : status;
  }

  perf_report_t report;
  perf_report_init(&report, &options, argc, argv);
  int failures = 0;
  for (size_t i = 0; i < SUBCOMMAND_COUNT; i++) {
    options.subcommand = subcommands[i]->name;
    options.name_count = 0;
    options.size_count = 0;
    options.api = NULL;
    options.precision = NULL;
    int result = subcommands[i]->run(&report, &options);
    if (result == PERF_EXIT_USAGE)
      perf_progress("suite: %s skipped (not built)", subcommands[i]->name);
    else if (result != 0)
      failures++;
  }
  options.subcommand = "suite";
  status = perf_report_write(&report);
  perf_report_free(&report);
  perf_options_free(&options);
  return failures != 0 ? PERF_EXIT_FAILED : status;
}

int main(int argc, char **argv) {
  if (argc < 2 || argv[1][0] == '-') {
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
      print_usage(stdout);
      return 0;
    }
    return run_suite(argc - 1, argv + 1);
  }

  const char *name = argv[1];
  if (strcmp(name, "suite") == 0)
    return run_suite(argc - 2, argv + 2);
  if (strcmp(name, "topology") == 0)
    return perf_topology_main(argc - 2, argv + 2);
  if (strcmp(name, "plot") == 0)
    return perf_plot_main(argc - 2, argv + 2);
  for (size_t i = 0; i < SUBCOMMAND_COUNT; i++)
    if (strcmp(name, subcommands[i]->name) == 0)
      return run_subcommand(subcommands[i], argc - 2, argv + 2);

  fprintf(stderr, "numapool-perf: unknown subcommand '%s'\n\n", name);
  print_usage(stderr);
  return PERF_EXIT_USAGE;
}
