/* Results and the three report formats: a table for people, JSON for
 * scripts and plots, CSV for spreadsheets. docs/REPORTS.md is the schema. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"

void perf_report_init(perf_report_t *report, const perf_options_t *options, int argc,
                      char **argv) {
  memset(report, 0, sizeof *report);
  report->options = options;
  report->argc = argc;
  report->argv = argv;
  snprintf(report->counters_backend, sizeof report->counters_backend, "%s",
           numapool_counters_backend());
}

perf_result_t *perf_report_add(perf_report_t *report, const char *benchmark, size_t threads) {
  if (report->count == report->capacity) {
    size_t capacity = report->capacity == 0 ? 16 : 2 * report->capacity;
    perf_result_t *results = realloc(report->results, capacity * sizeof *results);
    if (results == NULL)
      return NULL;
    report->results = results;
    report->capacity = capacity;
  }
  perf_result_t *result = &report->results[report->count++];
  memset(result, 0, sizeof *result);
  snprintf(result->benchmark, sizeof result->benchmark, "%s", benchmark);
  result->threads = threads;
  result->gflops = NAN;
  result->gbps = NAN;
  result->stats = perf_stats_compute(NULL, 0);
  return result;
}

void perf_report_discard(perf_report_t *report, perf_result_t *result) {
  if (result == NULL || report->count == 0 || result != &report->results[report->count - 1])
    return;
  for (size_t e = 0; e < result->counter_count; e++)
    free(result->counters[e].per_thread);
  free(result->counters);
  report->count--;
}

void perf_result_param(perf_result_t *result, const char *name, const char *format, ...) {
  if (result->param_count == PERF_MAX_PARAMS)
    return;
  size_t i = result->param_count++;
  snprintf(result->param_names[i], sizeof result->param_names[i], "%s", name);
  va_list args;
  va_start(args, format);
  vsnprintf(result->param_values[i], sizeof result->param_values[i], format, args);
  va_end(args);
  result->param_numeric[i] = false;
}

void perf_result_param_number(perf_result_t *result, const char *name, double value) {
  perf_result_param(result, name, "%.15g", value);
  result->param_numeric[result->param_count - 1] = true;
}

void perf_result_extra(perf_result_t *result, const char *name, double value) {
  if (result->extra_count == PERF_MAX_EXTRAS)
    return;
  size_t i = result->extra_count++;
  snprintf(result->extra_names[i], sizeof result->extra_names[i], "%s", name);
  result->extra_values[i] = value;
}

perf_peer_result_t *perf_result_peer(perf_result_t *result, const char *name) {
  if (result->peer_count == PERF_MAX_PEERS)
    return NULL;
  perf_peer_result_t *peer = &result->peers[result->peer_count++];
  memset(peer, 0, sizeof *peer);
  snprintf(peer->name, sizeof peer->name, "%s", name);
  peer->median_s = NAN;
  peer->min_s = NAN;
  return peer;
}

void perf_peer_set(perf_peer_result_t *peer, const double *samples, size_t count) {
  perf_stats_t stats = perf_stats_compute(samples, count);
  peer->ok = true;
  peer->median_s = stats.median_s;
  peer->min_s = stats.min_s;
}

/* Copies one event's counts: per thread, per domain and total. */
static void copy_event(perf_counter_result_t *row, const numapool_counters_t *counters,
                       size_t event) {
  snprintf(row->event, sizeof row->event, "%s", numapool_counters_event_name(counters, event));
  const char *reason = numapool_counters_event_reason(counters, event);
  if (reason != NULL) {
    snprintf(row->reason, sizeof row->reason, "%s", reason);
    return;
  }

  numapool_counter_value_t value;
  numapool_counters_total(counters, event, &value);
  row->total = value.value;
  row->multiplexed = (value.flags & NUMAPOOL_COUNTER_MULTIPLEXED) != 0;
  row->failed = value.status != 0;

  row->thread_count = numapool_counters_thread_count(counters);
  row->per_thread = calloc(row->thread_count, sizeof *row->per_thread);
  for (size_t i = 0; row->per_thread != NULL && i < row->thread_count; i++)
    if (numapool_counters_thread_value(counters, i, event, &value) == 0)
      row->per_thread[i] = value.value;

  row->domain_count = numapool_counters_domain_count(counters);
  if (row->domain_count > PERF_MAX_LIST)
    row->domain_count = PERF_MAX_LIST;
  for (size_t d = 0; d < row->domain_count; d++)
    if (numapool_counters_domain_value(counters, d, event, &row->node[d], &value) == 0)
      row->per_domain[d] = value.value;
}

