/* numapool-perf plot: reads a JSON report and draws, with gnuplot, the
 * speedup of each benchmark against threads and numapool's ratio to each
 * baseline, into one SVG file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "perf.h"

#define MAX_PEERS 16

static char *read_file(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file == NULL)
    return NULL;
  size_t capacity = 1 << 16, length = 0;
  char *text = malloc(capacity);
  while (text != NULL) {
    length += fread(text + length, 1, capacity - length - 1, file);
    if (length < capacity - 1)
      break;
    char *grown = realloc(text, capacity *= 2);
    if (grown == NULL) {
      free(text);
      text = NULL;
    }
    text = grown;
  }
  fclose(file);
  if (text != NULL)
    text[length] = '\0';
  return text;
}

/* Writes the series name of a result, "benchmark key=value ...", with
 * quotes and backslashes dropped so that gnuplot can quote it. */
static void series_name(const json_value_t *result, char *name, size_t size) {
  const json_value_t *benchmark = json_get(result, "benchmark");
  snprintf(name, size, "%s",
           benchmark != NULL && benchmark->type == JSON_STRING ? benchmark->string : "?");
  const json_value_t *params = json_get(result, "params");
  for (size_t i = 0; params != NULL && params->type == JSON_OBJECT && i < params->count; i++) {
    size_t used = strlen(name);
    const json_value_t *value = params->items[i];
    if (value->type == JSON_STRING)
      snprintf(name + used, size - used, " %s=%s", params->keys[i], value->string);
    else if (value->type == JSON_NUMBER)
      /* %.15g writes integral values up to 10^15 in full: 1048576, not
       * 1.04858e+06. */
      snprintf(name + used, size - used, " %s=%.15g", params->keys[i], value->number);
  }
  for (char *c = name; *c != '\0'; c++)
    if (*c == '"' || *c == '\\' || *c == '\'')
      *c = ' ';
}

/* The speedup plot: one data block per series, speedup = median at the
 * fewest threads / median. Returns the number of series. */
static size_t write_speedup_data(FILE *out, const json_value_t *results, char names[][160],
                                 size_t max) {
  size_t series = 0;
  char name[160];
  for (size_t i = 0; i < results->count && series < max; i++) {
    series_name(results->items[i], name, sizeof name);
    bool seen = false;
    for (size_t s = 0; s < series; s++)
      seen = seen || strcmp(names[s], name) == 0;
    if (seen)
      continue;

    double base_threads = INFINITY, base_median = NAN;
    for (size_t j = 0; j < results->count; j++) {
      char other[160];
      series_name(results->items[j], other, sizeof other);
      double threads = json_get_number(results->items[j], "threads", NAN);
      if (strcmp(other, name) == 0 && threads < base_threads) {
        base_threads = threads;
        base_median = json_get_number(results->items[j], "median_s", NAN);
      }
    }
    fprintf(out, "$speedup%zu << EOD\n", series);
    for (size_t j = 0; j < results->count; j++) {
      char other[160];
      series_name(results->items[j], other, sizeof other);
      if (strcmp(other, name) == 0)
        fprintf(out, "%g %g\n", json_get_number(results->items[j], "threads", NAN),
                base_median / json_get_number(results->items[j], "median_s", NAN));
    }
    fprintf(out, "EOD\n");
    snprintf(names[series++], 160, "%s", name);
  }
  return series;
}

/* The baseline plot: one row per result with baselines, one column per
 * peer; '?' where a peer has no figure. Returns the number of peers. */
