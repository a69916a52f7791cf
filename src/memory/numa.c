/* Node-local and interleaved buffers, the placement query and page
 * migration, through libnuma's system call wrappers. Without libnuma the
 * buffers fall back to first touch and the query is not supported. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/memory.h>

#include "common/log.h"
#include "memory/map.h"
#include "numapool_config.h"

#if NUMAPOOL_HAVE_LIBNUMA
#include <numa.h>
#include <numaif.h>
#include <sched.h>
#endif

/* Pages per move_pages(2) call. */
#define PAGES_PER_CALL 1024
/* Rounds of retries for pages that move_pages reports busy. */
#define BUSY_RETRIES 8

/* Validates the common arguments and maps the buffer. */
static void *map_checked(size_t size, const char *function) {
  if (size == 0) {
    NUMAPOOL_LOG_ERROR("invalid %s size 0: the size must be at least 1 byte", function);
    errno = EINVAL;
    return NULL;
  }
  /* Aligned to whole huge pages under THP "always", so that a policy
   * places whole huge pages and none straddles the buffer's ends. */
  return numapool__memory_map(size, numapool__memory_granule());
}

#if NUMAPOOL_HAVE_LIBNUMA

static bool numa_usable(void) { return numa_available() >= 0; }

/* Whether node can take memory: numa_node_size64 reads the node's
 * meminfo, which shows 0 bytes for a node with CPUs and no memory. */
static bool node_has_memory(int node) { return numa_node_size64(node, NULL) > 0; }

static bool node_in_range(int node, const char *function) {
  if (node < 0 || node > numa_max_node()) {
    NUMAPOOL_LOG_ERROR("invalid %s node %d: the nodes here are 0 to %d", function, node,
                       numa_max_node());
    return false;
  }
  return true;
}

/* Applies a memory policy to a fresh mapping. Returns 0, or -1 when the
 * kernel rejected it for a reason that falls back to first touch (logged
 * once), or a negative errno for an error. */
static int apply_policy(void *buffer, size_t size, int mode, const unsigned long *mask,
                        unsigned long bits) {
  /* maxnode counts one past the highest bit: the kernel reads maxnode - 1
   * bits. */
  if (mbind(buffer, numapool__memory_page_round(size), mode, mask, bits + 1, 0) == 0)
    return 0;
  int error = errno;
  if (error == EPERM || error == ENOSYS) {
    NUMAPOOL_WARN_ONCE("the kernel rejected a NUMA memory policy (mbind: %s); buffers fall "
                       "back to first touch",
                       strerror(error));
    return -1;
  }
  NUMAPOOL_LOG_ERROR("mbind of a %zu-byte buffer failed: %s", size, strerror(error));
  return -error;
}

/* Sets bit `node` in a node mask of `longs` words. */
static void mask_set(unsigned long *mask, int node) {
  size_t bits = 8 * sizeof(unsigned long);
  mask[(size_t)node / bits] |= 1ul << ((size_t)node % bits);
}

static size_t mask_longs(void) {
  size_t bits = 8 * sizeof(unsigned long);
  return ((size_t)numa_max_node() + 1 + bits - 1) / bits;
}

void *numapool_memory_alloc_local(size_t size, int node) {
  if (!numa_usable()) {
    NUMAPOOL_WARN_ONCE("the kernel has no NUMA support; node-local buffers fall back to "
                       "first touch");
    return map_checked(size, "numapool_memory_alloc_local");
  }
  if (!node_in_range(node, "numapool_memory_alloc_local")) {
    errno = EINVAL;
    return NULL;
  }
  void *buffer = map_checked(size, "numapool_memory_alloc_local");
  if (buffer == NULL)
    return NULL;
  if (!node_has_memory(node)) {
    /* Binding to it would make the kernel take memory from elsewhere. */
    NUMAPOOL_WARN_ONCE("NUMA node %d has no memory; node-local buffers for it fall back to "
                       "first touch",
                       node);
    return buffer;
  }

  size_t longs = mask_longs();
  unsigned long *mask = calloc(longs, sizeof(unsigned long));
  if (mask == NULL) {
    numapool_memory_free(buffer, size);
    errno = ENOMEM;
    return NULL;
  }
  mask_set(mask, node);
  int status = apply_policy(buffer, size, MPOL_BIND, mask, longs * 8 * sizeof(unsigned long));
  free(mask);
  if (status < -1) {
    numapool_memory_free(buffer, size);
    errno = -status;
    return NULL;
  }
  return buffer;
}

/* Builds the interleave mask: the given nodes that have memory, or every
 * node the process may allocate on. Returns the count of nodes set. */