void perf_result_counters(perf_result_t *result, const numapool_counters_t *counters) {
  size_t count = numapool_counters_event_count(counters);
  if (count == 0)
    return;
  result->counters = calloc(count, sizeof *result->counters);
  if (result->counters == NULL)
    return;
  result->counter_count = count;
  for (size_t e = 0; e < count; e++)
    copy_event(&result->counters[e], counters, e);
}

void perf_report_free(perf_report_t *report) {
  for (size_t r = 0; r < report->count; r++) {
    for (size_t e = 0; e < report->results[r].counter_count; e++)
      free(report->results[r].counters[e].per_thread);
    free(report->results[r].counters);
  }
  free(report->results);
  memset(report, 0, sizeof *report);
}

/* JSON */

void perf_json_write_string(FILE *out, const char *text) {
  fputc('"', out);
  for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
    if (*c == '"' || *c == '\\')
      fprintf(out, "\\%c", *c);
    else if (*c < 0x20)
      fprintf(out, "\\u%04x", *c);
    else
      fputc(*c, out);
  }
  fputc('"', out);
}

/* Writes a number, or null for NaN and infinities, which JSON lacks. */
static void json_number(FILE *out, double value) {
  if (isfinite(value))
    fprintf(out, "%.9g", value);
  else
    fputs("null", out);
}

void perf_json_write_command(FILE *out, const char *subcommand, int argc, char **argv) {
  fprintf(out, "\"command\": \"numapool-perf %s", subcommand);
  for (int i = 0; i < argc; i++) {
    fputc(' ', out);
    /* Reuses the escaping without the surrounding quotes. */
    for (const char *c = argv[i]; *c != '\0'; c++)
      if (*c == '"' || *c == '\\')
        fprintf(out, "\\%c", *c);
      else if ((unsigned char)*c >= 0x20)
        fputc(*c, out);
  }
  fputs("\"", out);
}

static void json_options(FILE *out, const perf_options_t *options) {
  fprintf(out, "\"options\": {\"subcommand\": ");
  perf_json_write_string(out, options->subcommand);
  fprintf(out, ", \"threads\": [");
  for (size_t i = 0; i < options->thread_list_count; i++)
    fprintf(out, "%s%zu", i ? ", " : "", options->threads[i]);
  fprintf(out, "], \"topology\": ");
  perf_json_write_string(out, options->topology != NULL ? options->topology : "default");
  static const char *const binds[] = {"default", "none", "node", "core"};
  fprintf(out, ", \"bind\": \"%s\", \"spin_us\": %ld, \"repetitions\": %d, \"warmup\": %d",
          binds[options->bind], options->spin_us, options->repetitions, options->warmup);
  fprintf(out, ", \"events\": [");
  for (size_t i = 0; i < options->event_count; i++) {
    fputs(i ? ", " : "", out);
    perf_json_write_string(out, options->events[i]);
  }
  fprintf(out, "], \"baselines\": [");
  if (options->baselines_all)
    fputs("\"all\"", out);
  for (size_t i = 0; i < options->baseline_count; i++) {
    fputs(i ? ", " : "", out);
    perf_json_write_string(out, options->baselines[i]);
  }
  fprintf(out, "]}");
}

static void json_counter(FILE *out, const perf_counter_result_t *row) {
  perf_json_write_string(out, row->event);
  if (row->reason[0] != '\0') {
    fprintf(out, ": {\"available\": false, \"reason\": ");
    char text[PERF_TEXT + 32];
    snprintf(text, sizeof text, "counters unavailable: %s", row->reason);
    perf_json_write_string(out, text);
    fputc('}', out);
    return;
  }
  fprintf(out, ": {\"available\": true, \"exact\": %s, \"multiplexed\": %s, \"failed\": %s, "
               "\"total\": %lld, \"per_thread\": [",
          row->multiplexed || row->failed ? "false" : "true",
          row->multiplexed ? "true" : "false", row->failed ? "true" : "false", row->total);
  for (size_t i = 0; i < row->thread_count && row->per_thread != NULL; i++)
    fprintf(out, "%s%lld", i ? ", " : "", row->per_thread[i]);
  fprintf(out, "], \"per_node\": [");
  for (size_t d = 0; d < row->domain_count; d++)
    fprintf(out, "%s{\"domain\": %zu, \"node\": %d, \"value\": %lld}", d ? ", " : "", d,
            row->node[d], row->per_domain[d]);
  fprintf(out, "]}");
}

