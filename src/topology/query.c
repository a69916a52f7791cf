/* The public, read-only queries on a topology. */
#include <errno.h>

#include <numapool/topology.h>

#include "topology/topology.h"

numapool_topology_t *numapool_topology_create(const char *source) {
  numapool__topology_t *topology = NULL;
  int status = numapool__topology_load(source, &topology);
  if (status != 0) {
    errno = -status;
    return NULL;
  }
  return topology;
}

void numapool_topology_destroy(numapool_topology_t *topology) {
  numapool__topology_free(topology);
}

size_t numapool_topology_domain_count(const numapool_topology_t *topology) {
  return topology != NULL ? topology->domain_count : 0;
}

static const numapool__domain_t *domain_at(const numapool_topology_t *topology, size_t domain) {
  if (topology == NULL || domain >= topology->domain_count)
    return NULL;
  return &topology->domains[domain];
}

int numapool_topology_domain_node(const numapool_topology_t *topology, size_t domain) {
  const numapool__domain_t *entry = domain_at(topology, domain);
  return entry != NULL ? entry->node : -1;
}

/* Copies up to capacity values and returns the full count. */
static size_t copy_ints(const int *values, size_t count, int *out, size_t capacity) {
  if (out != NULL)
    for (size_t i = 0; i < count && i < capacity; i++)
      out[i] = values[i];
  return count;
}

size_t numapool_topology_domain_cpus(const numapool_topology_t *topology, size_t domain,
                                     int cpus[], size_t capacity) {
  const numapool__domain_t *entry = domain_at(topology, domain);
  if (entry == NULL)
    return 0;
  return copy_ints(entry->cpus, entry->cpu_count, cpus, capacity);
}

uint64_t numapool_topology_domain_memory(const numapool_topology_t *topology, size_t domain) {
  const numapool__domain_t *entry = domain_at(topology, domain);
  return entry != NULL ? entry->memory : UINT64_MAX;
}

unsigned numapool_topology_distance(const numapool_topology_t *topology, size_t from,
                                    size_t to) {
  if (domain_at(topology, from) == NULL || domain_at(topology, to) == NULL)
    return 0;
  return topology->distances[from * topology->domain_count + to];
}

size_t numapool_topology_memory_nodes(const numapool_topology_t *topology, int nodes[],
                                      size_t capacity) {
  if (topology == NULL)
    return 0;
  return copy_ints(topology->memory_nodes, topology->memory_node_count, nodes, capacity);
}

int numapool_topology_is_simulated(const numapool_topology_t *topology) {
  if (topology == NULL)
    return NUMAPOOL_EINVAL;
  return topology->simulated ? 1 : 0;
}