static size_t interleave_mask(unsigned long *mask, const int nodes[], size_t node_count) {
  size_t count = 0;
  if (nodes == NULL) {
    struct bitmask *allowed = numa_get_mems_allowed();
    if (allowed == NULL)
      return 0;
    for (int node = 0; node <= numa_max_node(); node++)
      if (numa_bitmask_isbitset(allowed, (unsigned)node) && node_has_memory(node)) {
        mask_set(mask, node);
        count++;
      }
    numa_bitmask_free(allowed);
    return count;
  }
  for (size_t i = 0; i < node_count; i++) {
    if (node_has_memory(nodes[i])) {
      mask_set(mask, nodes[i]);
      count++;
    } else {
      NUMAPOOL_WARN_ONCE("NUMA node %d has no memory; interleaved buffers leave it out",
                         nodes[i]);
    }
  }
  return count;
}

void *numapool_memory_alloc_interleaved(size_t size, const int nodes[], size_t node_count) {
  const char *function = "numapool_memory_alloc_interleaved";
  if (!numa_usable()) {
    NUMAPOOL_WARN_ONCE("the kernel has no NUMA support; interleaved buffers fall back to "
                       "first touch");
    return map_checked(size, function);
  }
  if (nodes == NULL && node_count != 0) {
    NUMAPOOL_LOG_ERROR("invalid %s: nodes is NULL with node_count %zu", function, node_count);
    errno = EINVAL;
    return NULL;
  }
  for (size_t i = 0; nodes != NULL && i < node_count; i++) {
    if (!node_in_range(nodes[i], function)) {
      errno = EINVAL;
      return NULL;
    }
  }

  size_t longs = mask_longs();
  unsigned long *mask = calloc(longs, sizeof(unsigned long));
  void *buffer = mask != NULL ? map_checked(size, function) : NULL;
  if (buffer == NULL) {
    free(mask);
    if (mask == NULL)
      errno = ENOMEM;
    return NULL;
  }
  int status = 0;
  if (interleave_mask(mask, nodes, node_count) == 0)
    NUMAPOOL_WARN_ONCE("no NUMA node to interleave over has memory; interleaved buffers "
                       "fall back to first touch");
  else
    status = apply_policy(buffer, size, MPOL_INTERLEAVE, mask,
                          longs * 8 * sizeof(unsigned long));
  free(mask);
  if (status < -1) {
    numapool_memory_free(buffer, size);
    errno = -status;
    return NULL;
  }
  return buffer;
}

/* Calls move_pages(2) for the pages of [first, first + count pages); nodes
 * NULL only queries. Returns 0 or a negative NUMAPOOL_E* code. */
static int move_chunk(void **pages, const int *nodes, int *status, size_t count, int flags) {
  if (move_pages(0, (unsigned long)count, pages, nodes, status, flags) == 0)
    return 0;
  int error = errno;
  if (error == EPERM || error == ENOSYS) {
    NUMAPOOL_WARN_ONCE("the kernel rejected move_pages (%s); page placement is unknown",
                       strerror(error));
    return error == EPERM ? NUMAPOOL_EPERM : NUMAPOOL_ENOTSUP;
  }
  if (error == ENOMEM)
    return NUMAPOOL_ENOMEM;
  NUMAPOOL_LOG_ERROR("move_pages failed: %s", strerror(error));
  return error == ENODEV || error == EINVAL ? NUMAPOOL_EINVAL : NUMAPOOL_EIO;
}

/* The page-aligned start and page count of a byte range. */
static size_t page_span(const void *pointer, size_t size, uintptr_t *first) {
  uintptr_t page = numapool_page_size();
  *first = (uintptr_t)pointer & ~(page - 1);
  uintptr_t end = ((uintptr_t)pointer + size + page - 1) & ~(page - 1);
  return (size_t)((end - *first) / page);
}

static void count_status(const int *status, size_t count, size_t node_pages[],
                         size_t node_count, numapool_placement_t *summary) {
  for (size_t i = 0; i < count; i++) {
    if (status[i] >= 0 && (size_t)status[i] < node_count)
      node_pages[status[i]]++;
    else if (status[i] >= 0)
      summary->elsewhere++;
    else if (status[i] == -ENOENT)
      summary->absent++;
    else
      summary->unknown++;
  }
}

