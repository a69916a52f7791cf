/* Page mappings shared by the memory functions. */
#ifndef NUMAPOOL_MEMORY_MAP_H
#define NUMAPOOL_MEMORY_MAP_H

#include <stddef.h>

#include <numapool/export.h>

/* Maps size bytes of zeroed anonymous memory whose start is aligned to
 * alignment (a multiple of the page size). The mapping spans size rounded
 * up to whole pages, so numapool_memory_free(pointer, size) unmaps it.
 * Returns NULL and sets errno on failure. */
NUMAPOOL_INTERNAL void *numapool__memory_map(size_t size, size_t alignment);

/* The unit in which the kernel places a fresh anonymous mapping on nodes:
 * the huge page size when THP is in "always" mode, because the first
 * write to any byte of an aligned huge page places all of it, else the
 * base page size. */
NUMAPOOL_INTERNAL size_t numapool__memory_granule(void);

/* size rounded up to whole base pages; 0 when that overflows. */
NUMAPOOL_INTERNAL size_t numapool__memory_page_round(size_t size);

#endif /* NUMAPOOL_MEMORY_MAP_H */
