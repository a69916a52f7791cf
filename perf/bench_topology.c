/* numapool-perf topology: the machine, its domains, and where each thread
 * of a pool created with the given options would run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"

typedef int (*describe_fn)(const numapool_options_t *, char *, size_t);

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

/* Prints numapool_topology_describe()'s text when the library has it. */
static void print_description(const perf_options_t *options, size_t threads) {
  int status;
  char *text = describe_topology(options, threads, &status);
  size_t length = text != NULL ? strlen(text) : 0;
  if (text != NULL)
    printf("%s%s", text, length > 0 && text[length - 1] != '\n' ? "\n" : "");
  else if (status != NUMAPOOL_ENOTSUP)
    printf("numapool_topology_describe failed: %s\n", numapool_strerror(status));
  free(text);
}

/* Prints each thread's domain and node from numapool_thread_place(). */
static int print_places(const perf_options_t *options, size_t threads) {
  numapool_t *pool = perf_pool_create(options, threads);
  if (pool == NULL)
    return PERF_EXIT_FAILED;
  size_t count = numapool_get_thread_count(pool);
  printf("pool of %zu threads:\n  %-7s %-7s %-16s %s\n", count, "thread", "domain",
         "index in domain", "node");
  for (size_t i = 0; i < count; i++) {
    numapool_thread_place_t place;
    int status = numapool_thread_place(pool, i, &place);
    if (status != 0) {
      printf("  %-7zu %s\n", i, numapool_strerror(status));
      continue;
    }
    printf("  %-7zu %zu/%-5zu %zu/%-14zu %d\n", i, place.domain, place.domain_count,
           place.index_in_domain, place.threads_in_domain, place.node);
  }
  numapool_destroy(pool);
  return 0;
}

int perf_topology_main(int argc, char **argv) {
  perf_options_t options;
  int status = perf_options_parse(
      &options, "topology",
      "Prints the machine, the NUMA domains numapool sees, and where each thread of a\n"
      "pool created with --threads, --topology and --bind would run. Thread 0 is the\n"
      "calling thread and is never bound.",
      NULL, 0, argc, argv);
  if (status != 0) {
    perf_options_free(&options);
    return status == 1 ? 0 : status;
  }

  perf_machine_write_table(stdout);
  static const char *const binds[] = {"default", "none", "node", "core"};
  printf("topology source: %s, binding: %s\n\n",
         options.topology != NULL ? options.topology : "default (NUMAPOOL_TOPOLOGY or hwloc)",
         binds[options.bind]);
  for (size_t t = 0; t < options.thread_list_count && status == 0; t++) {
    print_description(&options, options.threads[t]);
    status = print_places(&options, options.threads[t]);
    printf("\n");
  }
  perf_options_free(&options);
  return status;
}
