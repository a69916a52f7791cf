/* Loading the topology: the source (machine, synthetic description or XML
 * file), the allowed CPU set, and the fallbacks when hwloc fails. */
#include "topology/topology.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/numapool.h>

#include "common/log.h"
#include "numapool_config.h"

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
  free(topology->source);
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

int numapool__topology_make_flat(numapool__topology_t *topology, const char *reason) {
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
  topology->domains[0].memory = UINT64_MAX;
  topology->distances[0] = 10;
  topology->distance_source = "none";
  topology->simulated = false;
  topology->fallback_reason = reason;
  NUMAPOOL_WARN_ONCE("%s; using one flat domain of the %zu allowed CPUs", reason,
                     topology->real_cpu_count);
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
    const char *path = source + xml_length;
    if (path[0] == '\0') {
      NUMAPOOL_LOG_ERROR("invalid topology source 'xml:': the file path is missing; "
                         "write 'xml:<path>'");
      return NUMAPOOL_EINVAL;
    }
    if (hwloc_topology_set_xml(hw, path) != 0) {
      int error = errno;
      NUMAPOOL_LOG_ERROR("invalid topology XML file '%.200s': %s; write one with "
                         "'lstopo FILE.xml'",
                         path, error == EINVAL ? "hwloc cannot parse it" : strerror(error));
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

/* The CPUs the pool may use. A simulated machine gives its own allowed
 * set. The real machine gives hwloc's allowed set (cgroup cpuset) and its
 * online CPUs, narrowed to the process's affinity mask. */
static hwloc_bitmap_t allowed_cpus(const numapool__topology_t *topology, hwloc_topology_t hw) {
  hwloc_bitmap_t allowed = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(hw));
  if (allowed == NULL)
    return NULL;
  hwloc_bitmap_and(allowed, allowed, hwloc_topology_get_topology_cpuset(hw));
  if (topology->simulated)
    return allowed;

  hwloc_bitmap_t mask = hwloc_bitmap_alloc();
  if (mask == NULL) {
    hwloc_bitmap_free(allowed);
    return NULL;
  }
  for (size_t i = 0; i < topology->real_cpu_count; i++)
    hwloc_bitmap_set(mask, (unsigned)topology->real_cpus[i]);
  hwloc_bitmap_and(allowed, allowed, mask);
  hwloc_bitmap_free(mask);
  return allowed;
}

/* Loads hwloc's view and builds the domains from it. Returns 0, an error,
 * or 1 when hwloc failed on the real machine and the caller must fall back
 * to a flat domain. */
static int load_hwloc(numapool__topology_t *topology, const char *source) {
  hwloc_topology_t hw;
  if (hwloc_topology_init(&hw) != 0)
    return 1;

  /* Disallowed PUs stay visible, so cores only partly allowed are seen. */
  int status;
  if (hwloc_topology_set_flags(hw, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED) != 0)
    NUMAPOOL_LOG_DEBUG("hwloc rejected HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED (%s)",
                       strerror(errno));
  status = apply_source(hw, source, &topology->simulated);
#if NUMAPOOL_HAVE_TEST_HOOKS
  /* Test hook: NUMAPOOL_TEST_HWLOC_FAIL makes loading the machine fail as
   * a broken hwloc would. */
  if (status == 0 && !topology->simulated && getenv("NUMAPOOL_TEST_HWLOC_FAIL") != NULL) {
    hwloc_topology_destroy(hw);
    return 1;
  }
#endif
  if (status == 0 && hwloc_topology_load(hw) != 0) {
    if (topology->simulated) {
      NUMAPOOL_LOG_ERROR("invalid topology source '%.200s': hwloc failed to load it (%s)",
                         source, strerror(errno));
      status = NUMAPOOL_EINVAL;
    } else {
      status = 1;
    }
  }
  if (status != 0) {
    hwloc_topology_destroy(hw);
    return status;
  }

  /* HWLOC_XMLFILE or HWLOC_SYNTHETIC in the environment replace the
   * machine without the caller asking: treat that as simulated too. */
  if (!topology->simulated && !hwloc_topology_is_thissystem(hw)) {
    NUMAPOOL_WARN_ONCE("hwloc describes another machine than this one (HWLOC_XMLFILE or "
                       "HWLOC_SYNTHETIC is set); threads are not bound");
    topology->simulated = true;
  }

  hwloc_bitmap_t allowed = allowed_cpus(topology, hw);
  if (allowed == NULL)
    status = NUMAPOOL_ENOMEM;
  else
    status = numapool__topology_build_domains(topology, hw, allowed);
  hwloc_bitmap_free(allowed);
  hwloc_topology_destroy(hw);
  return status;
}

int numapool__topology_load(const char *source, numapool__topology_t **result) {
  if (source == NULL)
    source = getenv("NUMAPOOL_TOPOLOGY");
  if (source != NULL && source[0] == '\0')
    source = NULL;

  numapool__topology_t *topology = calloc(1, sizeof(*topology));
  if (topology == NULL)
    return NUMAPOOL_ENOMEM;
  int status = load_real_cpus(topology);
  if (status == 0 && source != NULL) {
    topology->source = strdup(source);
    if (topology->source == NULL)
      status = NUMAPOOL_ENOMEM;
  }
  if (status == 0)
    status = load_hwloc(topology, source);
  if (status == 1)
    status = numapool__topology_make_flat(topology, "hwloc failed to initialize or load the "
                                                    "machine topology");
  if (status != 0) {
    numapool__topology_free(topology);
    return status;
  }

  NUMAPOOL_LOG_DEBUG("topology%s%s: %zu domains, %zu CPUs, %zu memory-only nodes",
                     source != NULL ? " " : "", source != NULL ? source : "",
                     topology->domain_count, numapool__topology_cpu_count(topology),
                     topology->memory_node_count);
  *result = topology;
  return 0;
}
