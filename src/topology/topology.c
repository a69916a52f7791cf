#include "topology/topology.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>
#include <numapool/numapool.h>

#include "common/log.h"

/* The most CPUs numapool handles in one process. */
#define MAX_CPUS 65536

static const char *const synthetic_prefix = "synthetic:";
static const char *const xml_prefix = "xml:";

void numapool__topology_free(numapool__topology_t *topology) {
  if (topology == NULL)
    return;
  for (size_t d = 0; d < topology->domain_count; d++)
    free(topology->domains[d].cpus);
  free(topology->domains);
  free(topology->distances);
  free(topology->memory_nodes);
  free(topology->real_cpus);
  free(topology);
}

size_t numapool__topology_cpu_count(const numapool__topology_t *topology) {
  size_t total = 0;
  for (size_t d = 0; d < topology->domain_count; d++)
    total += topology->domains[d].cpu_count;
  return total;
}

static int load_real_cpus(numapool__topology_t *topology) {
  int *cpus = malloc(MAX_CPUS * sizeof(int));
  if (cpus == NULL)
    return NUMAPOOL_ENOMEM;
  size_t count = numapool__affinity_cpus(cpus, MAX_CPUS);
  if (count == 0) {
    NUMAPOOL_WARN_ONCE("cannot read the process's CPU affinity mask; assuming CPU 0 only");
    cpus[0] = 0;
    count = 1;
  }
  topology->real_cpus = cpus;
  topology->real_cpu_count = count;
  return 0;
}

/* One domain holding every allowed CPU, for machines without NUMA
 * information. */
static int make_flat(numapool__topology_t *topology, const char *reason) {
  topology->domains = calloc(1, sizeof(numapool__domain_t));
  topology->distances = malloc(sizeof(unsigned));
  int *cpus = malloc(topology->real_cpu_count * sizeof(int));
  if (topology->domains == NULL || topology->distances == NULL || cpus == NULL) {
    free(cpus);
    return NUMAPOOL_ENOMEM;
  }
  memcpy(cpus, topology->real_cpus, topology->real_cpu_count * sizeof(int));
  topology->domain_count = 1;
  topology->domains[0].node = -1;
  topology->domains[0].cpus = cpus;
  topology->domains[0].cpu_count = topology->real_cpu_count;
  topology->distances[0] = 10;
  topology->fallback_reason = reason;
  return 0;
}

/* Applies a "synthetic:" or "xml:" source to an initialized hwloc
 * topology. Returns NUMAPOOL_EINVAL, with the reason logged, when hwloc
 * rejects it. */
static int apply_source(hwloc_topology_t hw, const char *source, bool *simulated) {
  *simulated = false;
  if (source == NULL || source[0] == '\0')
    return 0;

  size_t synthetic_length = strlen(synthetic_prefix);
  size_t xml_length = strlen(xml_prefix);
  if (strncmp(source, synthetic_prefix, synthetic_length) == 0) {
    if (hwloc_topology_set_synthetic(hw, source + synthetic_length) != 0) {
      NUMAPOOL_LOG_ERROR("invalid synthetic topology '%.200s': hwloc rejected the "
                         "description; write it as in hwloc's lstopo --input, for "
                         "example 'synthetic:pack:2 numa:1 core:2 pu:1'",
                         source + synthetic_length);
      return NUMAPOOL_EINVAL;
    }
  } else if (strncmp(source, xml_prefix, xml_length) == 0) {
    if (hwloc_topology_set_xml(hw, source + xml_length) != 0) {
      NUMAPOOL_LOG_ERROR("invalid topology XML file '%.200s': %s; write one with "
                         "'lstopo FILE.xml'",
                         source + xml_length, strerror(errno));
      return NUMAPOOL_EINVAL;
    }
  } else {
    NUMAPOOL_LOG_ERROR("invalid topology source '%.200s': expected "
                       "'synthetic:<description>' or 'xml:<path>'",
                       source);
    return NUMAPOOL_EINVAL;
  }
  *simulated = true;
  return 0;
}

/* Adds a domain for NUMA node `node` with the PUs of `cpuset` allowed for
 * this process. Real topologies keep only the CPUs of the affinity mask. */
static int add_domain(numapool__topology_t *topology, hwloc_topology_t hw, hwloc_obj_t node,
                      hwloc_const_cpuset_t allowed) {
  hwloc_bitmap_t cpuset = hwloc_bitmap_dup(node->cpuset);
  if (cpuset == NULL)
    return NUMAPOOL_ENOMEM;
  if (allowed != NULL)
    hwloc_bitmap_and(cpuset, cpuset, allowed);
  int weight = hwloc_bitmap_weight(cpuset);
  if (weight <= 0) {
    hwloc_bitmap_free(cpuset);
    return 0;
  }

  int *cpus = malloc((size_t)weight * sizeof(int));
  if (cpus == NULL) {
    hwloc_bitmap_free(cpuset);
    return NUMAPOOL_ENOMEM;
  }
  size_t count = 0;
  int pu;
  hwloc_bitmap_foreach_begin(pu, cpuset) { cpus[count++] = pu; }
  hwloc_bitmap_foreach_end();
  hwloc_bitmap_free(cpuset);
  (void)hw;

  numapool__domain_t *domain = &topology->domains[topology->domain_count++];
  domain->node = (int)node->os_index;
  domain->cpus = cpus;
  domain->cpu_count = count;
  return 0;
}

