/* numapool-perf topology: the machine, its domains, and where each thread
 * of a pool created with the given options would run, as a table, JSON or
 * CSV (docs/REPORTS.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/topology.h>

#include "perf.h"

typedef int (*describe_fn)(const numapool_options_t *, char *, size_t);

/* The placement of one pool: each thread's place, or the error that
 * numapool_thread_place() returned for it. */
typedef struct pool_places {
  size_t threads;
  numapool_thread_place_t *places;
  int *status;
  char *description; /* numapool_topology_describe()'s text, or NULL */
} pool_places_t;

/* What the subcommand found: the source of the topology that the pools
 * use, that topology, and one placement per --threads entry. */
typedef struct topology_run {
  const char *source_from;  /* "--topology", "NUMAPOOL_TOPOLOGY", "machine", or hwloc's variables */
  const char *source_value; /* the source string, NULL for the machine */
  bool simulated;
  numapool_t *first_pool; /* keeps the topology below alive */
  const numapool_topology_t *topology;
  pool_places_t pools[PERF_MAX_LIST];
  size_t pool_count;
} topology_run_t;

/* Returns numapool_topology_describe()'s text, or NULL with *status set
 * (NUMAPOOL_ENOTSUP when the library lacks the function). */
static char *describe_topology(const perf_options_t *options, size_t threads, int *status) {
  describe_fn describe = (describe_fn)perf_find_symbol("numapool_topology_describe");
  *status = NUMAPOOL_ENOTSUP;
  if (describe == NULL)
    return NULL;
  numapool_options_t pool_options = {.thread_count = threads,
                                     .bind = options->bind,
                                     .spin_us = options->spin_us,
                                     .topology = options->topology};
  int length = describe(&pool_options, NULL, 0);
  *status = length < 0 ? length : NUMAPOOL_ENOMEM;
  char *text = length >= 0 ? malloc((size_t)length + 1) : NULL;
  if (text == NULL)
    return NULL;
  *status = describe(&pool_options, text, (size_t)length + 1);
  if (*status < 0) {
    free(text);
    return NULL;
  }
  *status = 0;
  return text;
}

char *perf_topology_text(const perf_options_t *options) {
  int status;
  return describe_topology(options, options->threads[0], &status);
}

/* Names the source of the pools' topology: the option, the environment
 * variable, or the machine. When the loaded topology contradicts the
 * request (a simulated source that loaded as the machine, or the machine
 * that HWLOC_XMLFILE or HWLOC_SYNTHETIC replaced), the name follows what
 * was loaded. */
static void find_source(topology_run_t *run, const perf_options_t *options) {
  const char *environment = getenv("NUMAPOOL_TOPOLOGY");
  run->source_from = "machine";
  run->source_value = NULL;
  if (options->topology != NULL) {
    run->source_from = "--topology";
    run->source_value = options->topology;
  } else if (environment != NULL && environment[0] != '\0') {
    run->source_from = "NUMAPOOL_TOPOLOGY";
    run->source_value = environment;
  }

  run->simulated = numapool_topology_is_simulated(run->topology) == 1;
  if (run->source_value != NULL && !run->simulated) {
    run->source_from = "machine";
    run->source_value = NULL;
  } else if (run->source_value == NULL && run->simulated) {
    run->source_from = "HWLOC_XMLFILE or HWLOC_SYNTHETIC";
  }
}

/* Creates a pool of threads and records each thread's place. Returns 0
 * or PERF_EXIT_FAILED when the pool cannot be created. */
static int read_places(topology_run_t *run, const perf_options_t *options, size_t threads) {
  numapool_t *pool = perf_pool_create(options, threads);
  if (pool == NULL)
    return PERF_EXIT_FAILED;

  pool_places_t *entry = &run->pools[run->pool_count++];
  int describe_status;
  entry->threads = numapool_get_thread_count(pool);
  entry->places = calloc(entry->threads, sizeof *entry->places);
  entry->status = calloc(entry->threads, sizeof *entry->status);
  entry->description = describe_topology(options, threads, &describe_status);
  if (entry->description == NULL && describe_status != NUMAPOOL_ENOTSUP)
    fprintf(stderr, "numapool-perf topology: numapool_topology_describe failed: %s\n",
            numapool_strerror(describe_status));
  if (entry->places == NULL || entry->status == NULL) {
    fprintf(stderr, "numapool-perf topology: out of memory\n");
    numapool_destroy(pool);
    return PERF_EXIT_FAILED;
  }
  for (size_t i = 0; i < entry->threads; i++)
    entry->status[i] = numapool_thread_place(pool, i, &entry->places[i]);

  if (run->first_pool == NULL) {
    run->first_pool = pool;
    run->topology = numapool_get_topology(pool);
    find_source(run, options);
  } else {
    numapool_destroy(pool);
  }
  return 0;
}