static size_t write_baseline_data(FILE *out, const json_value_t *results,
                                  char peers[][32]) {
  size_t peer_count = 0;
  for (size_t i = 0; i < results->count; i++) {
    const json_value_t *baselines = json_get(results->items[i], "baselines");
    for (size_t p = 0; baselines != NULL && p < baselines->count; p++) {
      bool seen = false;
      for (size_t k = 0; k < peer_count; k++)
        seen = seen || strcmp(peers[k], baselines->keys[p]) == 0;
      if (!seen && peer_count < MAX_PEERS)
        snprintf(peers[peer_count++], 32, "%s", baselines->keys[p]);
    }
  }
  fprintf(out, "$baselines << EOD\n");
  for (size_t i = 0; i < results->count; i++) {
    const json_value_t *baselines = json_get(results->items[i], "baselines");
    if (baselines == NULL || baselines->count == 0)
      continue;
    char name[160];
    series_name(results->items[i], name, sizeof name);
    fprintf(out, "\"%s t=%g\"", name, json_get_number(results->items[i], "threads", NAN));
    for (size_t k = 0; k < peer_count; k++) {
      double speedup = json_get_number(json_get(baselines, peers[k]), "speedup", NAN);
      if (isfinite(speedup))
        fprintf(out, " %g", speedup);
      else
        fprintf(out, " ?");
    }
    fprintf(out, "\n");
  }
  fprintf(out, "EOD\n");
  return peer_count;
}

/* The height in pixels that the upright bar labels need: about 6 pixels
 * per character at the 8-point font. */
static int label_room(const json_value_t *results) {
  size_t longest = 0;
  for (size_t i = 0; i < results->count; i++) {
    char name[160];
    series_name(results->items[i], name, sizeof name);
    size_t length = strlen(name) + 8; /* " t=" and the thread count */
    longest = length > longest ? length : longest;
  }
  return (int)(6 * longest);
}

static void write_script(FILE *out, const json_value_t *results, const char *output) {
  char names[64][160];
  char peers[MAX_PEERS][32];
  size_t series = write_speedup_data(out, results, names, 64);
  size_t peer_count = write_baseline_data(out, results, peers);

  /* Two panels of 500 pixels; the lower one also holds its upright bar
   * labels, below its axis. */
  int room = label_room(results);
  double height = 1000.0 + room;
  fprintf(out, "set terminal svg size 1200,%d dynamic background rgb 'white'\n", 1000 + room);
  /* Enhanced text would turn the underscores of names such as
   * calls_per_sample into subscripts. */
  fprintf(out, "set termoption noenhanced\n");
  fprintf(out, "set output '%s'\nset datafile missing '?'\n", output);
  fprintf(out, "set multiplot\nset key outside right font ',9'\n");
  fprintf(out, "set size 1,%.4f\nset origin 0,%.4f\n", 500 / height, (500 + room) / height);
  fprintf(out, "set title 'Speedup against threads (median at the fewest threads / median)'\n");
  fprintf(out, "set xlabel 'threads'\nset ylabel 'speedup'\nset grid\n");
  fprintf(out, "plot ");
  for (size_t s = 0; s < series; s++)
    fprintf(out, "%s$speedup%zu using 1:2 with linespoints title \"%s\"", s ? ", " : "", s,
            names[s]);
  fprintf(out, "%s\n", series == 0 ? "0 notitle" : "");

  fprintf(out, "set title 'numapool against each baseline (peer median / numapool median; "
               "above 1: numapool is faster)'\n");
  fprintf(out, "set xlabel ''\nset ylabel 'speedup'\nset style data histogram\n");
  fprintf(out, "set style histogram clustered\nset style fill solid 0.7\n");
  /* Ratios span orders of magnitude, so the axis is logarithmic. The bar
   * labels stand upright, so long ones never overlap. */
  fprintf(out, "set size 1,%.4f\nset origin 0,0\nset bmargin at screen %.4f\n",
          (500 + room) / height, (room + 20) / height);
  fprintf(out, "set xtics rotate by 90 right font ',8'\nset logscale y\nset yrange [*:*]\n");
  fprintf(out, "plot ");
  for (size_t k = 0; k < peer_count; k++)
    fprintf(out, "%s$baselines using %zu%s title '%s'", k ? ", " : "", k + 2,
            k == 0 ? ":xtic(1)" : "", peers[k]);
  fprintf(out, "%s\nunset multiplot\n", peer_count == 0 ? "1 title 'no baselines'" : "");
}

