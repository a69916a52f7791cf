/* Where each thread of a pool sits: its domain, its CPU, and the order in
 * which it steals from the others. */
#include <stdlib.h>

#include "pool/place.h"
#include "pool/pool.h"

void numapool__share_bounds(size_t total, size_t threads, size_t index, size_t *begin,
                            size_t *end) {
  *begin = (size_t)((unsigned __int128)total * index / threads);
  *end = (size_t)((unsigned __int128)total * (index + 1) / threads);
}

size_t numapool__share_owner(size_t total, size_t threads, size_t linear) {
  /* The estimate is exact or one too low, because the shares' boundaries
   * are rounded down. */
  size_t owner = (size_t)((unsigned __int128)linear * threads / total);
  size_t begin;
  size_t end;
  for (;;) {
    numapool__share_bounds(total, threads, owner, &begin, &end);
    if (linear < end || owner + 1 >= threads)
      return owner;
    owner++;
  }
}

/* Splits thread_count threads over the domains in proportion to their
 * CPUs (largest remainder first), writing the count of each domain. */
static void split_threads(const numapool__topology_t *topology, size_t thread_count,
                          size_t *counts) {
  size_t cpus = numapool__topology_cpu_count(topology);
  size_t assigned = 0;
  for (size_t d = 0; d < topology->domain_count; d++) {
    counts[d] = thread_count * topology->domains[d].cpu_count / cpus;
    assigned += counts[d];
  }

  /* Hand out the rest one by one to the domains with the largest
   * remainder; the remainders add up to at least what is missing. */
  while (assigned < thread_count) {
    size_t best = topology->domain_count;
    size_t best_remainder = 0;
    for (size_t d = 0; d < topology->domain_count; d++) {
      size_t floor_count = thread_count * topology->domains[d].cpu_count / cpus;
      size_t remainder = thread_count * topology->domains[d].cpu_count % cpus;
      if (counts[d] == floor_count && remainder > best_remainder) {
        best = d;
        best_remainder = remainder;
      }
    }
    counts[best]++;
    assigned++;
  }
}

/* Writes the steal order of thread `index`: its domain siblings starting
 * after itself, then the other domains from nearest to farthest. */
static void fill_victims(numapool_t *pool, size_t index, const size_t *first_of_domain) {
  const numapool__topology_t *topology = pool->topology;
  size_t domain_count = topology->domain_count;
  numapool__worker_t *worker = &pool->workers[index];
  size_t own = pool->places[index].domain;
  size_t count = 0;

  size_t siblings = pool->domain_threads[own];
  size_t first = first_of_domain[own];
  for (size_t k = 1; k < siblings; k++)
    worker->victims[count++] = first + (index - first + k) % siblings;

  /* Other domains, nearest first; equal distances keep index order. */
  bool *done = calloc(domain_count, sizeof(bool));
  if (done == NULL) {
    /* Without memory for the order, fall back to index order. */
    for (size_t d = 0; d < domain_count; d++)
      if (d != own)
        for (size_t k = 0; k < pool->domain_threads[d]; k++)
          worker->victims[count++] = first_of_domain[d] + k;
    worker->victim_count = count;
    return;
  }
  done[own] = true;
  for (size_t round = 1; round < domain_count; round++) {
    size_t nearest = domain_count;
    for (size_t d = 0; d < domain_count; d++) {
      if (done[d])
        continue;
      if (nearest == domain_count ||
          topology->distances[own * domain_count + d] <
              topology->distances[own * domain_count + nearest])
        nearest = d;
    }
    done[nearest] = true;

    /* Thieves of one domain start on different threads of the victim
     * domain, so they do not all contend on its first share. */
    size_t victims = pool->domain_threads[nearest];
    size_t start = victims > 0 ? pool->places[index].index_in_domain % victims : 0;
    for (size_t k = 0; k < victims; k++)
      worker->victims[count++] = first_of_domain[nearest] + (start + k) % victims;
  }
  free(done);
  worker->victim_count = count;
}

void numapool__placement_update(numapool_t *pool) {
  const numapool__topology_t *topology = pool->topology;
  size_t domain_count = topology->domain_count;
  size_t thread_count = pool->thread_count;
  size_t *first_of_domain = pool->domain_first;

  split_threads(topology, thread_count, pool->domain_threads);

  size_t index = 0;
  pool->domain_count_used = 0;
  for (size_t d = 0; d < domain_count; d++) {
    first_of_domain[d] = index;
    if (pool->domain_threads[d] > 0)
      pool->domain_count_used++;
    for (size_t k = 0; k < pool->domain_threads[d]; k++, index++) {
      numapool__place_t *place = &pool->places[index];
      place->domain = d;
      place->index_in_domain = k;
      const numapool__domain_t *domain = &topology->domains[d];
      place->cpu = domain->cpus[k % domain->cpu_count];
    }
  }

  for (size_t i = 0; i < thread_count; i++)
    fill_victims(pool, i, first_of_domain);
  pool->placement_version++;
}

int numapool__place_fill(const numapool_t *pool, size_t thread_count, size_t thread_index,
                         numapool_thread_place_t *place) {
  if (pool == NULL || thread_count <= 1) {
    place->domain = 0;
    place->domain_count = 1;
    place->index_in_domain = 0;
    place->threads_in_domain = 1;
    place->node = pool != NULL ? pool->topology->domains[0].node : -1;
    return 0;
  }
  const numapool__place_t *internal = &pool->places[thread_index];
  place->domain = internal->domain;
  place->domain_count = pool->topology->domain_count;
  place->index_in_domain = internal->index_in_domain;
  place->threads_in_domain = pool->domain_threads[internal->domain];
  place->node = pool->topology->domains[internal->domain].node;
  return 0;
}

int numapool_thread_place(const numapool_t *pool, size_t thread_index,
                          numapool_thread_place_t *place) {
  if (place == NULL || thread_index >= numapool_get_thread_count(pool))
    return NUMAPOOL_EINVAL;
  return numapool__place_fill(pool, numapool_get_thread_count(pool), thread_index, place);
}
