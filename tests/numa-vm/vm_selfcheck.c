/* Self-check of the emulated NUMA machine that ci/numa-vm.sh boots: the
 * guest must show the node count, CPU-to-node map and distance matrix the
 * runner requested from QEMU, and memory that libnuma allocates on a node must
 * lie on that node. It uses libnuma only, so it proves the runner works
 * before any numapool test runs inside the guest.
 *
 * The runner passes the expected machine in the environment:
 *   NUMAPOOL_VM_NODES      node count
 *   NUMAPOOL_VM_CPUS       CPU count
 *   NUMAPOOL_VM_CPU_NODES  node of each CPU, space separated
 *   NUMAPOOL_VM_DISTANCES  distance matrix, row-major, space separated
 * Without NUMAPOOL_VM_NODES the program is not inside the emulated machine
 * and exits with status 77 (skipped). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SKIP_STATUS 77
#define MAX_VALUES 4096
#define PLACEMENT_BYTES (8u << 20)
#define EBUSY_RETRIES 20

static unsigned failures;

static void report_failure(const char *check, long long actual, long long expected)
{
  fprintf(stderr, "vm_selfcheck: FAIL %s: got %lld, expected %lld\n", check, actual, expected);
  failures++;
}

/* Parses a space-separated list of non-negative integers from the
 * environment variable name into values; returns the count or -1. */
static int read_env_list(const char *name, long *values, int capacity)
{
  const char *text = getenv(name);
  if (text == NULL) {
    fprintf(stderr, "vm_selfcheck: FAIL environment variable %s is missing\n", name);
    return -1;
  }

  int count = 0;
  char *end = NULL;
  for (const char *cursor = text; *cursor != '\0'; cursor = end) {
    while (*cursor == ' ')
      cursor++;
    if (*cursor == '\0')
      break;
    errno = 0;
    long value = strtol(cursor, &end, 10);
    if (errno != 0 || end == cursor || value < 0 || count == capacity) {
      fprintf(stderr, "vm_selfcheck: FAIL %s=\"%s\" is not a list of at most %d integers\n",
              name, text, capacity);
      return -1;
    }
    values[count++] = value;
  }
  return count;
}

static void check_counts(long nodes, long cpus)
{
  int configured_nodes = numa_num_configured_nodes();
  if (configured_nodes != nodes)
    report_failure("numa_num_configured_nodes()", configured_nodes, nodes);

  int configured_cpus = numa_num_configured_cpus();
  if (configured_cpus != cpus)
    report_failure("numa_num_configured_cpus()", configured_cpus, cpus);

  long online_cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (online_cpus != cpus)
    report_failure("sysconf(_SC_NPROCESSORS_ONLN)", online_cpus, cpus);
}

static void check_cpu_nodes(const long *cpu_nodes, int cpus)
{
  char check[64];
  for (int cpu = 0; cpu < cpus; cpu++) {
    int node = numa_node_of_cpu(cpu);
    if (node != cpu_nodes[cpu]) {
      snprintf(check, sizeof check, "numa_node_of_cpu(%d)", cpu);
      report_failure(check, node, cpu_nodes[cpu]);
    }
  }
}

static void check_distances(const long *distances, int nodes)
{
  char check[64];
  for (int from = 0; from < nodes; from++) {
    for (int to = 0; to < nodes; to++) {
      int distance = numa_distance(from, to);
      long expected = distances[from * nodes + to];
      if (distance != expected) {
        snprintf(check, sizeof check, "numa_distance(%d, %d)", from, to);
        report_failure(check, distance, expected);
      }
    }
  }
}

/* Queries the node of each page with move_pages and no target nodes. A page
 * can report -EBUSY while the kernel works on it, so those pages are queried
 * again one by one. Returns 0, or -1 when the query itself failed. */
