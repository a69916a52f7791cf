/*
 * The machine as numapool sees it: NUMA domains (each NUMA node with CPUs
 * the process may use), their CPUs and memory, the distances between
 * them, and the NUMA nodes that only hold memory.
 *
 * A topology comes from numapool_topology_create() or from a pool
 * (numapool_get_topology()). It is read-only once loaded, so any thread may
 * query it. Domain indices run from 0 to numapool_topology_domain_count()
 * - 1 and are the same indices that numapool_thread_place() and the thread
 * statistics report.
 */
#ifndef NUMAPOOL_TOPOLOGY_H
#define NUMAPOOL_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>

#include <numapool/numapool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct numapool_topology numapool_topology_t;

/* Loads a topology as numapool_create() would with options->topology set
 * to source: NULL reads the NUMAPOOL_TOPOLOGY environment variable, else
 * the machine; "synthetic:<hwloc synthetic description>" or "xml:<path>"
 * simulate a machine. Returns NULL and sets errno to EINVAL for an invalid
 * source (the log names the problem) or ENOMEM. A machine that hwloc
 * cannot describe gives one flat domain of the allowed CPUs, not an
 * error. */
NUMAPOOL_API numapool_topology_t *numapool_topology_create(const char *source);

/* Frees a topology from numapool_topology_create(). NULL does nothing. */
NUMAPOOL_API void numapool_topology_destroy(numapool_topology_t *topology);

/* The topology a pool uses, owned by the pool and valid until it is
 * destroyed; NULL for a NULL pool. */
NUMAPOOL_API const numapool_topology_t *numapool_get_topology(const numapool_t *pool);

/* Domains; at least 1 for a valid topology, 0 for NULL. */
NUMAPOOL_API size_t numapool_topology_domain_count(const numapool_topology_t *topology);

/* OS index of the domain's NUMA node, or -1 when unknown (one flat domain
 * on a machine without NUMA information, or an invalid argument). */
NUMAPOOL_API int numapool_topology_domain_node(const numapool_topology_t *topology,
                                               size_t domain);

/* Writes the OS indices of the domain's allowed CPUs to cpus[0 ..
 * min(count, capacity)) in increasing order and returns their count, so a
 * first call with capacity 0 sizes the array. For a simulated topology the
 * indices are the simulated ones. Returns 0 for an invalid argument. */
NUMAPOOL_API size_t numapool_topology_domain_cpus(const numapool_topology_t *topology,
                                                  size_t domain, int cpus[], size_t capacity);

/* Bytes of memory local to the domain's node: 0 for a node with CPUs and
 * no memory, UINT64_MAX when unknown or for an invalid argument. */
NUMAPOOL_API uint64_t numapool_topology_domain_memory(const numapool_topology_t *topology,
                                                      size_t domain);

/* Relative distance from one domain to another, 10 within a domain and
 * larger for farther domains, as in ACPI SLIT tables. Where the OS gives no
 * matrix, the values are estimated from the package hierarchy. Returns 0
 * for an invalid argument. */
NUMAPOOL_API unsigned numapool_topology_distance(const numapool_topology_t *topology,
                                                 size_t from, size_t to);

/* Writes the OS indices of the NUMA nodes that have memory but no allowed
 * CPU (memory targets only) like numapool_topology_domain_cpus(), and
 * returns their count. */
NUMAPOOL_API size_t numapool_topology_memory_nodes(const numapool_topology_t *topology,
                                                   int nodes[], size_t capacity);

/* 1 when the topology comes from a synthetic description or an XML file
 * (threads are grouped as on that machine and nothing is bound), 0 when it
 * is this machine, NUMAPOOL_EINVAL for NULL. */
NUMAPOOL_API int numapool_topology_is_simulated(const numapool_topology_t *topology);

/*
 * Writes a text description of the topology and of the placement a pool
 * created with these options would use, as snprintf does: at most size
 * bytes including the terminating NUL, which is always written when size
 * is at least 1. options NULL means the defaults. It creates a pool with
 * the options to read its placement and destroys it before returning.
 *
 * The text has one item per line: the source, the domains with their node,
 * memory and CPUs, the memory-only nodes, the distance matrix, and each
 * thread's domain and CPU.
 *
 * Returns the length of the whole description, without the NUL, so a
 * return value of size or more means the text was cut; or a negative
 * NUMAPOOL_E* code: NUMAPOOL_EINVAL for invalid options or a NULL buffer
 * with a non-zero size, NUMAPOOL_ENOMEM, or NUMAPOOL_EAGAIN.
 */
NUMAPOOL_API int numapool_topology_describe(const numapool_options_t *options, char *buffer,
                                            size_t size);

#ifdef __cplusplus
}
#endif

#endif /* NUMAPOOL_TOPOLOGY_H */