static void json_result(FILE *out, const perf_result_t *result) {
  fprintf(out, "    {\"benchmark\": ");
  perf_json_write_string(out, result->benchmark);
  fprintf(out, ", \"params\": {");
  for (size_t i = 0; i < result->param_count; i++) {
    fputs(i ? ", " : "", out);
    perf_json_write_string(out, result->param_names[i]);
    fputs(": ", out);
    if (result->param_numeric[i])
      fputs(result->param_values[i], out);
    else
      perf_json_write_string(out, result->param_values[i]);
  }
  fprintf(out, "}, \"threads\": %zu, \"repetitions\": %zu, \"median_s\": ", result->threads,
          result->stats.samples);
  json_number(out, result->stats.median_s);
  fputs(", \"min_s\": ", out);
  json_number(out, result->stats.min_s);
  fputs(", \"max_s\": ", out);
  json_number(out, result->stats.max_s);
  fputs(", \"spread\": ", out);
  json_number(out, result->stats.spread);
  if (!isnan(result->gflops)) {
    fputs(", \"gflops\": ", out);
    json_number(out, result->gflops);
  }
  if (!isnan(result->gbps)) {
    fputs(", \"gbps\": ", out);
    json_number(out, result->gbps);
  }

  fputs(",\n     \"baselines\": {", out);
  for (size_t p = 0; p < result->peer_count; p++) {
    const perf_peer_result_t *peer = &result->peers[p];
    fputs(p ? ", " : "", out);
    perf_json_write_string(out, peer->name);
    fputs(": {\"median_s\": ", out);
    json_number(out, peer->median_s);
    fputs(", \"min_s\": ", out);
    json_number(out, peer->min_s);
    fputs(", \"speedup\": ", out);
    json_number(out, peer->ok ? peer->median_s / result->stats.median_s : NAN);
    if (!peer->ok) {
      fputs(", \"error\": ", out);
      perf_json_write_string(out, peer->error);
    }
    fputc('}', out);
  }
  fputs("},\n     \"extras\": {", out);
  for (size_t i = 0; i < result->extra_count; i++) {
    fputs(i ? ", " : "", out);
    perf_json_write_string(out, result->extra_names[i]);
    fputs(": ", out);
    json_number(out, result->extra_values[i]);
  }
  fputs("},\n     \"counters\": {", out);
  for (size_t e = 0; e < result->counter_count; e++) {
    fputs(e ? ",\n       " : "", out);
    json_counter(out, &result->counters[e]);
  }
  fputs("},\n     \"note\": ", out);
  perf_json_write_string(out, result->note);
  fputc('}', out);
}

static void write_json(FILE *out, const perf_report_t *report) {
  fprintf(out, "{\"schema\": \"numapool-perf-report/1\",\n ");
  perf_json_write_command(out, report->options->subcommand, report->argc, report->argv);
  fputs(",\n ", out);
  perf_machine_write_json(out);
  fputs(",\n ", out);
  json_options(out, report->options);
  char *topology = perf_topology_text(report->options);
  fputs(",\n \"topology\": ", out);
  if (topology != NULL)
    perf_json_write_string(out, topology);
  else
    fputs("null", out);
  free(topology);
  fputs(",\n \"counters_backend\": ", out);
  perf_json_write_string(out, report->counters_backend);
  fputs(",\n \"results\": [\n", out);
  for (size_t r = 0; r < report->count; r++) {
    json_result(out, &report->results[r]);
    fputs(r + 1 < report->count ? ",\n" : "\n", out);
  }
  fputs(" ]}\n", out);
}

/* CSV: one row per result and baseline (one row with an empty baseline
 * when a result has none). */