/* Returns whether gnuplot is on the PATH. */
static bool have_gnuplot(void) {
  const char *path = getenv("PATH");
  char *copy = strdup(path != NULL ? path : "/usr/bin:/bin");
  bool found = false;
  for (char *save = NULL, *dir = copy != NULL ? strtok_r(copy, ":", &save) : NULL;
       dir != NULL && !found; dir = strtok_r(NULL, ":", &save)) {
    char candidate[4096];
    snprintf(candidate, sizeof candidate, "%s/gnuplot", dir);
    found = access(candidate, X_OK) == 0;
  }
  free(copy);
  return found;
}

int perf_plot_main(int argc, char **argv) {
  const char *report_path = NULL, *output = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("Usage: numapool-perf plot REPORT.json -o FILE.svg\n\nDraws the speedup of "
             "each benchmark against threads and numapool's ratio to each\nbaseline "
             "(peer median / numapool median) with gnuplot.\n");
      return 0;
    }
    if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc)
      output = argv[++i];
    else if (argv[i][0] != '-' && report_path == NULL)
      report_path = argv[i];
    else {
      perf_usage_error("plot", "invalid argument '%s'", argv[i]);
      return PERF_EXIT_USAGE;
    }
  }
  if (report_path == NULL || output == NULL) {
    perf_usage_error("plot", "%s is missing: give REPORT.json -o FILE.svg",
                     report_path == NULL ? "REPORT" : "-o FILE.svg");
    return PERF_EXIT_USAGE;
  }

  int output_error = perf_check_writable(output);
  if (output_error != 0) {
    perf_usage_error("plot", "cannot write %s (-o): %s", output, strerror(output_error));
    return PERF_EXIT_USAGE;
  }

  char *text = read_file(report_path);
  if (text == NULL) {
    fprintf(stderr, "numapool-perf plot: cannot read %s: %s\n", report_path, strerror(errno));
    return PERF_EXIT_FAILED;
  }
  char error[160];
  json_value_t *report = json_parse(text, error, sizeof error);
  free(text);
  const json_value_t *results = json_get(report, "results");
  if (results == NULL || results->type != JSON_ARRAY) {
    fprintf(stderr, "numapool-perf plot: %s is not a numapool-perf JSON report: %s\n",
            report_path, report == NULL ? error : "no \"results\" array");
    json_free(report);
    return PERF_EXIT_FAILED;
  }
  if (!have_gnuplot()) {
    fprintf(stderr, "numapool-perf plot: gnuplot is not installed; install it with "
                    "'apt-get install gnuplot-nox' and run the command again\n");
    json_free(report);
    return PERF_EXIT_FAILED;
  }

  /* gnuplot writes the SVG to stdout when it cannot open the output, so
   * its stdout goes nowhere; its messages go to stderr. */
  FILE *gnuplot = popen("gnuplot >/dev/null", "w");
  if (gnuplot == NULL) {
    fprintf(stderr, "numapool-perf plot: starting gnuplot failed: %s\n", strerror(errno));
    json_free(report);
    return PERF_EXIT_FAILED;
  }
  write_script(gnuplot, results, output);
  int status = pclose(gnuplot);
  json_free(report);
  if (status == -1) {
    fprintf(stderr, "numapool-perf plot: waiting for gnuplot failed: %s\n", strerror(errno));
    return PERF_EXIT_FAILED;
  }
  if (WIFSIGNALED(status)) {
    fprintf(stderr, "numapool-perf plot: gnuplot was killed by signal %d\n", WTERMSIG(status));
    return PERF_EXIT_FAILED;
  }
  if (WEXITSTATUS(status) != 0) {
    fprintf(stderr, "numapool-perf plot: gnuplot exited with status %d; its messages above "
                    "say why\n",
            WEXITSTATUS(status));
    return PERF_EXIT_FAILED;
  }
  printf("wrote %s\n", output);
  return 0;
}
