/* Fuzzes the topology source of numapool_create: hwloc synthetic
 * descriptions and XML files, and the pool built on whatever topology
 * they give (domains without CPUs, memory-only nodes, odd distances).
 *
 * Input: byte 0 picks the source kind (bit 0: XML, else synthetic) and,
 * in bits 1-2, the thread count 1..4; the rest is the description or the
 * XML text.
 *
 * XML inputs run only with NUMAPOOL_FUZZ_XML=1 in the environment. The
 * XML parser is hwloc's, and hwloc 2.9.0 crashes on small mutations of a
 * valid file: a Machine object whose complete_cpuset attribute is
 * misspelled crashes hwloc_topology_load (lstopo -i crashes too). */
#include <ctype.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <numapool/numapool.h>
#include <numapool/topology.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define MAX_TEXT 4096
/* Synthetic descriptions multiply their counts: keep the machine small so
 * hwloc's work stays bounded. */
#define MAX_SYNTHETIC_PRODUCT 512

static bool xml_enabled;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  setenv("NUMAPOOL_LOG", "none", 1);
  const char *xml = getenv("NUMAPOOL_FUZZ_XML");
  xml_enabled = xml != NULL && strcmp(xml, "1") == 0;
  return 0;
}

/* Returns the product of the decimal numbers in text, capped. */
static unsigned long long number_product(const char *text) {
  unsigned long long product = 1;
  while (*text != '\0') {
    if (!isdigit((unsigned char)*text)) {
      text++;
      continue;
    }
    unsigned long long number = 0;
    while (isdigit((unsigned char)*text) && number < 1000000)
      number = number * 10 + (unsigned long long)(*text++ - '0');
    if (number > 1)
      product *= number;
    if (product > MAX_SYNTHETIC_PRODUCT)
      return product;
  }
  return product;
}

typedef struct tally {
  atomic_uint hits[64];
  atomic_uint bad_threads;
  size_t threads;
} tally_t;

static void tally_task(void *context, size_t thread_index, size_t start, size_t extent) {
  tally_t *tally = context;
  if (thread_index >= tally->threads)
    atomic_fetch_add(&tally->bad_threads, 1);
  for (size_t i = start; i < start + extent; i++)
    atomic_fetch_add(&tally->hits[i], 1);
}

static void team_task(void *context, numapool_team_t *team, size_t thread_index,
                      size_t thread_count) {
  atomic_uint *errors = context;
  numapool_thread_place_t place;
  if (numapool_team_place(team, thread_index, &place) != 0 ||
      place.domain >= place.domain_count || place.index_in_domain >= place.threads_in_domain)
    atomic_fetch_add(errors, 1);
  numapool_team_domain_barrier(team, thread_index);
  numapool_team_barrier(team);
  (void)thread_count;
}

/* Uses the pool the way a kernel does and aborts on any wrong result. */
static void exercise(numapool_t *pool) {
  static tally_t tally;
  memset(&tally, 0, sizeof(tally));
  tally.threads = numapool_get_thread_count(pool);
  if (numapool_parallel_for_1d(pool, 64, 1, tally_task, &tally, 0) != 0)
    abort();
  for (size_t i = 0; i < 64; i++)
    if (atomic_load(&tally.hits[i]) != 1)
      abort();
  if (atomic_load(&tally.bad_threads) != 0)
    abort();

  atomic_uint errors = 0;
  if (numapool_team_run(pool, team_task, &errors, 0) != 0 || atomic_load(&errors) != 0)
    abort();
  for (size_t i = 0; i < tally.threads; i++) {
    numapool_thread_place_t place;
    if (numapool_thread_place(pool, i, &place) != 0 || place.domain >= place.domain_count)
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > MAX_TEXT)
    return 0;
  bool xml = (data[0] & 1) != 0 && xml_enabled;
  size_t threads = 1 + ((data[0] >> 1) & 3);
  data++;
  size--;

  char source[MAX_TEXT + 64];
  char path[64] = "";
  if (xml) {
    snprintf(path, sizeof(path), "/tmp/numapool-fuzz-%d.xml", (int)getpid());
    FILE *file = fopen(path, "wb");
    if (file == NULL)
      return 0;
    fwrite(data, 1, size, file);
    fclose(file);
    snprintf(source, sizeof(source), "xml:%s", path);
  } else {
    if (memchr(data, '\0', size) != NULL)
      return 0;
    memcpy(source, "synthetic:", 10);
    memcpy(source + 10, data, size);
    source[10 + size] = '\0';
    if (number_product(source) > MAX_SYNTHETIC_PRODUCT)
      return 0;
  }

  numapool_options_t options = {.thread_count = threads, .topology = source};
  numapool_t *pool = numapool_create(&options);
  if (pool != NULL) {
    if (numapool_get_thread_count(pool) != threads)
      abort();
    exercise(pool);
    numapool_destroy(pool);
  }

  numapool_topology_t *topology = numapool_topology_create(source);
  if (topology != NULL) {
    size_t domains = numapool_topology_domain_count(topology);
    if (domains == 0)
      abort();
    for (size_t d = 0; d < domains; d++) {
      int cpus[64];
      (void)numapool_topology_domain_cpus(topology, d, cpus, 64);
      for (size_t e = 0; e < domains; e++)
        (void)numapool_topology_distance(topology, d, e);
    }
    numapool_topology_destroy(topology);
  }
  char text[512];
  (void)numapool_topology_describe(&options, text, sizeof(text));

  if (xml)
    unlink(path);
  return 0;
}
