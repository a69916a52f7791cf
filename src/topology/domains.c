/* Domains from hwloc's NUMA nodes, and one diagnostic for each odd
 * feature of the machine. */
#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/numapool.h>

#include "common/log.h"
#include "topology/topology.h"

/* Appends a domain with the PUs of `cpuset`. */
static int append_domain(numapool__topology_t *topology, int node, uint64_t memory,
                         hwloc_const_cpuset_t cpuset) {
  int weight = hwloc_bitmap_weight(cpuset);
  int *cpus = malloc((size_t)weight * sizeof(int));
  if (cpus == NULL)
    return NUMAPOOL_ENOMEM;
  size_t count = 0;
  int pu;
  hwloc_bitmap_foreach_begin(pu, cpuset) { cpus[count++] = pu; }
  hwloc_bitmap_foreach_end();

  numapool__domain_t *domain = &topology->domains[topology->domain_count++];
  domain->node = node;
  domain->cpus = cpus;
  domain->cpu_count = count;
  domain->memory = memory;
  return 0;
}

static uint64_t node_memory(hwloc_obj_t node) {
  if (node->attr == NULL)
    return UINT64_MAX;
  return node->attr->numanode.local_memory;
}

/* Logs the features of the machine that change what the pool uses: CPUs
 * that are offline, cores that are only partly allowed. */
static void report_cpus(numapool__topology_t *topology, hwloc_topology_t hw,
                        hwloc_const_cpuset_t allowed) {
  int complete = hwloc_bitmap_weight(hwloc_topology_get_complete_cpuset(hw));
  int online = hwloc_bitmap_weight(hwloc_topology_get_topology_cpuset(hw));
  if (complete > online) {
    topology->offline_cpu_count = (size_t)(complete - online);
    NUMAPOOL_LOG_INFO("%d CPUs are offline; the pool does not use them", complete - online);
  }

  int cores = hwloc_get_nbobjs_by_type(hw, HWLOC_OBJ_CORE);
  for (int i = 0; i < cores; i++) {
    hwloc_obj_t core = hwloc_get_obj_by_type(hw, HWLOC_OBJ_CORE, (unsigned)i);
    if (hwloc_bitmap_intersects(core->cpuset, allowed) &&
        !hwloc_bitmap_isincluded(core->cpuset, allowed))
      topology->partial_core_count++;
  }
  if (topology->partial_core_count > 0)
    NUMAPOOL_LOG_INFO("%zu cores have only some of their hardware threads in the allowed "
                      "CPU set; the pool uses only the allowed ones",
                      topology->partial_core_count);
}

/* The node the Linux kernel lists for a CPU (a "nodeN" entry in its sysfs
 * folder), or -1 when unknown. */
static int kernel_node_of_cpu(int cpu) {
  char path[64];
  snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d", cpu);
  DIR *folder = opendir(path);
  if (folder == NULL)
    return -1;
  int node = -1;
  struct dirent *entry;
  while (node < 0 && (entry = readdir(folder)) != NULL) {
    if (strncmp(entry->d_name, "node", 4) == 0 && isdigit((unsigned char)entry->d_name[4]))
      node = atoi(entry->d_name + 4);
  }
  closedir(folder);
  return node;
}

/* The NUMA node that is local to a PU. On the real machine it is the node
 * the kernel lists for the CPU. Otherwise, and when the kernel lists none,
 * it is the node with the smallest cpuset that contains the PU. A node
 * attached high in the tree (a CPU-less node under the Machine) covers
 * many PUs, so it loses to the node next to them. Two nodes of one package
 * with equal cpusets (one of them CPU-less) tie, and the first wins. */
static int local_node(hwloc_topology_t hw, int node_count, int pu, bool real) {
  int kernel_node = real ? kernel_node_of_cpu(pu) : -1;
  int best = -1;
  int best_weight = 0;
  for (int i = 0; i < node_count; i++) {
    hwloc_obj_t node = hwloc_get_obj_by_type(hw, HWLOC_OBJ_NUMANODE, (unsigned)i);
    if (!hwloc_bitmap_isset(node->cpuset, (unsigned)pu))
      continue;
    if (kernel_node >= 0 && node->os_index == (unsigned)kernel_node)
      return i;
    int weight = hwloc_bitmap_weight(node->cpuset);
    if (best < 0 || weight < best_weight) {
      best = i;
      best_weight = weight;
    }
  }
  return best;
}

static int assign_pus(hwloc_topology_t hw, hwloc_const_cpuset_t allowed, int node_count,
                      bool real, hwloc_bitmap_t *assigned) {
  int pu;
  hwloc_bitmap_foreach_begin(pu, allowed) {
    int best = local_node(hw, node_count, pu, real);
    if (best >= 0 && hwloc_bitmap_set(assigned[best], (unsigned)pu) != 0)
      return NUMAPOOL_ENOMEM;
  }
  hwloc_bitmap_foreach_end();
  return 0;
}

/* Adds the domain of one NUMA node with the PUs assigned to it, or records
 * it as a memory-only node when it has none. */