static void run_free(topology_run_t *run) {
  for (size_t p = 0; p < run->pool_count; p++) {
    free(run->pools[p].places);
    free(run->pools[p].status);
    free(run->pools[p].description);
  }
  numapool_destroy(run->first_pool);
}

/* Table */

static void table_pool(FILE *out, const pool_places_t *pool) {
  size_t length = pool->description != NULL ? strlen(pool->description) : 0;
  if (pool->description != NULL)
    fprintf(out, "%s%s", pool->description,
            length > 0 && pool->description[length - 1] != '\n' ? "\n" : "");
  fprintf(out, "pool of %zu threads:\n  %-7s %-7s %-16s %s\n", pool->threads, "thread", "domain",
          "index in domain", "node");
  for (size_t i = 0; i < pool->threads; i++) {
    const numapool_thread_place_t *place = &pool->places[i];
    if (pool->status[i] != 0) {
      fprintf(out, "  %-7zu %s\n", i, numapool_strerror(pool->status[i]));
      continue;
    }
    fprintf(out, "  %-7zu %zu/%-5zu %zu/%-14zu %d\n", i, place->domain, place->domain_count,
            place->index_in_domain, place->threads_in_domain, place->node);
  }
}

static const char *const bind_names[] = {"default", "none", "node", "core"};

static void write_table(FILE *out, const topology_run_t *run, const perf_options_t *options) {
  perf_machine_write_table(out);
  if (run->source_value != NULL)
    fprintf(out, "topology source: %s (from %s)", run->source_value, run->source_from);
  else
    fprintf(out, "topology source: %s", run->source_from);
  fprintf(out, "%s, binding requested: %s\n\n", run->simulated ? ", simulated" : "",
          bind_names[options->bind]);
  for (size_t p = 0; p < run->pool_count; p++) {
    table_pool(out, &run->pools[p]);
    fprintf(out, "\n");
  }
}

/* JSON */

static void json_int_list(FILE *out, const int *values, size_t count) {
  fputc('[', out);
  for (size_t i = 0; i < count; i++)
    fprintf(out, "%s%d", i > 0 ? ", " : "", values[i]);
  fputc(']', out);
}

/* The domains, memory-only nodes and distances of the pools' topology. */
static void json_topology(FILE *out, const numapool_topology_t *topology) {
  size_t domains = numapool_topology_domain_count(topology);
  fprintf(out, ",\n \"domains\": [");
  for (size_t d = 0; d < domains; d++) {
    size_t cpu_count = numapool_topology_domain_cpus(topology, d, NULL, 0);
    int *cpus = calloc(cpu_count + 1, sizeof *cpus);
    cpu_count = cpus != NULL ? numapool_topology_domain_cpus(topology, d, cpus, cpu_count) : 0;
    uint64_t memory = numapool_topology_domain_memory(topology, d);
    fprintf(out, "%s\n  {\"domain\": %zu, \"node\": %d, \"memory_bytes\": ", d ? "," : "", d,
            numapool_topology_domain_node(topology, d));
    if (memory == UINT64_MAX)
      fputs("null", out);
    else
      fprintf(out, "%llu", (unsigned long long)memory);
    fputs(", \"cpus\": ", out);
    json_int_list(out, cpus, cpu_count);
    fputc('}', out);
    free(cpus);
  }

  size_t node_count = numapool_topology_memory_nodes(topology, NULL, 0);
  int *nodes = calloc(node_count + 1, sizeof *nodes);
  node_count = nodes != NULL ? numapool_topology_memory_nodes(topology, nodes, node_count) : 0;
  fputs("],\n \"memory_nodes\": ", out);
  json_int_list(out, nodes, node_count);
  free(nodes);

  fputs(",\n \"distances\": [", out);
  for (size_t i = 0; i < domains; i++) {
    fputs(i ? ", [" : "[", out);
    for (size_t j = 0; j < domains; j++)
      fprintf(out, "%s%u", j ? ", " : "", numapool_topology_distance(topology, i, j));
    fputc(']', out);
  }
  fputc(']', out);
}

static void json_pool(FILE *out, const pool_places_t *pool) {
  fprintf(out, "\n  {\"threads\": %zu, \"description\": ", pool->threads);
  if (pool->description != NULL)
    perf_json_write_string(out, pool->description);
  else
    fputs("null", out);
  fputs(",\n   \"workers\": [", out);
  for (size_t i = 0; i < pool->threads; i++) {
    const numapool_thread_place_t *place = &pool->places[i];
    fprintf(out, "%s\n    {\"thread\": %zu, ", i ? "," : "", i);
    if (pool->status[i] != 0) {
      fputs("\"error\": ", out);
      perf_json_write_string(out, numapool_strerror(pool->status[i]));
      fputc('}', out);
      continue;
    }
    fprintf(out,
            "\"domain\": %zu, \"node\": %d, \"index_in_domain\": %zu, "
            "\"threads_in_domain\": %zu, \"domain_count\": %zu}",
            place->domain, place->node, place->index_in_domain, place->threads_in_domain,
            place->domain_count);
  }
  fputs("]}", out);
}

