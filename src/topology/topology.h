/* The machine as the pool sees it: NUMA domains, each with the allowed CPUs
 * whose memory is local to it, and the distances between domains. */
#ifndef NUMAPOOL_TOPOLOGY_TOPOLOGY_H
#define NUMAPOOL_TOPOLOGY_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>

#include <numapool/export.h>

typedef struct numapool__domain {
  int node;          /* OS index of the NUMA node, or -1 when unknown */
  size_t cpu_count;  /* allowed, online CPUs of the domain */
  int *cpus;         /* their OS indices; simulated indices when simulated */
} numapool__domain_t;

typedef struct numapool__topology {
  size_t domain_count;
  numapool__domain_t *domains;
  /* domain_count x domain_count relative distances, 10 on the diagonal as
   * in ACPI SLIT tables. */
  unsigned *distances;
  /* The topology comes from a synthetic description or an XML file: its
   * CPUs do not exist here, so nothing may be bound to them. */
  bool simulated;
  /* Memory-only NUMA nodes (memory and no allowed CPU), by OS index. */
  size_t memory_node_count;
  int *memory_nodes;
  /* The real allowed CPUs of the process, for mapping simulated CPUs. */
  size_t real_cpu_count;
  int *real_cpus;
  /* Why the topology is flatter than the machine, or NULL. */
  const char *fallback_reason;
} numapool__topology_t;

/* Loads the topology. source is NULL (the NUMAPOOL_TOPOLOGY environment
 * variable, else the machine), "synthetic:<description>" or "xml:<path>".
 * Returns 0, NUMAPOOL_EINVAL for an invalid source (logged with the
 * reason), or NUMAPOOL_ENOMEM. A machine that hwloc cannot describe gives
 * one flat domain of the allowed CPUs, with the reason logged once. */
NUMAPOOL_INTERNAL int numapool__topology_load(const char *source, numapool__topology_t **topology);

NUMAPOOL_INTERNAL void numapool__topology_free(numapool__topology_t *topology);

/* Total CPUs over all domains. */
NUMAPOOL_INTERNAL size_t numapool__topology_cpu_count(const numapool__topology_t *topology);

/* Returns the allowed, online CPUs of the process (its affinity mask) in
 * cpus[0 .. returned count), at most capacity of them, in increasing order.
 * Returns 0 when the mask cannot be read. */
NUMAPOOL_INTERNAL size_t numapool__affinity_cpus(int *cpus, size_t capacity);

#endif /* NUMAPOOL_TOPOLOGY_TOPOLOGY_H */