int numapool_memory_placement(const void *pointer, size_t size, size_t node_pages[],
                              size_t node_count, numapool_placement_t *summary) {
  if (pointer == NULL || (node_pages == NULL && node_count > 0)) {
    NUMAPOOL_LOG_ERROR("invalid numapool_memory_placement: %s is NULL",
                       pointer == NULL ? "pointer" : "node_pages");
    return NUMAPOOL_EINVAL;
  }
  if (!numa_usable())
    return NUMAPOOL_ENOTSUP;

  numapool_placement_t counts = {0};
  for (size_t n = 0; n < node_count; n++)
    node_pages[n] = 0;
  uintptr_t first;
  size_t pages = page_span(pointer, size, &first);
  counts.pages = pages;
  void *addresses[PAGES_PER_CALL];
  int status[PAGES_PER_CALL];
  for (size_t done = 0; done < pages;) {
    size_t count = pages - done < PAGES_PER_CALL ? pages - done : PAGES_PER_CALL;
    for (size_t i = 0; i < count; i++)
      addresses[i] = (void *)(first + (done + i) * numapool_page_size());
    int result = move_chunk(addresses, NULL, status, count, 0);
    if (result != 0)
      return result;
    count_status(status, count, node_pages, node_count, &counts);
    done += count;
  }
  if (summary != NULL)
    *summary = counts;
  return 0;
}

/* Moves one chunk, retrying the pages reported busy. Returns 0, or
 * NUMAPOOL_EBUSY when some stayed busy, or an error. */
static int move_with_retries(void **pages, size_t count, int node) {
  int nodes[PAGES_PER_CALL];
  int status[PAGES_PER_CALL];
  for (size_t i = 0; i < count; i++)
    nodes[i] = node;

  for (int round = 0; count > 0; round++) {
    int result = move_chunk(pages, nodes, status, count, MPOL_MF_MOVE);
    if (result != 0)
      return result;
    /* Keep the busy pages at the front for the next round. */
    size_t busy = 0;
    for (size_t i = 0; i < count; i++)
      if (status[i] == -EBUSY)
        pages[busy++] = pages[i];
    if (busy > 0 && round + 1 >= BUSY_RETRIES) {
      NUMAPOOL_LOG_WARN("%zu pages stayed busy after %d move attempts", busy, BUSY_RETRIES);
      return NUMAPOOL_EBUSY;
    }
    if (busy > 0)
      sched_yield();
    count = busy;
  }
  return 0;
}

int numapool_memory_move(void *pointer, size_t size, int node) {
  if (pointer == NULL) {
    NUMAPOOL_LOG_ERROR("invalid numapool_memory_move: pointer is NULL");
    return NUMAPOOL_EINVAL;
  }
  if (!numa_usable())
    return NUMAPOOL_ENOTSUP;
  if (!node_in_range(node, "numapool_memory_move"))
    return NUMAPOOL_EINVAL;
  if (!node_has_memory(node)) {
    NUMAPOOL_LOG_ERROR("invalid numapool_memory_move node %d: the node has no memory; move "
                       "the buffer to a node with memory",
                       node);
    return NUMAPOOL_EINVAL;
  }

  uintptr_t first;
  size_t pages = page_span(pointer, size, &first);
  void *addresses[PAGES_PER_CALL];
  for (size_t done = 0; done < pages;) {
    size_t count = pages - done < PAGES_PER_CALL ? pages - done : PAGES_PER_CALL;
    for (size_t i = 0; i < count; i++)
      addresses[i] = (void *)(first + (done + i) * numapool_page_size());
    int result = move_with_retries(addresses, count, node);
    if (result != 0)
      return result;
    done += count;
  }
  return 0;
}

#else /* !NUMAPOOL_HAVE_LIBNUMA */

void *numapool_memory_alloc_local(size_t size, int node) {
  if (node < 0) {
    NUMAPOOL_LOG_ERROR("invalid numapool_memory_alloc_local node %d", node);
    errno = EINVAL;
    return NULL;
  }
  NUMAPOOL_WARN_ONCE("built without libnuma; node-local buffers fall back to first touch");
  return map_checked(size, "numapool_memory_alloc_local");
}

void *numapool_memory_alloc_interleaved(size_t size, const int nodes[], size_t node_count) {
  (void)nodes;
  (void)node_count;
  NUMAPOOL_WARN_ONCE("built without libnuma; interleaved buffers fall back to first touch");
  return map_checked(size, "numapool_memory_alloc_interleaved");
}

int numapool_memory_placement(const void *pointer, size_t size, size_t node_pages[],
                              size_t node_count, numapool_placement_t *summary) {
  (void)pointer;
  (void)size;
  (void)node_pages;
  (void)node_count;
  (void)summary;
  return NUMAPOOL_ENOTSUP;
}

int numapool_memory_move(void *pointer, size_t size, int node) {
  (void)pointer;
  (void)size;
  (void)node;
  return NUMAPOOL_ENOTSUP;
}

#endif