static void write_json(FILE *out, const topology_run_t *run, const perf_options_t *options,
                       int argc, char **argv) {
  fprintf(out, "{\"schema\": \"numapool-perf-topology/1\",\n ");
  perf_json_write_command(out, "topology", argc, argv);
  fputs(",\n ", out);
  perf_machine_write_json(out);
  fputs(",\n \"options\": {\"subcommand\": \"topology\", \"threads\": [", out);
  for (size_t i = 0; i < options->thread_list_count; i++)
    fprintf(out, "%s%zu", i ? ", " : "", options->threads[i]);
  fputs("], \"topology\": ", out);
  perf_json_write_string(out, options->topology != NULL ? options->topology : "default");
  fprintf(out, ", \"bind\": \"%s\"}", bind_names[options->bind]);

  fputs(",\n \"source\": {\"from\": ", out);
  perf_json_write_string(out, run->source_from);
  fputs(", \"value\": ", out);
  if (run->source_value != NULL)
    perf_json_write_string(out, run->source_value);
  else
    fputs("null", out);
  fprintf(out, ", \"simulated\": %s}", run->simulated ? "true" : "false");

  json_topology(out, run->topology);
  fputs(",\n \"pools\": [", out);
  for (size_t p = 0; p < run->pool_count; p++) {
    fputs(p ? "," : "", out);
    json_pool(out, &run->pools[p]);
  }
  fputs("]}\n", out);
}

/* CSV: one row per thread of each pool. */
static void write_csv(FILE *out, const topology_run_t *run) {
  fputs("threads,thread,domain,node,index_in_domain,threads_in_domain,domain_count,error\n", out);
  for (size_t p = 0; p < run->pool_count; p++) {
    const pool_places_t *pool = &run->pools[p];
    for (size_t i = 0; i < pool->threads; i++) {
      const numapool_thread_place_t *place = &pool->places[i];
      if (pool->status[i] != 0)
        fprintf(out, "%zu,%zu,,,,,,\"%s\"\n", pool->threads, i, numapool_strerror(pool->status[i]));
      else
        fprintf(out, "%zu,%zu,%zu,%d,%zu,%zu,%zu,\n", pool->threads, i, place->domain, place->node,
                place->index_in_domain, place->threads_in_domain, place->domain_count);
    }
  }
}

static void write_format(FILE *out, const topology_run_t *run, const perf_options_t *options,
                         perf_format_t format, int argc, char **argv) {
  if (format == PERF_FORMAT_JSON)
    write_json(out, run, options, argc, argv);
  else if (format == PERF_FORMAT_CSV)
    write_csv(out, run);
  else
    write_table(out, run, options);
}

/* Writes the output to stdout and, with --report, to the file, by the
 * same rule as the benchmarks' reports. */
static int write_outputs(const topology_run_t *run, const perf_options_t *options, int argc,
                         char **argv) {
  write_format(stdout, run, options, options->format, argc, argv);
  fflush(stdout);
  const char *path = options->report_path;
  if (path == NULL)
    return 0;

  size_t length = strlen(path);
  bool csv =
      options->format == PERF_FORMAT_CSV || (length >= 4 && strcmp(path + length - 4, ".csv") == 0);
  FILE *file = fopen(path, "w");
  if (file == NULL) {
    fprintf(stderr, "numapool-perf topology: cannot write the report to %s: %s\n", path,
            strerror(errno));
    return PERF_EXIT_FAILED;
  }
  write_format(file, run, options, csv ? PERF_FORMAT_CSV : PERF_FORMAT_JSON, argc, argv);
  if (fclose(file) != 0) {
    fprintf(stderr, "numapool-perf topology: writing %s failed: %s\n", path, strerror(errno));
    return PERF_EXIT_FAILED;
  }
  return 0;
}

/* The common options that change what topology prints. */
static const char *const topology_options[] = {"--threads", "--topology", "--bind",
                                               "--format",  "--report",   NULL};

int perf_topology_main(int argc, char **argv) {
  perf_options_t options;
  int status = perf_options_parse(
      &options, "topology",
      "Prints the machine, the NUMA domains numapool sees, and where each thread of a\n"
      "pool created with --threads, --topology and --bind would run. Thread 0 is the\n"
      "calling thread and is never bound.",
      NULL, 0, topology_options, argc, argv);
  if (status != 0) {
    perf_options_free(&options);
    return status == 1 ? 0 : status;
  }

  topology_run_t run;
  memset(&run, 0, sizeof run);
  for (size_t t = 0; t < options.thread_list_count && status == 0; t++)
    status = read_places(&run, &options, options.threads[t]);
  if (status == 0)
    status = write_outputs(&run, &options, argc, argv);
  run_free(&run);
  perf_options_free(&options);
  return status;
}
