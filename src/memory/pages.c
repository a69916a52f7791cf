/* Page sizes, the transparent huge page mode, aligned allocation and page
 * mappings. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <numapool/memory.h>

#include "common/log.h"
#include "memory/map.h"

#define DEFAULT_HUGE_PAGE_SIZE ((size_t)2 << 20)

/* Reads the first line of a small sysfs file into buffer; false when it
 * cannot be read. */
static bool read_line(const char *path, char *buffer, size_t size) {
  FILE *file = fopen(path, "re");
  if (file == NULL)
    return false;
  bool ok = fgets(buffer, (int)size, file) != NULL;
  fclose(file);
  return ok;
}

numapool_thp_mode_t numapool_thp_mode(void) {
  /* The file lists every mode and brackets the active one:
   * "always [madvise] never". */
  char line[128];
  if (!read_line("/sys/kernel/mm/transparent_hugepage/enabled", line, sizeof(line)))
    return NUMAPOOL_THP_UNKNOWN;
  if (strstr(line, "[always]") != NULL)
    return NUMAPOOL_THP_ALWAYS;
  if (strstr(line, "[madvise]") != NULL)
    return NUMAPOOL_THP_MADVISE;
  if (strstr(line, "[never]") != NULL)
    return NUMAPOOL_THP_NEVER;
  return NUMAPOOL_THP_UNKNOWN;
}

size_t numapool_page_size(void) {
  long size = sysconf(_SC_PAGESIZE);
  return size > 0 ? (size_t)size : 4096;
}

size_t numapool_huge_page_size(void) {
  char line[64];
  if (!read_line("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", line, sizeof(line)))
    return DEFAULT_HUGE_PAGE_SIZE;
  char *end = NULL;
  unsigned long long size = strtoull(line, &end, 10);
  if (end == line || size == 0 || (size & (size - 1)) != 0 || size > SIZE_MAX)
    return DEFAULT_HUGE_PAGE_SIZE;
  return (size_t)size;
}

/* Advises the whole huge pages inside [start, start + size) with
 * MADV_HUGEPAGE; a rejection only costs speed, so it is logged once. */
static void advise_huge(void *start, size_t size) {
  size_t huge = numapool_huge_page_size();
  uintptr_t first = ((uintptr_t)start + huge - 1) & ~(uintptr_t)(huge - 1);
  uintptr_t last = ((uintptr_t)start + size) & ~(uintptr_t)(huge - 1);
  if (last <= first)
    return;
  if (madvise((void *)first, last - first, MADV_HUGEPAGE) != 0)
    NUMAPOOL_WARN_ONCE("madvise(MADV_HUGEPAGE) failed (%s); the buffer uses base pages",
                       strerror(errno));
}

void *numapool_aligned_alloc(size_t alignment, size_t size) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || size == 0) {
    NUMAPOOL_LOG_ERROR("invalid numapool_aligned_alloc(alignment %zu, size %zu): the "
                       "alignment must be a power of two and the size at least 1",
                       alignment, size);
    errno = EINVAL;
    return NULL;
  }
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);

  void *pointer = NULL;
  int status = posix_memalign(&pointer, alignment, size);
  if (status != 0) {
    errno = status;
    return NULL;
  }
  if (alignment >= numapool_huge_page_size() && numapool_thp_mode() == NUMAPOOL_THP_MADVISE)
    advise_huge(pointer, size);
  return pointer;
}

void numapool_aligned_free(void *pointer) { free(pointer); }

size_t numapool__memory_granule(void) {
  if (numapool_thp_mode() == NUMAPOOL_THP_ALWAYS)
    return numapool_huge_page_size();
  return numapool_page_size();
}

size_t numapool__memory_page_round(size_t size) {
  size_t page = numapool_page_size();
  if (size > SIZE_MAX - (page - 1))
    return 0;
  return (size + page - 1) & ~(page - 1);
}

void *numapool__memory_map(size_t size, size_t alignment) {
  size_t length = numapool__memory_page_round(size);
  size_t page = numapool_page_size();
  if (alignment < page)
    alignment = page;
  if (length == 0 || length > SIZE_MAX - alignment) {
    errno = length == 0 && size == 0 ? EINVAL : ENOMEM;
    return NULL;
  }

  /* Map extra room, then unmap the parts before the aligned start and
   * after its end. */
  size_t mapped = length + alignment - page;
  char *raw = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED)
    return NULL;
  uintptr_t start = ((uintptr_t)raw + alignment - 1) & ~(uintptr_t)(alignment - 1);
  size_t head = start - (uintptr_t)raw;
  size_t tail = mapped - head - length;
  if (head > 0 && munmap(raw, head) != 0)
    NUMAPOOL_LOG_WARN("munmap of %zu alignment bytes failed: %s", head, strerror(errno));
  if (tail > 0 && munmap((char *)start + length, tail) != 0)
    NUMAPOOL_LOG_WARN("munmap of %zu alignment bytes failed: %s", tail, strerror(errno));
  return (void *)start;
}

void numapool_memory_free(void *pointer, size_t size) {
  if (pointer == NULL)
    return;
  size_t length = numapool__memory_page_round(size);
  if (length == 0 || munmap(pointer, length) != 0)
    NUMAPOOL_LOG_ERROR("numapool_memory_free(%p, %zu) failed: %s; pass the pointer and "
                       "size given by the allocation",
                       pointer, size, length == 0 ? "invalid size" : strerror(errno));
}