static void csv_field(FILE *out, const char *text) {
  fputc('"', out);
  for (const char *c = text; *c != '\0'; c++) {
    if (*c == '"')
      fputc('"', out);
    fputc(*c, out);
  }
  fputc('"', out);
}

static void csv_number(FILE *out, double value) {
  if (isfinite(value))
    fprintf(out, "%.9g", value);
}

static void csv_row(FILE *out, const perf_result_t *result, const perf_peer_result_t *peer) {
  char params[PERF_MAX_PARAMS * 100] = "";
  for (size_t i = 0; i < result->param_count; i++) {
    size_t used = strlen(params);
    snprintf(params + used, sizeof params - used, "%s%s=%s", i ? ";" : "",
             result->param_names[i], result->param_values[i]);
  }
  csv_field(out, result->benchmark);
  fputc(',', out);
  csv_field(out, params);
  fprintf(out, ",%zu,", result->threads);
  csv_number(out, result->stats.median_s);
  fputc(',', out);
  csv_number(out, result->stats.min_s);
  fputc(',', out);
  csv_number(out, result->stats.max_s);
  fputc(',', out);
  csv_number(out, result->stats.spread);
  fprintf(out, ",%zu,", result->stats.samples);
  csv_number(out, result->gflops);
  fputc(',', out);
  csv_number(out, result->gbps);
  fputc(',', out);
  csv_field(out, peer != NULL ? peer->name : "");
  fputc(',', out);
  if (peer != NULL && peer->ok) {
    csv_number(out, peer->median_s);
    fputc(',', out);
    csv_number(out, peer->median_s / result->stats.median_s);
  } else {
    fputc(',', out);
  }

  char counters[PERF_MAX_LIST * 96] = "";
  for (size_t e = 0; e < result->counter_count; e++) {
    const perf_counter_result_t *row = &result->counters[e];
    size_t used = strlen(counters);
    if (row->reason[0] != '\0')
      snprintf(counters + used, sizeof counters - used, "%s%s=unavailable", e ? ";" : "",
               row->event);
    else
      snprintf(counters + used, sizeof counters - used, "%s%s=%s%lld", e ? ";" : "",
               row->event, row->multiplexed ? "~" : "", row->total);
  }
  fputc(',', out);
  csv_field(out, counters);
  fputc(',', out);
  csv_field(out, result->note);
  fputc('\n', out);
}

static void write_csv(FILE *out, const perf_report_t *report) {
  fputs("benchmark,params,threads,median_s,min_s,max_s,spread,repetitions,gflops,gbps,"
        "baseline,baseline_median_s,speedup,counters,note\n",
        out);
  for (size_t r = 0; r < report->count; r++) {
    const perf_result_t *result = &report->results[r];
    if (result->peer_count == 0)
      csv_row(out, result, NULL);
    for (size_t p = 0; p < result->peer_count; p++)
      csv_row(out, result, &result->peers[p]);
  }
}

/* Table */

/* Formats seconds with a unit that keeps 3 significant digits. */
static const char *format_time(double seconds, char *buffer, size_t size) {
  if (!isfinite(seconds))
    snprintf(buffer, size, "-");
  else if (seconds < 1e-6)
    snprintf(buffer, size, "%.0f ns", seconds * 1e9);
  else if (seconds < 1e-3)
    snprintf(buffer, size, "%.3g us", seconds * 1e6);
  else if (seconds < 1)
    snprintf(buffer, size, "%.3g ms", seconds * 1e3);
  else
    snprintf(buffer, size, "%.3g s", seconds);
  return buffer;
}

static void table_counters(FILE *out, const perf_result_t *result) {
  for (size_t e = 0; e < result->counter_count; e++) {
    const perf_counter_result_t *row = &result->counters[e];
    if (row->reason[0] != '\0')
      continue;
    fprintf(out, "    %s: total %s%lld%s, per thread", row->event,
            row->multiplexed ? "~" : "", row->total,
            row->multiplexed ? " (multiplexed estimate)" : "");
    for (size_t i = 0; i < row->thread_count && row->per_thread != NULL; i++)
      fprintf(out, " %lld", row->per_thread[i]);
    fprintf(out, ", per node");
    for (size_t d = 0; d < row->domain_count; d++)
      fprintf(out, " [node %d] %lld", row->node[d], row->per_domain[d]);
    fprintf(out, "%s\n", row->failed ? " (some threads failed to count)" : "");
  }
}

