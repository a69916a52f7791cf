/* Topology loading: domains, CPUs, memory and distances of synthetic and
 * XML machines, the odd machines, the fallbacks, invalid sources, and the
 * text description. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/topology.h>

#include "check.h"
#include "fixtures.h"

static unsigned passed;

static numapool_topology_t *load(const char *source) {
  numapool_topology_t *topology = numapool_topology_create(source);
  CHECK_MSG(topology != NULL, source);
  return topology;
}

static void check_cpus(const numapool_topology_t *topology, size_t domain, int first,
                       size_t count) {
  int cpus[256];
  CHECK_UEQ(numapool_topology_domain_cpus(topology, domain, NULL, 0), count);
  CHECK_UEQ(numapool_topology_domain_cpus(topology, domain, cpus, 256), count);
  for (size_t i = 0; i < count; i++)
    CHECK_EQ(cpus[i], first + (int)i);
  passed += 2;
}

static void test_two_packages(void) {
  numapool_topology_t *topology = load(FIXTURE_TWO_BY_TWO);
  CHECK_UEQ(numapool_topology_domain_count(topology), 4);
  CHECK_EQ(numapool_topology_is_simulated(topology), 1);
  for (size_t d = 0; d < 4; d++) {
    CHECK_EQ(numapool_topology_domain_node(topology, d), (int)d);
    check_cpus(topology, d, 4 * (int)d, 4);
    CHECK(numapool_topology_domain_memory(topology, d) > 0);
  }

  /* No distances in a synthetic description: the hierarchy orders them,
   * the node in the same package nearer than the other package's. */
  for (size_t a = 0; a < 4; a++) {
    CHECK_UEQ(numapool_topology_distance(topology, a, a), 10);
    for (size_t b = 0; b < 4; b++) {
      CHECK_UEQ(numapool_topology_distance(topology, a, b),
                numapool_topology_distance(topology, b, a));
      if (a != b && a / 2 == b / 2)
        CHECK(numapool_topology_distance(topology, a, b) <
              numapool_topology_distance(topology, a, (b + 2) % 4));
    }
  }
  CHECK_UEQ(numapool_topology_memory_nodes(topology, NULL, 0), 0);
  CHECK_UEQ(numapool_topology_distance(topology, 4, 0), 0);
  CHECK_EQ(numapool_topology_domain_node(topology, 4), -1);
  numapool_topology_destroy(topology);
  passed += 8;
}

static void test_xml_distances(const fixtures_t *fixtures) {
  numapool_topology_t *topology = load(fixtures->distances);
  CHECK_UEQ(numapool_topology_domain_count(topology), 4);
  for (size_t a = 0; a < 4; a++) {
    check_cpus(topology, a, 2 * (int)a, 2);
    for (size_t b = 0; b < 4; b++)
      CHECK_UEQ(numapool_topology_distance(topology, a, b), fixture_distances[a * 4 + b]);
  }
  numapool_topology_destroy(topology);
  passed += 2;
}

/* A memory-less node keeps its CPUs as a domain, and a CPU-less node with
 * memory is a memory target only. The disallowed PU of the partly allowed
 * core is left out. */
static void test_odd_machine(const fixtures_t *fixtures) {
  numapool_topology_t *topology = load(fixtures->odd);
  CHECK_UEQ(numapool_topology_domain_count(topology), 2);
  CHECK_EQ(numapool_topology_domain_node(topology, 0), 0);
  CHECK_EQ(numapool_topology_domain_node(topology, 1), 1);
  check_cpus(topology, 0, 0, 4);
  check_cpus(topology, 1, 4, 3);
  CHECK_UEQ(numapool_topology_domain_memory(topology, 0), 1ull << 30);
  CHECK_UEQ(numapool_topology_domain_memory(topology, 1), 0);

  int nodes[4] = {-1, -1, -1, -1};
  CHECK_UEQ(numapool_topology_memory_nodes(topology, nodes, 4), 1);
  CHECK_EQ(nodes[0], 2);
  CHECK(numapool_topology_distance(topology, 0, 1) > 10);
  numapool_topology_destroy(topology);

  numapool_options_t options = {.topology = fixtures->odd, .thread_count = 4};
  char text[4096];
  int length = numapool_topology_describe(&options, text, sizeof(text));
  CHECK(length > 0);
  CHECK((size_t)length < sizeof(text));
  CHECK_MSG(strstr(text, "cores partly allowed: 1\n") != NULL, text);
  CHECK_MSG(strstr(text, "domain 1: node 1, memory none, 3 CPUs: 4-6\n") != NULL, text);
  CHECK_MSG(strstr(text, "memory-only nodes: 2\n") != NULL, text);
  passed += 12;
}

static void test_many_cpus(void) {
  numapool_topology_t *topology = load(FIXTURE_MANY_CPUS);
  CHECK_UEQ(numapool_topology_domain_count(topology), 4);
  size_t total = 0;
  for (size_t d = 0; d < 4; d++)
    total += numapool_topology_domain_cpus(topology, d, NULL, 0);
  CHECK_UEQ(total, 144);
  check_cpus(topology, 3, 108, 36);
  numapool_topology_destroy(topology);
  passed += 2;
}

static size_t affinity_count(void) {
  cpu_set_t set;
  CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
  return (size_t)CPU_COUNT(&set);
}

