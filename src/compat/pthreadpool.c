/* The pthreadpool functions: each one states its loop's shape and hands it
 * to the generic core in adapter.c. */
#include <pthreadpool.h>

#include <errno.h>

#include <numapool/numapool.h>

#include "common/log.h"
#include "compat/adapter.h"

#define PTHREADPOOL_API __attribute__((visibility("default")))

/* The shape of the calling function's loop: dims dimensions, the tiled ones
 * given by TILED, and the task arguments given by PREFIX. */
#define SHAPE(dims, tiled, prefix, dynamic)                                     \
  (&(const numapool__compat_shape_t){__func__, dims, tiled, NUMAPOOL__PREFIX_##prefix, dynamic})
#define SIZES(...) ((const size_t[]){__VA_ARGS__})

/* Tiled-dimension masks. */
#define UNTILED 0u
#define TILE_LAST(dims) (1u << ((dims)-1))
#define TILE_LAST2(dims) (3u << ((dims)-2))
#define TILE_ALL(dims) ((1u << (dims)) - 1)

#define RUN(shape, ranges, tiles, uarch, flags)                                 \
  numapool__compat_run(threadpool, shape, (numapool__compat_function_t)function, context, \
                       ranges, tiles, uarch, flags)

/* Pool management. */

PTHREADPOOL_API pthreadpool_t pthreadpool_create(size_t threads_count) {
  numapool_options_t options = {.thread_count = threads_count};
  numapool_t *pool = numapool_create(&options);
  if (pool == NULL)
    NUMAPOOL_LOG_ERROR("pthreadpool_create(%zu) failed: %s", threads_count,
                       numapool_strerror(-errno));
  return (pthreadpool_t)pool;
}

PTHREADPOOL_API size_t pthreadpool_get_threads_count(pthreadpool_t threadpool) {
  return numapool_get_thread_count((const numapool_t *)threadpool);
}

PTHREADPOOL_API size_t pthreadpool_set_threads_count(pthreadpool_t threadpool,
                                                     size_t num_threads) {
  if (threadpool == NULL)
    return 1;
  /* 0 means the maximum: numapool_set_thread_count clamps SIZE_MAX to it. */
  return numapool_set_thread_count((numapool_t *)threadpool,
                                   num_threads == 0 ? SIZE_MAX : num_threads);
}

PTHREADPOOL_API void pthreadpool_destroy(pthreadpool_t threadpool) {
  numapool_destroy((numapool_t *)threadpool);
}

/* 1-D */

PTHREADPOOL_API void pthreadpool_parallelize_1d(pthreadpool_t threadpool,
                                                pthreadpool_task_1d_t function, void *context,
                                                size_t range, uint32_t flags) {
  RUN(SHAPE(1, UNTILED, NONE, false), SIZES(range), SIZES(1), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_1d_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_1d_with_thread_t function, void *context,
    size_t range, uint32_t flags) {
  RUN(SHAPE(1, UNTILED, THREAD, false), SIZES(range), SIZES(1), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_1d_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_1d_with_id_t function, void *context,
    uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range, uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(1, UNTILED, UARCH, false), SIZES(range), SIZES(1), default_uarch_index, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_1d_tile_1d(pthreadpool_t threadpool,
                                                        pthreadpool_task_1d_tile_1d_t function,
                                                        void *context, size_t range, size_t tile,
                                                        uint32_t flags) {
  RUN(SHAPE(1, TILE_ALL(1), NONE, false), SIZES(range), SIZES(tile), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_1d_tile_1d_dynamic(
    pthreadpool_t threadpool, pthreadpool_task_1d_tile_1d_dynamic_t function, void *context,
    size_t range, size_t tile, uint32_t flags) {
  RUN(SHAPE(1, TILE_ALL(1), NONE, true), SIZES(range), SIZES(tile), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_1d_tile_1d_dynamic_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_1d_tile_1d_dynamic_with_id_t function,
    void *context, size_t range, size_t tile, uint32_t flags) {
  RUN(SHAPE(1, TILE_ALL(1), THREAD_ID, true), SIZES(range), SIZES(tile), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_1d_tile_1d_dynamic_with_uarch_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_1d_tile_1d_dynamic_with_id_with_thread_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range,
    size_t tile, uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(1, TILE_ALL(1), UARCH_THREAD, true), SIZES(range), SIZES(tile), default_uarch_index,
      flags);
}

/* 2-D */

PTHREADPOOL_API void pthreadpool_parallelize_2d(pthreadpool_t threadpool,
                                                pthreadpool_task_2d_t function, void *context,
                                                size_t range_i, size_t range_j, uint32_t flags) {
  RUN(SHAPE(2, UNTILED, NONE, false), SIZES(range_i, range_j), SIZES(1, 1), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_2d_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_2d_with_thread_t function, void *context,
    size_t range_i, size_t range_j, uint32_t flags) {
  RUN(SHAPE(2, UNTILED, THREAD, false), SIZES(range_i, range_j), SIZES(1, 1), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_2d_tile_1d(pthreadpool_t threadpool,
                                                        pthreadpool_task_2d_tile_1d_t function,
                                                        void *context, size_t range_i,
                                                        size_t range_j, size_t tile_j,
                                                        uint32_t flags) {
  RUN(SHAPE(2, TILE_LAST(2), NONE, false), SIZES(range_i, range_j), SIZES(1, tile_j), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_2d_tile_1d_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_1d_with_id_t function, void *context,
    uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i, size_t range_j,
    size_t tile_j, uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(2, TILE_LAST(2), UARCH, false), SIZES(range_i, range_j), SIZES(1, tile_j),
      default_uarch_index, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_2d_tile_1d_with_uarch_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_1d_with_id_with_thread_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t tile_j, uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(2, TILE_LAST(2), UARCH_THREAD, false), SIZES(range_i, range_j), SIZES(1, tile_j),
      default_uarch_index, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_2d_tile_1d_dynamic(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_1d_dynamic_t function, void *context,
    size_t range_i, size_t range_j, size_t tile_j, uint32_t flags) {
  RUN(SHAPE(2, TILE_LAST(2), NONE, true), SIZES(range_i, range_j), SIZES(1, tile_j), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_2d_tile_1d_dynamic_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_1d_dynamic_with_id_t function,
    void *context, size_t range_i, size_t range_j, size_t tile_j, uint32_t flags) {
  RUN(SHAPE(2, TILE_LAST(2), THREAD_ID, true), SIZES(range_i, range_j), SIZES(1, tile_j), 0,
      flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_2d_tile_1d_dynamic_with_uarch_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_1d_dynamic_with_id_with_thread_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t tile_j, uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(2, TILE_LAST(2), UARCH_THREAD, true), SIZES(range_i, range_j), SIZES(1, tile_j),
      default_uarch_index, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_2d_tile_2d(pthreadpool_t threadpool,
                                                        pthreadpool_task_2d_tile_2d_t function,
                                                        void *context, size_t range_i,
                                                        size_t range_j, size_t tile_i,
                                                        size_t tile_j, uint32_t flags) {
  RUN(SHAPE(2, TILE_ALL(2), NONE, false), SIZES(range_i, range_j), SIZES(tile_i, tile_j), 0,
      flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_2d_tile_2d_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_2d_with_id_t function, void *context,
    uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i, size_t range_j,
    size_t tile_i, size_t tile_j, uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(2, TILE_ALL(2), UARCH, false), SIZES(range_i, range_j), SIZES(tile_i, tile_j),
      default_uarch_index, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_2d_tile_2d_dynamic(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_2d_dynamic_t function, void *context,
    size_t range_i, size_t range_j, size_t tile_i, size_t tile_j, uint32_t flags) {
  RUN(SHAPE(2, TILE_ALL(2), NONE, true), SIZES(range_i, range_j), SIZES(tile_i, tile_j), 0,
      flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_2d_tile_2d_dynamic_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_2d_dynamic_with_id_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t tile_i, size_t tile_j, uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(2, TILE_ALL(2), UARCH, true), SIZES(range_i, range_j), SIZES(tile_i, tile_j),
      default_uarch_index, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_2d_tile_2d_dynamic_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_2d_dynamic_with_id_t function,
    void *context, size_t range_i, size_t range_j, size_t tile_i, size_t tile_j,
    uint32_t flags) {
  RUN(SHAPE(2, TILE_ALL(2), THREAD_ID, true), SIZES(range_i, range_j), SIZES(tile_i, tile_j), 0,
      flags);
}

/* 3-D */

PTHREADPOOL_API void pthreadpool_parallelize_3d(pthreadpool_t threadpool,
                                                pthreadpool_task_3d_t function, void *context,
                                                size_t range_i, size_t range_j, size_t range_k,
                                                uint32_t flags) {
  RUN(SHAPE(3, UNTILED, NONE, false), SIZES(range_i, range_j, range_k), SIZES(1, 1, 1), 0,
      flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_3d_tile_1d(pthreadpool_t threadpool,
                                                        pthreadpool_task_3d_tile_1d_t function,
                                                        void *context, size_t range_i,
                                                        size_t range_j, size_t range_k,
                                                        size_t tile_k, uint32_t flags) {
  RUN(SHAPE(3, TILE_LAST(3), NONE, false), SIZES(range_i, range_j, range_k), SIZES(1, 1, tile_k),
      0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_3d_tile_1d_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_1d_with_thread_t function, void *context,
    size_t range_i, size_t range_j, size_t range_k, size_t tile_k, uint32_t flags) {
  RUN(SHAPE(3, TILE_LAST(3), THREAD, false), SIZES(range_i, range_j, range_k),
      SIZES(1, 1, tile_k), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_3d_tile_1d_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_1d_with_id_t function, void *context,
    uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i, size_t range_j,
    size_t range_k, size_t tile_k, uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(3, TILE_LAST(3), UARCH, false), SIZES(range_i, range_j, range_k),
      SIZES(1, 1, tile_k), default_uarch_index, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_3d_tile_1d_with_uarch_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_1d_with_id_with_thread_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t range_k, size_t tile_k, uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(3, TILE_LAST(3), UARCH_THREAD, false), SIZES(range_i, range_j, range_k),
      SIZES(1, 1, tile_k), default_uarch_index, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_3d_tile_1d_dynamic(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_1d_dynamic_t function, void *context,
    size_t range_i, size_t range_j, size_t range_k, size_t tile_k, uint32_t flags) {
  RUN(SHAPE(3, TILE_LAST(3), NONE, true), SIZES(range_i, range_j, range_k), SIZES(1, 1, tile_k),
      0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_3d_tile_1d_dynamic_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_1d_dynamic_with_id_t function,
    void *context, size_t range_i, size_t range_j, size_t range_k, size_t tile_k,
    uint32_t flags) {
  RUN(SHAPE(3, TILE_LAST(3), THREAD_ID, true), SIZES(range_i, range_j, range_k),
      SIZES(1, 1, tile_k), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_3d_tile_1d_dynamic_with_uarch_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_1d_dynamic_with_id_with_thread_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t range_k, size_t tile_k, uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(3, TILE_LAST(3), UARCH_THREAD, true), SIZES(range_i, range_j, range_k),
      SIZES(1, 1, tile_k), default_uarch_index, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_3d_tile_2d(pthreadpool_t threadpool,
                                                        pthreadpool_task_3d_tile_2d_t function,
                                                        void *context, size_t range_i,
                                                        size_t range_j, size_t range_k,
                                                        size_t tile_j, size_t tile_k,
                                                        uint32_t flags) {
  RUN(SHAPE(3, TILE_LAST2(3), NONE, false), SIZES(range_i, range_j, range_k),
      SIZES(1, tile_j, tile_k), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_3d_tile_2d_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_2d_with_id_t function, void *context,
    uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i, size_t range_j,
    size_t range_k, size_t tile_j, size_t tile_k, uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(3, TILE_LAST2(3), UARCH, false), SIZES(range_i, range_j, range_k),
      SIZES(1, tile_j, tile_k), default_uarch_index, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_3d_tile_2d_dynamic(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_2d_dynamic_t function, void *context,
    size_t range_i, size_t range_j, size_t range_k, size_t tile_j, size_t tile_k,
    uint32_t flags) {
  RUN(SHAPE(3, TILE_LAST2(3), NONE, true), SIZES(range_i, range_j, range_k),
      SIZES(1, tile_j, tile_k), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_3d_tile_2d_dynamic_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_2d_dynamic_with_id_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t range_k, size_t tile_j, size_t tile_k, uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(3, TILE_LAST2(3), UARCH, true), SIZES(range_i, range_j, range_k),
      SIZES(1, tile_j, tile_k), default_uarch_index, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_3d_tile_2d_dynamic_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_2d_dynamic_with_id_t function,
    void *context, size_t range_i, size_t range_j, size_t range_k, size_t tile_j, size_t tile_k,
    uint32_t flags) {
  RUN(SHAPE(3, TILE_LAST2(3), THREAD_ID, true), SIZES(range_i, range_j, range_k),
      SIZES(1, tile_j, tile_k), 0, flags);
}

/* 4-D */

PTHREADPOOL_API void pthreadpool_parallelize_4d(pthreadpool_t threadpool,
                                                pthreadpool_task_4d_t function, void *context,
                                                size_t range_i, size_t range_j, size_t range_k,
                                                size_t range_l, uint32_t flags) {
  RUN(SHAPE(4, UNTILED, NONE, false), SIZES(range_i, range_j, range_k, range_l),
      SIZES(1, 1, 1, 1), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_4d_tile_1d(pthreadpool_t threadpool,
                                                        pthreadpool_task_4d_tile_1d_t function,
                                                        void *context, size_t range_i,
                                                        size_t range_j, size_t range_k,
                                                        size_t range_l, size_t tile_l,
                                                        uint32_t flags) {
  RUN(SHAPE(4, TILE_LAST(4), NONE, false), SIZES(range_i, range_j, range_k, range_l),
      SIZES(1, 1, 1, tile_l), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_4d_tile_2d(pthreadpool_t threadpool,
                                                        pthreadpool_task_4d_tile_2d_t function,
                                                        void *context, size_t range_i,
                                                        size_t range_j, size_t range_k,
                                                        size_t range_l, size_t tile_k,
                                                        size_t tile_l, uint32_t flags) {
  RUN(SHAPE(4, TILE_LAST2(4), NONE, false), SIZES(range_i, range_j, range_k, range_l),
      SIZES(1, 1, tile_k, tile_l), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_4d_tile_2d_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_4d_tile_2d_with_id_t function, void *context,
    uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i, size_t range_j,
    size_t range_k, size_t range_l, size_t tile_k, size_t tile_l, uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(4, TILE_LAST2(4), UARCH, false), SIZES(range_i, range_j, range_k, range_l),
      SIZES(1, 1, tile_k, tile_l), default_uarch_index, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_4d_tile_2d_dynamic(
    pthreadpool_t threadpool, pthreadpool_task_4d_tile_2d_dynamic_t function, void *context,
    size_t range_i, size_t range_j, size_t range_k, size_t range_l, size_t tile_k, size_t tile_l,
    uint32_t flags) {
  RUN(SHAPE(4, TILE_LAST2(4), NONE, true), SIZES(range_i, range_j, range_k, range_l),
      SIZES(1, 1, tile_k, tile_l), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_4d_tile_2d_dynamic_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_4d_tile_2d_dynamic_with_id_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t range_k, size_t range_l, size_t tile_k, size_t tile_l,
    uint32_t flags) {
  (void)max_uarch_index;
  RUN(SHAPE(4, TILE_LAST2(4), UARCH, true), SIZES(range_i, range_j, range_k, range_l),
      SIZES(1, 1, tile_k, tile_l), default_uarch_index, flags);
}

/* 5-D */

PTHREADPOOL_API void pthreadpool_parallelize_5d(pthreadpool_t threadpool,
                                                pthreadpool_task_5d_t function, void *context,
                                                size_t range_i, size_t range_j, size_t range_k,
                                                size_t range_l, size_t range_m, uint32_t flags) {
  RUN(SHAPE(5, UNTILED, NONE, false), SIZES(range_i, range_j, range_k, range_l, range_m),
      SIZES(1, 1, 1, 1, 1), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_5d_tile_1d(pthreadpool_t threadpool,
                                                        pthreadpool_task_5d_tile_1d_t function,
                                                        void *context, size_t range_i,
                                                        size_t range_j, size_t range_k,
                                                        size_t range_l, size_t range_m,
                                                        size_t tile_m, uint32_t flags) {
  RUN(SHAPE(5, TILE_LAST(5), NONE, false), SIZES(range_i, range_j, range_k, range_l, range_m),
      SIZES(1, 1, 1, 1, tile_m), 0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_5d_tile_2d(pthreadpool_t threadpool,
                                                        pthreadpool_task_5d_tile_2d_t function,
                                                        void *context, size_t range_i,
                                                        size_t range_j, size_t range_k,
                                                        size_t range_l, size_t range_m,
                                                        size_t tile_l, size_t tile_m,
                                                        uint32_t flags) {
  RUN(SHAPE(5, TILE_LAST2(5), NONE, false), SIZES(range_i, range_j, range_k, range_l, range_m),
      SIZES(1, 1, 1, tile_l, tile_m), 0, flags);
}

/* 6-D */

PTHREADPOOL_API void pthreadpool_parallelize_6d(pthreadpool_t threadpool,
                                                pthreadpool_task_6d_t function, void *context,
                                                size_t range_i, size_t range_j, size_t range_k,
                                                size_t range_l, size_t range_m, size_t range_n,
                                                uint32_t flags) {
  RUN(SHAPE(6, UNTILED, NONE, false),
      SIZES(range_i, range_j, range_k, range_l, range_m, range_n), SIZES(1, 1, 1, 1, 1, 1), 0,
      flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_6d_tile_1d(pthreadpool_t threadpool,
                                                        pthreadpool_task_6d_tile_1d_t function,
                                                        void *context, size_t range_i,
                                                        size_t range_j, size_t range_k,
                                                        size_t range_l, size_t range_m,
                                                        size_t range_n, size_t tile_n,
                                                        uint32_t flags) {
  RUN(SHAPE(6, TILE_LAST(6), NONE, false),
      SIZES(range_i, range_j, range_k, range_l, range_m, range_n), SIZES(1, 1, 1, 1, 1, tile_n),
      0, flags);
}

PTHREADPOOL_API void pthreadpool_parallelize_6d_tile_2d(pthreadpool_t threadpool,
                                                        pthreadpool_task_6d_tile_2d_t function,
                                                        void *context, size_t range_i,
                                                        size_t range_j, size_t range_k,
                                                        size_t range_l, size_t range_m,
                                                        size_t range_n, size_t tile_m,
                                                        size_t tile_n, uint32_t flags) {
  RUN(SHAPE(6, TILE_LAST2(6), NONE, false),
      SIZES(range_i, range_j, range_k, range_l, range_m, range_n),
      SIZES(1, 1, 1, 1, tile_m, tile_n), 0, flags);
}

/* Legacy API: no flags; the 3-D and 4-D calls tile every dimension. */

PTHREADPOOL_API void pthreadpool_compute_1d(pthreadpool_t threadpool,
                                            pthreadpool_function_1d_t function, void *context,
                                            size_t range) {
  RUN(SHAPE(1, UNTILED, NONE, false), SIZES(range), SIZES(1), 0, 0);
}

PTHREADPOOL_API void pthreadpool_compute_1d_tiled(pthreadpool_t threadpool,
                                                  pthreadpool_function_1d_tiled_t function,
                                                  void *context, size_t range, size_t tile) {
  RUN(SHAPE(1, TILE_ALL(1), NONE, false), SIZES(range), SIZES(tile), 0, 0);
}

PTHREADPOOL_API void pthreadpool_compute_2d(pthreadpool_t threadpool,
                                            pthreadpool_function_2d_t function, void *context,
                                            size_t range_i, size_t range_j) {
  RUN(SHAPE(2, UNTILED, NONE, false), SIZES(range_i, range_j), SIZES(1, 1), 0, 0);
}

PTHREADPOOL_API void pthreadpool_compute_2d_tiled(pthreadpool_t threadpool,
                                                  pthreadpool_function_2d_tiled_t function,
                                                  void *context, size_t range_i, size_t range_j,
                                                  size_t tile_i, size_t tile_j) {
  RUN(SHAPE(2, TILE_ALL(2), NONE, false), SIZES(range_i, range_j), SIZES(tile_i, tile_j), 0, 0);
}

PTHREADPOOL_API void pthreadpool_compute_3d_tiled(pthreadpool_t threadpool,
                                                  pthreadpool_function_3d_tiled_t function,
                                                  void *context, size_t range_i, size_t range_j,
                                                  size_t range_k, size_t tile_i, size_t tile_j,
                                                  size_t tile_k) {
  RUN(SHAPE(3, TILE_ALL(3), NONE, false), SIZES(range_i, range_j, range_k),
      SIZES(tile_i, tile_j, tile_k), 0, 0);
}

PTHREADPOOL_API void pthreadpool_compute_4d_tiled(pthreadpool_t threadpool,
                                                  pthreadpool_function_4d_tiled_t function,
                                                  void *context, size_t range_i, size_t range_j,
                                                  size_t range_k, size_t range_l, size_t tile_i,
                                                  size_t tile_j, size_t tile_k, size_t tile_l) {
  RUN(SHAPE(4, TILE_ALL(4), NONE, false), SIZES(range_i, range_j, range_k, range_l),
      SIZES(tile_i, tile_j, tile_k, tile_l), 0, 0);
}
