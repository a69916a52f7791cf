/*
 * Memory for code that runs on a pool: aligned allocation, buffers whose
 * pages land on the node of the thread that computes on them, node-local
 * and interleaved buffers, and a query of where a buffer's pages are.
 *
 * Two families, each with its own free:
 *   - numapool_aligned_alloc() memory is freed with numapool_aligned_free();
 *   - numapool_memory_alloc_*() memory is whole pages mapped for the
 *     buffer, freed with numapool_memory_free(pointer, size) with the size
 *     given at allocation.
 *
 * Linux places a page on a NUMA node when it is first written ("first
 * touch"), unless a memory policy places it elsewhere. With transparent huge
 * pages (THP) in "always" mode, the first write to a 2 MiB region places
 * the whole region.
 */
#ifndef NUMAPOOL_MEMORY_H
#define NUMAPOOL_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include <numapool/numapool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Cache line size numapool aligns shared data to, in bytes. */
#define NUMAPOOL_CACHE_LINE_SIZE 64

/* Transparent huge page mode, from /sys/kernel/mm/transparent_hugepage/enabled. */
typedef enum numapool_thp_mode {
  NUMAPOOL_THP_UNKNOWN = 0, /* the file is missing or unreadable */
  NUMAPOOL_THP_NEVER = 1,
  NUMAPOOL_THP_MADVISE = 2, /* only regions advised with MADV_HUGEPAGE */
  NUMAPOOL_THP_ALWAYS = 3
} numapool_thp_mode_t;

NUMAPOOL_API numapool_thp_mode_t numapool_thp_mode(void);

/* The base page size, in bytes. */
NUMAPOOL_API size_t numapool_page_size(void);

/* The transparent huge page size (hpage_pmd_size), in bytes; 2 MiB when
 * the kernel does not report it. */
NUMAPOOL_API size_t numapool_huge_page_size(void);

/* Allocates size bytes aligned to alignment, a power of two: for example
 * NUMAPOOL_CACHE_LINE_SIZE, numapool_page_size() or
 * numapool_huge_page_size(). With an alignment of the huge page size and
 * THP in "madvise" mode, the whole huge pages of the block are advised with
 * MADV_HUGEPAGE. Returns NULL and sets errno to EINVAL (alignment not a
 * power of two, size 0) or ENOMEM. Free with numapool_aligned_free(). */
NUMAPOOL_API void *numapool_aligned_alloc(size_t alignment, size_t size);

/* Frees memory from numapool_aligned_alloc(). NULL does nothing. */
NUMAPOOL_API void numapool_aligned_free(void *pointer);

/*
 * Allocates a first-touch buffer for the items of a parallel-for shape:
 * product(range) items of item_size bytes, in row-major order (the last
 * dimension fastest), as numapool_parallel_for(pool, dims, range, tile,
 * ...) visits them. Before returning, each of the pool's threads writes
 * the pages whose first byte lies in an item of the tiles that the pool's
 * split gives it, so the pages land on that thread's node. The split is
 * the one a parallel-for of this shape starts from (before any stealing),
 * and stays so while the pool's thread count and minimum work size do not
 * change.
 *
 * Partitions follow the page size in use: with THP in "always" mode the
 * buffer is aligned to the huge page size and each whole huge page goes to
 * the owner of its first byte; otherwise each base page does. Thread 0 is
 * the calling thread, which the pool never binds: its pages land on the
 * node it runs on. The memory is zeroed. A NULL pool touches every page on
 * the caller.
 *
 * Returns NULL and sets errno to EINVAL (dims outside 1..6, a NULL range,
 * a tile of 0, item_size 0, an empty range), EOVERFLOW (the size overflows
 * size_t) or ENOMEM. Free with numapool_memory_free(pointer, size) where
 * size is product(range) * item_size.
 */
NUMAPOOL_API void *numapool_memory_alloc_first_touch(numapool_t *pool, size_t dims,
                                                     const size_t range[],
                                                     const size_t tile[], size_t item_size);

/* Stores in *thread_index the thread that first touches byte `offset` of a
 * numapool_memory_alloc_first_touch() buffer of this shape on this pool, so
 * numapool_thread_place() gives the node the byte is expected on. Returns
 * 0, or NUMAPOOL_EINVAL (as for the allocation, or an offset beyond the
 * buffer) or NUMAPOOL_EOVERFLOW. */
NUMAPOOL_API int numapool_memory_owner(const numapool_t *pool, size_t dims,
                                       const size_t range[], const size_t tile[],
                                       size_t item_size, size_t offset, size_t *thread_index);

/* Allocates size bytes whose pages are placed on NUMA node `node` (OS
 * index) when first written, by any thread (an MPOL_BIND memory policy).
 * Falls back to plain first-touch memory, with one logged warning, when
 * the build has no libnuma, the kernel has no NUMA support, the node has no
 * memory, or the kernel rejects the policy (EPERM in containers).
 * Returns NULL and sets errno to EINVAL (size 0, a negative node or one
 * above the highest node) or ENOMEM. Free with numapool_memory_free(). */
NUMAPOOL_API void *numapool_memory_alloc_local(size_t size, int node);

/* Allocates size bytes whose pages are spread round-robin over the given
 * nodes (MPOL_INTERLEAVE); nodes NULL means every node the process may
 * allocate on. Falls back as numapool_memory_alloc_local() does, and
 * fails the same way; nodes without memory are left out. */
NUMAPOOL_API void *numapool_memory_alloc_interleaved(size_t size, const int nodes[],
                                                     size_t node_count);

/* Unmaps a buffer from numapool_memory_alloc_*(); size is the size given
 * at allocation. NULL does nothing. */
NUMAPOOL_API void numapool_memory_free(void *pointer, size_t size);

/* Where the base pages of a memory range are. */
typedef struct numapool_placement {
  size_t pages;     /* base pages that the range overlaps */
  size_t absent;    /* pages not written yet (or swapped out) */
  size_t elsewhere; /* pages on nodes at or above the caller's node_count */
  size_t unknown;   /* pages whose node the kernel did not report */
} numapool_placement_t;

/* Counts the base pages of [pointer, pointer + size) on each NUMA node:
 * node_pages[n] for nodes n < node_count, the rest in *summary (either may
 * be NULL when node_count is 0). Uses move_pages(2) without target nodes,
 * which moves nothing. Returns 0, NUMAPOOL_EINVAL, NUMAPOOL_ENOTSUP (no
 * libnuma in the build, or no NUMA support in the kernel) or NUMAPOOL_EPERM
 * (the kernel rejected the query). */
NUMAPOOL_API int numapool_memory_placement(const void *pointer, size_t size,
                                           size_t node_pages[], size_t node_count,
                                           numapool_placement_t *summary);

/* Moves the written pages of [pointer, pointer + size) to NUMA node `node`
 * with move_pages(2), retrying pages the kernel reports busy (EBUSY) a few
 * times. Returns 0, NUMAPOOL_EINVAL (a negative node, one above the highest
 * node, or one without memory), NUMAPOOL_EBUSY (some pages stayed busy),
 * NUMAPOOL_ENOTSUP, NUMAPOOL_EPERM or NUMAPOOL_ENOMEM. */
NUMAPOOL_API int numapool_memory_move(void *pointer, size_t size, int node);

#ifdef __cplusplus
}
#endif

#endif /* NUMAPOOL_MEMORY_H */