/* The real machine: every CPU of the affinity mask is in exactly one
 * domain. */
static void test_machine(void) {
  numapool_topology_t *topology = load(NULL);
  size_t domains = numapool_topology_domain_count(topology);
  CHECK(domains >= 1);
  CHECK_EQ(numapool_topology_is_simulated(topology), 0);
  size_t total = 0;
  for (size_t d = 0; d < domains; d++)
    total += numapool_topology_domain_cpus(topology, d, NULL, 0);
  CHECK_UEQ(total, affinity_count());
  numapool_topology_destroy(topology);

  numapool_t *pool = numapool_create(NULL);
  CHECK(pool != NULL);
  CHECK_UEQ(numapool_topology_domain_count(numapool_get_topology(pool)), domains);
  numapool_destroy(pool);
  CHECK(numapool_get_topology(NULL) == NULL);
  passed += 5;
}

static void check_rejected(const char *source) {
  errno = 0;
  CHECK_MSG(numapool_topology_create(source) == NULL, source);
  CHECK_EQ(errno, EINVAL);

  numapool_options_t options = {.topology = source};
  errno = 0;
  numapool_t *pool = numapool_create(&options);
  CHECK_MSG(pool == NULL, source);
  CHECK_EQ(errno, EINVAL);
  passed += 4;
}

static void test_invalid_sources(const fixtures_t *fixtures) {
  check_rejected("synthetic:pack:two");
  check_rejected("synthetic:");
  check_rejected("xml:");
  check_rejected("xml:/nonexistent/numapool/topology.xml");
  check_rejected("lstopo");
  check_rejected(fixtures->garbage);
  check_rejected(fixtures->empty);

  /* The environment variable is checked the same way. */
  CHECK(setenv("NUMAPOOL_TOPOLOGY", "synthetic:numa:0", 1) == 0);
  errno = 0;
  CHECK(numapool_create(NULL) == NULL);
  CHECK_EQ(errno, EINVAL);
  CHECK(setenv("NUMAPOOL_TOPOLOGY", FIXTURE_TWO_BY_TWO, 1) == 0);
  numapool_t *pool = numapool_create(NULL);
  CHECK(pool != NULL);
  CHECK_UEQ(numapool_topology_domain_count(numapool_get_topology(pool)), 4);
  numapool_destroy(pool);
  CHECK(unsetenv("NUMAPOOL_TOPOLOGY") == 0);
  passed += 5;
}

/* hwloc failing on the real machine gives one flat domain of the allowed
 * CPUs, not an error. */
static void test_hwloc_failure(void) {
#if NUMAPOOL_TEST_HOOKS
  CHECK(setenv("NUMAPOOL_TEST_HWLOC_FAIL", "1", 1) == 0);
  numapool_topology_t *topology = load(NULL);
  CHECK_UEQ(numapool_topology_domain_count(topology), 1);
  CHECK_EQ(numapool_topology_domain_node(topology, 0), -1);
  CHECK_UEQ(numapool_topology_domain_cpus(topology, 0, NULL, 0), affinity_count());
  numapool_topology_destroy(topology);
  CHECK(unsetenv("NUMAPOOL_TEST_HWLOC_FAIL") == 0);
  passed += 3;
#else
  printf("hwloc failure: not checked, the library is built without test hooks\n");
#endif
}

static void test_describe(void) {
  numapool_options_t options = {.topology = FIXTURE_TWO_BY_TWO, .thread_count = 6};
  int length = numapool_topology_describe(&options, NULL, 0);
  CHECK(length > 0);
  char *text = malloc((size_t)length + 1);
  CHECK(text != NULL);
  CHECK_EQ(numapool_topology_describe(&options, text, (size_t)length + 1), length);
  CHECK_UEQ(strlen(text), (size_t)length);
  CHECK_MSG(strstr(text, "domains: 4\n") != NULL, text);
  CHECK_MSG(strstr(text, "domain 2: node 2, memory 1024 MiB, 4 CPUs: 8-11\n") != NULL, text);
  CHECK_MSG(strstr(text, "threads: 6, binding: none\n") != NULL, text);
  CHECK_MSG(strstr(text, "thread 5: domain 3, node 3, cpu 12") != NULL, text);

  /* A short buffer gets a cut, terminated text and the full length. */
  char small[16];
  CHECK_EQ(numapool_topology_describe(&options, small, sizeof(small)), length);
  CHECK_UEQ(strlen(small), sizeof(small) - 1);
  CHECK(strncmp(small, text, sizeof(small) - 1) == 0);
  free(text);

  CHECK_EQ(numapool_topology_describe(&options, NULL, 8), NUMAPOOL_EINVAL);
  numapool_options_t invalid = {.topology = "synthetic:bogus"};
  CHECK_EQ(numapool_topology_describe(&invalid, small, sizeof(small)), NUMAPOOL_EINVAL);
  passed += 12;
}

int main(void) {
  fixtures_t fixtures;
  fixtures_write(&fixtures);
  test_two_packages();
  test_xml_distances(&fixtures);
  test_odd_machine(&fixtures);
  test_many_cpus();
  test_machine();
  test_invalid_sources(&fixtures);
  test_hwloc_failure();
  test_describe();
  fixtures_remove(&fixtures);
  return check_done("topology_load", passed);
}
