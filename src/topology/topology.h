/* The machine as the pool models it: NUMA domains, each with the allowed CPUs
 * whose memory is local to it, and the distances between domains. */
#ifndef NUMAPOOL_TOPOLOGY_TOPOLOGY_H
#define NUMAPOOL_TOPOLOGY_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hwloc.h>
#include <numapool/export.h>

typedef struct numapool__domain {
  int node;          /* OS index of the NUMA node, or -1 when unknown */
  size_t cpu_count;  /* allowed, online CPUs of the domain */
  int *cpus;         /* their OS indices; simulated indices when simulated */
  /* Bytes of memory local to the node, 0 for a node with CPUs and no
   * memory, UINT64_MAX when hwloc does not report it. */
  uint64_t memory;
} numapool__domain_t;

/* The public numapool_topology_t is this structure. Written once by
 * numapool__topology_load and read-only afterwards, so any thread may read
 * it without synchronization. */
typedef struct numapool_topology {
  size_t domain_count;
  numapool__domain_t *domains;
  /* domain_count x domain_count relative distances, 10 on the diagonal as
   * in ACPI SLIT tables. */
  unsigned *distances;
  /* Source of the distances: "hwloc" (the OS or the XML file),
   * "hierarchy" (estimated from packages and groups) or "none" (one
   * domain). */
  const char *distance_source;
  /* The topology comes from a synthetic description, an XML file, or
   * hwloc's own HWLOC_XMLFILE/HWLOC_SYNTHETIC variables: its CPUs may not
   * exist here, so nothing may be bound to them. */
  bool simulated;
  /* Memory-only NUMA nodes (memory and no allowed CPU), by OS index. */
  size_t memory_node_count;
  int *memory_nodes;
  /* The real allowed CPUs of the process, for mapping simulated CPUs. */
  size_t real_cpu_count;
  int *real_cpus;
  /* CPUs hwloc lists as present but offline; not part of any domain. */
  size_t offline_cpu_count;
  /* Cores with some but not all of their PUs in the allowed set. */
  size_t partial_core_count;
  /* Reason the topology is flatter than the machine, or NULL. */
  const char *fallback_reason;
  /* The source string it was loaded from, or NULL for the machine. */
  char *source;
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

/* Builds the domains of a loaded hwloc topology (domains.c). allowed contains
 * the CPUs the process may use. Logs one diagnostic for each odd feature. */
NUMAPOOL_INTERNAL int numapool__topology_build_domains(numapool__topology_t *topology,
                                                       hwloc_topology_t hw,
                                                       hwloc_const_cpuset_t allowed);

/* One domain holding every allowed CPU, for machines without NUMA
 * information; reason is kept and logged once. */
NUMAPOOL_INTERNAL int numapool__topology_make_flat(numapool__topology_t *topology,
                                                   const char *reason);

/* Fills topology->distances (allocated by the caller) for the domains,
 * whose hwloc NUMA node objects are nodes[] (NULL for a domain without
 * one), from hwloc's latency matrix, else from the hierarchy
 * (distances.c). */
NUMAPOOL_INTERNAL void numapool__topology_fill_distances(numapool__topology_t *topology,
                                                         hwloc_topology_t hw,
                                                         hwloc_obj_t const *nodes);

/* Returns the allowed, online CPUs of the process (its affinity mask) in
 * cpus[0 .. returned count), at most capacity of them, in increasing order.
 * Returns 0 when the mask cannot be read. */
NUMAPOOL_INTERNAL size_t numapool__affinity_cpus(int *cpus, size_t capacity);

#endif /* NUMAPOOL_TOPOLOGY_TOPOLOGY_H */
