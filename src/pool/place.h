/* The split of a parallel-for's tiles over the threads, shared by the
 * parallel-for and by the first-touch allocation, which must place each
 * page where the same split runs it. */
#ifndef NUMAPOOL_POOL_PLACE_H
#define NUMAPOOL_POOL_PLACE_H

#include <stddef.h>

#include <numapool/export.h>

/* Thread `index` of `threads` owns the linear tiles [*begin, *end) of
 * `total`: contiguous shares in thread order whose sizes differ by at most
 * one. threads is at least 1. */
NUMAPOOL_INTERNAL void numapool__share_bounds(size_t total, size_t threads, size_t index,
                                              size_t *begin, size_t *end);

/* The thread whose share contains linear tile `linear` < total. */
NUMAPOOL_INTERNAL size_t numapool__share_owner(size_t total, size_t threads, size_t linear);

#endif /* NUMAPOOL_POOL_PLACE_H */
