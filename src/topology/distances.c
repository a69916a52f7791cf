/* The distance matrix between domains: hwloc's NUMA latency matrix where
 * the OS or the XML file gives one, else an estimate from the hierarchy. */
#include <stdlib.h>

#include "common/log.h"
#include "topology/topology.h"

/* The first normal (CPU-side) ancestor of a NUMA node: memory objects
 * hang off the object whose CPUs they are local to. */
static hwloc_obj_t cpu_side_parent(hwloc_obj_t node) {
  hwloc_obj_t parent = node->parent;
  while (parent != NULL && parent->type == HWLOC_OBJ_NUMANODE)
    parent = parent->parent;
  return parent;
}

/* Estimates the distance of two different nodes from their lowest common
 * ancestor: 20 when only the Machine holds both, 16 under a common
 * Package, 12 under a deeper common object (a group inside a package).
 * NOTE: these values only order the domains, as ACPI SLIT values would
 * (nearer nodes share more of the tree); they are not measured. */
static unsigned hierarchy_distance(hwloc_topology_t hw, hwloc_obj_t a, hwloc_obj_t b) {
  hwloc_obj_t parent_a = cpu_side_parent(a);
  hwloc_obj_t parent_b = cpu_side_parent(b);
  if (parent_a == NULL || parent_b == NULL)
    return 20;
  hwloc_obj_t common = hwloc_get_common_ancestor_obj(hw, parent_a, parent_b);
  if (common == NULL || common->depth <= 0)
    return 20;
  return common->depth == 1 ? 16 : 12;
}

/* Copies hwloc's latency matrix into the domain distances. Returns false
 * when hwloc has none, or one that misses a pair of domains. */
static bool copy_hwloc_distances(numapool__topology_t *topology, hwloc_topology_t hw,
                                 hwloc_obj_t const *nodes) {
  unsigned count = 1;
  struct hwloc_distances_s *matrix = NULL;
  int status = hwloc_distances_get_by_type(hw, HWLOC_OBJ_NUMANODE, &count, &matrix,
                                           HWLOC_DISTANCES_KIND_MEANS_LATENCY, 0);
  if (status != 0 || count == 0 || matrix == NULL)
    return false;

  size_t n = topology->domain_count;
  bool complete = true;
  for (size_t i = 0; i < n && complete; i++) {
    for (size_t j = 0; j < n && complete; j++) {
      hwloc_uint64_t forward = 0;
      hwloc_uint64_t backward = 0;
      if (nodes[i] == NULL || nodes[j] == NULL ||
          hwloc_distances_obj_pair_values(matrix, nodes[i], nodes[j], &forward, &backward) !=
              0 ||
          forward == 0 || forward > UINT32_MAX)
        complete = false;
      else
        topology->distances[i * n + j] = (unsigned)forward;
    }
  }
  hwloc_distances_release(hw, matrix);
  return complete;
}

void numapool__topology_fill_distances(numapool__topology_t *topology, hwloc_topology_t hw,
                                       hwloc_obj_t const *nodes) {
  size_t n = topology->domain_count;
  if (n == 1) {
    topology->distances[0] = 10;
    topology->distance_source = "none";
    return;
  }
  if (copy_hwloc_distances(topology, hw, nodes)) {
    topology->distance_source = "hwloc";
    return;
  }

  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < n; j++) {
      unsigned distance = 10;
      if (i != j)
        distance = nodes[i] != NULL && nodes[j] != NULL
                       ? hierarchy_distance(hw, nodes[i], nodes[j])
                       : 20;
      topology->distances[i * n + j] = distance;
    }
  }
  topology->distance_source = "hierarchy";
  NUMAPOOL_LOG_INFO("no NUMA distance matrix from the OS; distances between the %zu "
                    "domains are estimated from the package hierarchy",
                    n);
}