static int query_page_nodes(void **pages, int *status, unsigned long count)
{
  if (move_pages(0, count, pages, NULL, status, 0) != 0) {
    fprintf(stderr, "vm_selfcheck: FAIL move_pages query of %lu pages: %s\n", count,
            strerror(errno));
    return -1;
  }

  for (unsigned long page = 0; page < count; page++) {
    for (int retry = 0; status[page] == -EBUSY && retry < EBUSY_RETRIES; retry++) {
      usleep(1000);
      if (move_pages(0, 1, &pages[page], NULL, &status[page], 0) != 0) {
        fprintf(stderr, "vm_selfcheck: FAIL move_pages query of page %lu: %s\n", page,
                strerror(errno));
        return -1;
      }
    }
  }
  return 0;
}

/* Allocates a buffer on node with numa_alloc_onnode, writes every page and
 * checks that every page lies on node. */
static void check_placement(int node)
{
  long page_size = sysconf(_SC_PAGESIZE);
  unsigned long count = PLACEMENT_BYTES / (unsigned long)page_size;
  char *buffer = numa_alloc_onnode(PLACEMENT_BYTES, node);
  void **pages = calloc(count, sizeof *pages);
  int *status = calloc(count, sizeof *status);
  if (buffer == NULL || pages == NULL || status == NULL) {
    fprintf(stderr, "vm_selfcheck: FAIL allocation of %u bytes for node %d failed\n",
            PLACEMENT_BYTES, node);
    failures++;
    goto out;
  }

  memset(buffer, 0x5a, PLACEMENT_BYTES);
  for (unsigned long page = 0; page < count; page++)
    pages[page] = buffer + page * (unsigned long)page_size;
  if (query_page_nodes(pages, status, count) != 0) {
    failures++;
    goto out;
  }

  unsigned long on_node = 0;
  unsigned long first_misplaced = count;
  for (unsigned long page = 0; page < count; page++) {
    if (status[page] == node)
      on_node++;
    else if (first_misplaced == count)
      first_misplaced = page;
  }
  if (first_misplaced != count)
    fprintf(stderr, "vm_selfcheck: page %lu of the node %d buffer has status %d\n",
            first_misplaced, node, status[first_misplaced]);
  printf("vm_selfcheck: node %d: %lu of %lu pages on node %d\n", node, on_node, count, node);
  if (on_node != count) {
    char check[64];
    snprintf(check, sizeof check, "pages of numa_alloc_onnode(node %d) on node %d", node, node);
    report_failure(check, (long long)on_node, (long long)count);
  }

out:
  free(status);
  free(pages);
  if (buffer != NULL)
    numa_free(buffer, PLACEMENT_BYTES);
}

int main(void)
{
  long nodes = 0;
  long cpus = 0;
  static long cpu_nodes[MAX_VALUES];
  static long distances[MAX_VALUES];

  /* Line buffering keeps stdout and stderr lines in order in one log. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (getenv("NUMAPOOL_VM_NODES") == NULL) {
    printf("vm_selfcheck: SKIP NUMAPOOL_VM_NODES is not set; run it inside ci/numa-vm.sh\n");
    return SKIP_STATUS;
  }
  if (read_env_list("NUMAPOOL_VM_NODES", &nodes, 1) != 1 ||
      read_env_list("NUMAPOOL_VM_CPUS", &cpus, 1) != 1 ||
      read_env_list("NUMAPOOL_VM_CPU_NODES", cpu_nodes, MAX_VALUES) != cpus ||
      read_env_list("NUMAPOOL_VM_DISTANCES", distances, MAX_VALUES) != nodes * nodes) {
    fprintf(stderr, "vm_selfcheck: FAIL the NUMAPOOL_VM_* variables do not describe a machine\n");
    return 1;
  }
  if (numa_available() != 0) {
    fprintf(stderr, "vm_selfcheck: FAIL numa_available() returned -1 inside the guest\n");
    return 1;
  }

  check_counts(nodes, cpus);
  check_cpu_nodes(cpu_nodes, (int)cpus);
  check_distances(distances, (int)nodes);
  for (int node = 0; node < nodes; node++) {
    if (numa_node_size64(node, NULL) > 0)
      check_placement(node);
  }

  if (failures != 0) {
    fprintf(stderr, "vm_selfcheck: %u checks failed\n", failures);
    return 1;
  }
  printf("vm_selfcheck: passed (%ld nodes, %ld CPUs)\n", nodes, cpus);
  return 0;
}