/* Fills the distance matrix from hwloc's NUMA distances, or 10 within a
 * domain and 20 across when the OS gives none. */
static void fill_distances(numapool__topology_t *topology, hwloc_topology_t hw,
                           hwloc_obj_t *domain_nodes) {
  size_t n = topology->domain_count;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++)
      topology->distances[i * n + j] = i == j ? 10 : 20;

  unsigned nr = 1;
  struct hwloc_distances_s *distances = NULL;
  if (hwloc_distances_get_by_type(hw, HWLOC_OBJ_NUMANODE, &nr, &distances,
                                  HWLOC_DISTANCES_KIND_MEANS_LATENCY, 0) != 0 ||
      nr == 0)
    return;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < n; j++) {
      hwloc_uint64_t value;
      if (hwloc_distances_obj_pair_values(distances, domain_nodes[i], domain_nodes[j], &value,
                                          &(hwloc_uint64_t){0}) == 0)
        topology->distances[i * n + j] = (unsigned)value;
    }
  }
  hwloc_distances_release(hw, distances);
}

static int load_domains(numapool__topology_t *topology, hwloc_topology_t hw) {
  int node_count = hwloc_get_nbobjs_by_type(hw, HWLOC_OBJ_NUMANODE);
  if (node_count <= 0)
    return make_flat(topology, "hwloc found no NUMA node");

  /* For the real machine, keep only the CPUs the process may run on. */
  hwloc_bitmap_t allowed = NULL;
  if (!topology->simulated) {
    allowed = hwloc_bitmap_alloc();
    if (allowed == NULL)
      return NUMAPOOL_ENOMEM;
    for (size_t i = 0; i < topology->real_cpu_count; i++)
      hwloc_bitmap_set(allowed, (unsigned)topology->real_cpus[i]);
  }

  int status = NUMAPOOL_ENOMEM;
  hwloc_obj_t *domain_nodes = calloc((size_t)node_count, sizeof(hwloc_obj_t));
  topology->domains = calloc((size_t)node_count, sizeof(numapool__domain_t));
  topology->memory_nodes = calloc((size_t)node_count, sizeof(int));
  if (domain_nodes == NULL || topology->domains == NULL || topology->memory_nodes == NULL)
    goto out;

  for (int i = 0; i < node_count; i++) {
    hwloc_obj_t node = hwloc_get_obj_by_type(hw, HWLOC_OBJ_NUMANODE, (unsigned)i);
    size_t before = topology->domain_count;
    status = add_domain(topology, hw, node, allowed);
    if (status != 0)
      goto out;
    if (topology->domain_count > before)
      domain_nodes[before] = node;
    else
      topology->memory_nodes[topology->memory_node_count++] = (int)node->os_index;
  }

  if (topology->domain_count == 0) {
    status = make_flat(topology, "no NUMA node holds an allowed CPU");
    goto out;
  }
  status = NUMAPOOL_ENOMEM;
  topology->distances =
      malloc(topology->domain_count * topology->domain_count * sizeof(unsigned));
  if (topology->distances == NULL)
    goto out;
  fill_distances(topology, hw, domain_nodes);
  status = 0;

out:
  free(domain_nodes);
  if (allowed != NULL)
    hwloc_bitmap_free(allowed);
  return status;
}

int numapool__topology_load(const char *source, numapool__topology_t **result) {
  if (source == NULL)
    source = getenv("NUMAPOOL_TOPOLOGY");

  numapool__topology_t *topology = calloc(1, sizeof(*topology));
  if (topology == NULL)
    return NUMAPOOL_ENOMEM;
  int status = load_real_cpus(topology);
  if (status != 0)
    goto fail;

  hwloc_topology_t hw;
  if (hwloc_topology_init(&hw) != 0) {
    NUMAPOOL_WARN_ONCE("hwloc failed to initialize (%s); using one flat domain of the "
                       "allowed CPUs",
                       strerror(errno));
    status = make_flat(topology, "hwloc failed to initialize");
    if (status != 0)
      goto fail;
    *result = topology;
    return 0;
  }

  status = apply_source(hw, source, &topology->simulated);
  if (status != 0) {
    hwloc_topology_destroy(hw);
    goto fail;
  }
  if (hwloc_topology_load(hw) != 0) {
    if (topology->simulated) {
      NUMAPOOL_LOG_ERROR("invalid topology source '%.200s': hwloc failed to load it (%s)",
                         source, strerror(errno));
      hwloc_topology_destroy(hw);
      status = NUMAPOOL_EINVAL;
      goto fail;
    }
    NUMAPOOL_WARN_ONCE("hwloc failed to load the machine topology (%s); using one flat "
                       "domain of the allowed CPUs",
                       strerror(errno));
    status = make_flat(topology, "hwloc failed to load the topology");
  } else {
    status = load_domains(topology, hw);
  }
  hwloc_topology_destroy(hw);
  if (status != 0)
    goto fail;

  *result = topology;
  return 0;

fail:
  numapool__topology_free(topology);
  return status;
}