static int add_node(numapool__topology_t *topology, hwloc_topology_t hw, hwloc_obj_t node,
                    hwloc_const_cpuset_t cpuset, hwloc_obj_t *nodes) {
  uint64_t memory = node_memory(node);
  if (hwloc_bitmap_iszero(cpuset)) {
    bool allowed = hwloc_bitmap_isset(hwloc_topology_get_allowed_nodeset(hw), node->os_index);
    if (memory != 0 && allowed)
      topology->memory_nodes[topology->memory_node_count++] = (int)node->os_index;
    return 0;
  }

  if (memory == 0)
    NUMAPOOL_WARN_ONCE("NUMA node %u has CPUs but no memory; memory its threads "
                       "allocate comes from other nodes, and node-local allocation on "
                       "it falls back to first touch",
                       node->os_index);
  nodes[topology->domain_count] = node;
  return append_domain(topology, (int)node->os_index, memory, cpuset);
}

/* Allowed CPUs that no NUMA node lists form one more domain with node -1,
 * so that no allowed CPU is lost. */
static int add_uncovered(numapool__topology_t *topology, hwloc_const_cpuset_t allowed,
                         hwloc_const_bitmap_t covered, hwloc_obj_t *nodes) {
  hwloc_bitmap_t rest = hwloc_bitmap_dup(allowed);
  if (rest == NULL)
    return NUMAPOOL_ENOMEM;
  hwloc_bitmap_andnot(rest, rest, covered);
  int status = 0;
  if (!hwloc_bitmap_iszero(rest)) {
    NUMAPOOL_WARN_ONCE("%d allowed CPUs belong to no NUMA node that hwloc reports; they "
                       "form one domain with an unknown node",
                       hwloc_bitmap_weight(rest));
    nodes[topology->domain_count] = NULL;
    status = append_domain(topology, -1, UINT64_MAX, rest);
  }
  hwloc_bitmap_free(rest);
  return status;
}

static int build_from_nodes(numapool__topology_t *topology, hwloc_topology_t hw,
                            hwloc_const_cpuset_t allowed, int node_count) {
  /* One slot more than the nodes, for the CPUs without a node. */
  size_t slots = (size_t)node_count + 1;
  hwloc_obj_t *nodes = calloc(slots, sizeof(hwloc_obj_t));
  hwloc_bitmap_t *assigned = calloc(slots, sizeof(hwloc_bitmap_t));
  hwloc_bitmap_t covered = hwloc_bitmap_alloc();
  topology->domains = calloc(slots, sizeof(numapool__domain_t));
  topology->memory_nodes = calloc(slots, sizeof(int));
  int status = NUMAPOOL_ENOMEM;
  if (nodes == NULL || assigned == NULL || covered == NULL || topology->domains == NULL ||
      topology->memory_nodes == NULL)
    goto out;

  status = 0;
  for (int i = 0; i < node_count && status == 0; i++) {
    assigned[i] = hwloc_bitmap_alloc();
    if (assigned[i] == NULL)
      status = NUMAPOOL_ENOMEM;
  }
  if (status == 0)
    status = assign_pus(hw, allowed, node_count, !topology->simulated, assigned);
  for (int i = 0; i < node_count && status == 0; i++) {
    hwloc_obj_t node = hwloc_get_obj_by_type(hw, HWLOC_OBJ_NUMANODE, (unsigned)i);
    status = add_node(topology, hw, node, assigned[i], nodes);
    hwloc_bitmap_or(covered, covered, assigned[i]);
  }
  if (status == 0)
    status = add_uncovered(topology, allowed, covered, nodes);
  if (status != 0)
    goto out;

  if (topology->memory_node_count > 0)
    NUMAPOOL_LOG_INFO("%zu NUMA nodes have memory but no allowed CPU; they are memory "
                      "targets only",
                      topology->memory_node_count);
  size_t n = topology->domain_count;
  topology->distances = malloc(n * n * sizeof(unsigned));
  if (topology->distances == NULL) {
    status = NUMAPOOL_ENOMEM;
    goto out;
  }
  numapool__topology_fill_distances(topology, hw, nodes);

out:
  if (assigned != NULL)
    for (int i = 0; i < node_count; i++)
      hwloc_bitmap_free(assigned[i]);
  free(assigned);
  free(nodes);
  hwloc_bitmap_free(covered);
  return status;
}

int numapool__topology_build_domains(numapool__topology_t *topology, hwloc_topology_t hw,
                                     hwloc_const_cpuset_t allowed) {
  if (hwloc_bitmap_iszero(allowed)) {
    /* A simulated machine that allows no CPU is an invalid source. On the
     * real machine hwloc and the affinity mask disagree: trust the mask. */
    if (topology->simulated) {
      NUMAPOOL_LOG_ERROR("invalid topology source '%.200s': it allows no CPU",
                         topology->source != NULL ? topology->source : "(hwloc environment)");
      return NUMAPOOL_EINVAL;
    }
    return numapool__topology_make_flat(topology, "no CPU of the affinity mask is in hwloc's "
                                                  "topology");
  }
  report_cpus(topology, hw, allowed);

  int node_count = hwloc_get_nbobjs_by_type(hw, HWLOC_OBJ_NUMANODE);
  if (node_count <= 0)
    return numapool__topology_make_flat(topology, "hwloc found no NUMA node");
  return build_from_nodes(topology, hw, allowed, node_count);
}
