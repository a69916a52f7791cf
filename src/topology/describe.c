/* The text description of a topology and of a pool's placement. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include <numapool/topology.h>

#include "pool/pool.h"
#include "topology/topology.h"

const numapool_topology_t *numapool_get_topology(const numapool_t *pool) {
  return pool != NULL ? pool->topology : NULL;
}

/* A snprintf-style writer: keeps counting past the end of the buffer. */
typedef struct text {
  char *buffer;
  size_t size;
  size_t length;
} text_t;

static void text_add(text_t *text, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void text_add(text_t *text, const char *format, ...) {
  size_t room = text->length < text->size ? text->size - text->length : 0;
  char *at = room > 0 ? text->buffer + text->length : NULL;
  va_list args;
  va_start(args, format);
  int written = vsnprintf(at, room, format, args);
  va_end(args);
  if (written > 0)
    text->length += (size_t)written;
}

/* Writes a CPU list as ranges: "0-3,8,10-11". */
static void add_cpu_list(text_t *text, const int *cpus, size_t count) {
  for (size_t i = 0; i < count;) {
    size_t last = i;
    while (last + 1 < count && cpus[last + 1] == cpus[last] + 1)
      last++;
    text_add(text, "%s%d", i > 0 ? "," : "", cpus[i]);
    if (last > i)
      text_add(text, "-%d", cpus[last]);
    i = last + 1;
  }
}

static void add_memory(text_t *text, uint64_t memory) {
  if (memory == UINT64_MAX)
    text_add(text, "unknown");
  else if (memory == 0)
    text_add(text, "none");
  else
    text_add(text, "%" PRIu64 " MiB", memory >> 20);
}

static void add_domains(text_t *text, const numapool__topology_t *topology) {
  text_add(text, "source: %s", topology->source != NULL ? topology->source : "machine");
  /* A simulated topology binds nothing, so its CPUs name no real CPU: the
   * threads run wherever the OS puts them within the affinity mask. */
  if (topology->simulated) {
    text_add(text, " (simulated: threads are not bound and run on any of the allowed CPUs ");
    add_cpu_list(text, topology->real_cpus, topology->real_cpu_count);
    text_add(text, ")");
  }
  text_add(text, "\n");
  if (topology->fallback_reason != NULL)
    text_add(text, "fallback: %s\n", topology->fallback_reason);
  if (topology->offline_cpu_count > 0)
    text_add(text, "offline CPUs: %zu\n", topology->offline_cpu_count);
  if (topology->partial_core_count > 0)
    text_add(text, "cores partly allowed: %zu\n", topology->partial_core_count);

  text_add(text, "domains: %zu\n", topology->domain_count);
  for (size_t d = 0; d < topology->domain_count; d++) {
    const numapool__domain_t *domain = &topology->domains[d];
    text_add(text, "domain %zu: node %d, memory ", d, domain->node);
    add_memory(text, domain->memory);
    text_add(text, ", %zu CPUs: ", domain->cpu_count);
    add_cpu_list(text, domain->cpus, domain->cpu_count);
    text_add(text, "\n");
  }
  if (topology->memory_node_count > 0) {
    text_add(text, "memory-only nodes: ");
    add_cpu_list(text, topology->memory_nodes, topology->memory_node_count);
    text_add(text, "\n");
  }
}

static void add_distances(text_t *text, const numapool__topology_t *topology) {
  size_t n = topology->domain_count;
  text_add(text, "distances (%s):\n", topology->distance_source);
  for (size_t i = 0; i < n; i++) {
    text_add(text, "  domain %zu:", i);
    for (size_t j = 0; j < n; j++)
      text_add(text, " %u", topology->distances[i * n + j]);
    text_add(text, "\n");
  }
}

static const char *bind_name(numapool_bind_t bind) {
  switch (bind) {
  case NUMAPOOL_BIND_NONE:
    return "none";
  case NUMAPOOL_BIND_NODE:
    return "node";
  case NUMAPOOL_BIND_CORE:
    return "core";
  default:
    return "default";
  }
}

/* One line per thread: its domain and its CPU (a simulated CPU when the
 * topology is simulated). */
static void add_threads(text_t *text, const numapool_t *pool) {
  const numapool__topology_t *topology = pool->topology;
  text_add(text, "threads: %zu, binding: %s\n", pool->thread_count, bind_name(pool->bind));
  for (size_t i = 0; i < pool->thread_count; i++) {
    const numapool__place_t *place = &pool->places[i];
    const numapool__domain_t *domain = &topology->domains[place->domain];
    text_add(text, "thread %zu: domain %zu, node %d, cpu %d", i, place->domain, domain->node,
             domain->cpus[place->index_in_domain % domain->cpu_count]);
    if (i == 0)
      text_add(text, ", the calling thread, not bound\n");
    else
      text_add(text, "\n");
  }
}

int numapool_topology_describe(const numapool_options_t *options, char *buffer, size_t size) {
  if (buffer == NULL && size > 0)
    return NUMAPOOL_EINVAL;
  numapool_t *pool = numapool_create(options);
  if (pool == NULL)
    return errno != 0 ? -errno : NUMAPOOL_EINVAL;

  text_t text = {.buffer = buffer, .size = size, .length = 0};
  add_domains(&text, pool->topology);
  add_distances(&text, pool->topology);
  add_threads(&text, pool);
  numapool_destroy(pool);

  if (text.length > INT32_MAX)
    return NUMAPOOL_EOVERFLOW;
  return (int)text.length;
}