static void table_result(FILE *out, const perf_result_t *result) {
  char params[PERF_MAX_PARAMS * 100] = "";
  for (size_t i = 0; i < result->param_count; i++) {
    size_t used = strlen(params);
    snprintf(params + used, sizeof params - used, "%s%s=%s", i ? " " : "",
             result->param_names[i], result->param_values[i]);
  }
  char median[32], minimum[32], rate[32] = "-";
  if (!isnan(result->gflops))
    snprintf(rate, sizeof rate, "%.1f GFLOP/s", result->gflops);
  else if (!isnan(result->gbps))
    snprintf(rate, sizeof rate, "%.2f GB/s", result->gbps);
  fprintf(out, "%-26s %3zu  %10s %10s %6.1f%%  %-15s %s\n", result->benchmark, result->threads,
          format_time(result->stats.median_s, median, sizeof median),
          format_time(result->stats.min_s, minimum, sizeof minimum),
          100 * result->stats.spread, rate, params);

  for (size_t p = 0; p < result->peer_count; p++) {
    const perf_peer_result_t *peer = &result->peers[p];
    if (peer->ok)
      fprintf(out, "    vs %-12s %10s  speedup %.2fx (peer median / numapool median)\n",
              peer->name, format_time(peer->median_s, median, sizeof median),
              peer->median_s / result->stats.median_s);
    else
      fprintf(out, "    vs %-12s not measured: %s\n", peer->name, peer->error);
  }
  for (size_t i = 0; i < result->extra_count; i++)
    fprintf(out, "    %s: %.4g\n", result->extra_names[i], result->extra_values[i]);
  if (result->note[0] != '\0')
    fprintf(out, "    note: %s\n", result->note);
  table_counters(out, result);
}

static void write_table(FILE *out, const perf_report_t *report) {
  perf_machine_write_table(out);
  char *topology = perf_topology_text(report->options);
  if (topology != NULL) {
    fprintf(out, "numapool topology:\n");
    for (char *save = NULL, *line = strtok_r(topology, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save))
      fprintf(out, "  %s\n", line);
  }
  free(topology);
  fprintf(out, "counters: %s\n", report->counters_backend);
  /* Unavailable events are the same in every result: list them once. */
  if (report->count > 0)
    for (size_t e = 0; e < report->results[0].counter_count; e++)
      if (report->results[0].counters[e].reason[0] != '\0')
        fprintf(out, "  %s: counters unavailable: %s\n", report->results[0].counters[e].event,
                report->results[0].counters[e].reason);
  fprintf(out, "\n%-26s %3s  %10s %10s %7s  %-15s %s\n", "benchmark", "thr", "median", "min",
          "spread", "rate", "params");
  for (size_t r = 0; r < report->count; r++)
    table_result(out, &report->results[r]);
}

static void write_format(FILE *out, const perf_report_t *report, perf_format_t format) {
  if (format == PERF_FORMAT_JSON)
    write_json(out, report);
  else if (format == PERF_FORMAT_CSV)
    write_csv(out, report);
  else
    write_table(out, report);
}

int perf_report_write(const perf_report_t *report) {
  const perf_options_t *options = report->options;
  if (report->suppress_output)
    return 0;
  write_format(stdout, report, options->format);
  fflush(stdout);
  if (options->report_path == NULL)
    return 0;

  size_t length = strlen(options->report_path);
  bool csv = options->format == PERF_FORMAT_CSV ||
             (length >= 4 && strcmp(options->report_path + length - 4, ".csv") == 0);
  FILE *file = fopen(options->report_path, "w");
  if (file == NULL) {
    fprintf(stderr, "numapool-perf: cannot write the report to %s: %s\n",
            options->report_path, strerror(errno));
    return PERF_EXIT_FAILED;
  }
  write_format(file, report, csv ? PERF_FORMAT_CSV : PERF_FORMAT_JSON);
  if (fclose(file) != 0) {
    fprintf(stderr, "numapool-perf: writing %s failed: %s\n", options->report_path,
            strerror(errno));
    return PERF_EXIT_FAILED;
  }
  return 0;
}
