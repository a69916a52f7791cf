/* The table of pthreadpool functions under test (see variants.h). */
#include "variants.h"

/* Tasks for each argument list: (void *, [uint32_t,] n x size_t). */
#define SIZES_1 size_t a0
#define SIZES_2 SIZES_1, size_t a1
#define SIZES_3 SIZES_2, size_t a2
#define SIZES_4 SIZES_3, size_t a3
#define SIZES_5 SIZES_4, size_t a4
#define SIZES_6 SIZES_5, size_t a5
#define SIZES_7 SIZES_6, size_t a6
#define SIZES_8 SIZES_7, size_t a7
#define VALUES_1 a0
#define VALUES_2 VALUES_1, a1
#define VALUES_3 VALUES_2, a2
#define VALUES_4 VALUES_3, a3
#define VALUES_5 VALUES_4, a4
#define VALUES_6 VALUES_5, a5
#define VALUES_7 VALUES_6, a6
#define VALUES_8 VALUES_7, a7

#define DEFINE_TASK(n)                                                         \
  static void task_##n(void *context, SIZES_##n) {                             \
    const size_t args[] = {VALUES_##n};                                        \
    test_task_record(context, false, 0, args, n);                              \
  }
#define DEFINE_TASK_ID(n)                                                      \
  static void task_id_##n(void *context, uint32_t id, SIZES_##n) {             \
    const size_t args[] = {VALUES_##n};                                        \
    test_task_record(context, true, id, args, n);                              \
  }

DEFINE_TASK(1)
DEFINE_TASK(2)
DEFINE_TASK(3)
DEFINE_TASK(4)
DEFINE_TASK(5)
DEFINE_TASK(6)
DEFINE_TASK(7)
DEFINE_TASK(8)
DEFINE_TASK_ID(1)
DEFINE_TASK_ID(2)
DEFINE_TASK_ID(3)
DEFINE_TASK_ID(4)
DEFINE_TASK_ID(5)
DEFINE_TASK_ID(6)

#define U TEST_DEFAULT_UARCH, TEST_MAX_UARCH

/* One caller per function; the arguments after the task are those that
 * follow the context in the function's parameter list. */
#define CALLER(function, task, ...)                                            \
  static void call_##function(pthreadpool_t pool, void *context, const size_t r[], \
                              const size_t t[], uint32_t flags) {              \
    (void)r;                                                                   \
    (void)t;                                                                   \
    (void)flags;                                                               \
    pthreadpool_##function(pool, task, context, __VA_ARGS__);                  \
  }

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

CALLER(parallelize_1d, task_1, r[0], flags)
CALLER(parallelize_1d_with_thread, task_2, r[0], flags)
CALLER(parallelize_1d_with_uarch, task_id_1, U, r[0], flags)
CALLER(parallelize_1d_tile_1d, task_2, r[0], t[0], flags)
CALLER(parallelize_1d_tile_1d_dynamic, task_2, r[0], t[0], flags)
CALLER(parallelize_1d_tile_1d_dynamic_with_thread, task_id_2, r[0], t[0], flags)
CALLER(parallelize_1d_tile_1d_dynamic_with_uarch_with_thread, task_id_3, U, r[0], t[0], flags)
CALLER(parallelize_2d, task_2, r[0], r[1], flags)
CALLER(parallelize_2d_with_thread, task_3, r[0], r[1], flags)
CALLER(parallelize_2d_tile_1d, task_3, r[0], r[1], t[1], flags)
CALLER(parallelize_2d_tile_1d_with_uarch, task_id_3, U, r[0], r[1], t[1], flags)
CALLER(parallelize_2d_tile_1d_with_uarch_with_thread, task_id_4, U, r[0], r[1], t[1], flags)
CALLER(parallelize_2d_tile_1d_dynamic, task_3, r[0], r[1], t[1], flags)
CALLER(parallelize_2d_tile_1d_dynamic_with_thread, task_id_3, r[0], r[1], t[1], flags)
CALLER(parallelize_2d_tile_1d_dynamic_with_uarch_with_thread, task_id_4, U, r[0], r[1], t[1],
       flags)
CALLER(parallelize_2d_tile_2d, task_4, r[0], r[1], t[0], t[1], flags)
CALLER(parallelize_2d_tile_2d_with_uarch, task_id_4, U, r[0], r[1], t[0], t[1], flags)
CALLER(parallelize_2d_tile_2d_dynamic, task_4, r[0], r[1], t[0], t[1], flags)
CALLER(parallelize_2d_tile_2d_dynamic_with_uarch, task_id_4, U, r[0], r[1], t[0], t[1], flags)
CALLER(parallelize_2d_tile_2d_dynamic_with_thread, task_id_4, r[0], r[1], t[0], t[1], flags)
CALLER(parallelize_3d, task_3, r[0], r[1], r[2], flags)
CALLER(parallelize_3d_tile_1d, task_4, r[0], r[1], r[2], t[2], flags)
CALLER(parallelize_3d_tile_1d_with_thread, task_5, r[0], r[1], r[2], t[2], flags)
CALLER(parallelize_3d_tile_1d_with_uarch, task_id_4, U, r[0], r[1], r[2], t[2], flags)
CALLER(parallelize_3d_tile_1d_with_uarch_with_thread, task_id_5, U, r[0], r[1], r[2], t[2],
       flags)
CALLER(parallelize_3d_tile_1d_dynamic, task_4, r[0], r[1], r[2], t[2], flags)
CALLER(parallelize_3d_tile_1d_dynamic_with_thread, task_id_4, r[0], r[1], r[2], t[2], flags)
CALLER(parallelize_3d_tile_1d_dynamic_with_uarch_with_thread, task_id_5, U, r[0], r[1], r[2],
       t[2], flags)
CALLER(parallelize_3d_tile_2d, task_5, r[0], r[1], r[2], t[1], t[2], flags)
CALLER(parallelize_3d_tile_2d_with_uarch, task_id_5, U, r[0], r[1], r[2], t[1], t[2], flags)
CALLER(parallelize_3d_tile_2d_dynamic, task_5, r[0], r[1], r[2], t[1], t[2], flags)
CALLER(parallelize_3d_tile_2d_dynamic_with_uarch, task_id_5, U, r[0], r[1], r[2], t[1], t[2],
       flags)
CALLER(parallelize_3d_tile_2d_dynamic_with_thread, task_id_5, r[0], r[1], r[2], t[1], t[2],
       flags)
CALLER(parallelize_4d, task_4, r[0], r[1], r[2], r[3], flags)
CALLER(parallelize_4d_tile_1d, task_5, r[0], r[1], r[2], r[3], t[3], flags)
CALLER(parallelize_4d_tile_2d, task_6, r[0], r[1], r[2], r[3], t[2], t[3], flags)
CALLER(parallelize_4d_tile_2d_with_uarch, task_id_6, U, r[0], r[1], r[2], r[3], t[2], t[3],
       flags)
CALLER(parallelize_4d_tile_2d_dynamic, task_6, r[0], r[1], r[2], r[3], t[2], t[3], flags)
CALLER(parallelize_4d_tile_2d_dynamic_with_uarch, task_id_6, U, r[0], r[1], r[2], r[3], t[2],
       t[3], flags)
CALLER(parallelize_5d, task_5, r[0], r[1], r[2], r[3], r[4], flags)
CALLER(parallelize_5d_tile_1d, task_6, r[0], r[1], r[2], r[3], r[4], t[4], flags)
CALLER(parallelize_5d_tile_2d, task_7, r[0], r[1], r[2], r[3], r[4], t[3], t[4], flags)
CALLER(parallelize_6d, task_6, r[0], r[1], r[2], r[3], r[4], r[5], flags)
CALLER(parallelize_6d_tile_1d, task_7, r[0], r[1], r[2], r[3], r[4], r[5], t[5], flags)
CALLER(parallelize_6d_tile_2d, task_8, r[0], r[1], r[2], r[3], r[4], r[5], t[4], t[5], flags)
CALLER(compute_1d, task_1, r[0])
CALLER(compute_1d_tiled, task_2, r[0], t[0])
CALLER(compute_2d, task_2, r[0], r[1])
CALLER(compute_2d_tiled, task_4, r[0], r[1], t[0], t[1])
CALLER(compute_3d_tiled, task_6, r[0], r[1], r[2], t[0], t[1], t[2])
CALLER(compute_4d_tiled, task_8, r[0], r[1], r[2], r[3], t[0], t[1], t[2], t[3])

#define LAST(dims) (1u << ((dims)-1))
#define LAST2(dims) (3u << ((dims)-2))
#define ALL(dims) ((1u << (dims)) - 1)

#define ROW(function, dims, tiled, prefix, dynamic)                            \
  {"pthreadpool_" #function, dims, tiled, PREFIX_##prefix, dynamic, false, call_##function}
#define LEGACY(function, dims, tiled)                                          \
  {"pthreadpool_" #function, dims, tiled, PREFIX_NONE, false, true, call_##function}

const variant_t test_variants[] = {
    ROW(parallelize_1d, 1, 0, NONE, false),
    ROW(parallelize_1d_with_thread, 1, 0, THREAD, false),
    ROW(parallelize_1d_with_uarch, 1, 0, UARCH, false),
    ROW(parallelize_1d_tile_1d, 1, ALL(1), NONE, false),
    ROW(parallelize_1d_tile_1d_dynamic, 1, ALL(1), NONE, true),
    ROW(parallelize_1d_tile_1d_dynamic_with_thread, 1, ALL(1), THREAD_ID, true),
    ROW(parallelize_1d_tile_1d_dynamic_with_uarch_with_thread, 1, ALL(1), UARCH_THREAD, true),
    ROW(parallelize_2d, 2, 0, NONE, false),
    ROW(parallelize_2d_with_thread, 2, 0, THREAD, false),
    ROW(parallelize_2d_tile_1d, 2, LAST(2), NONE, false),
    ROW(parallelize_2d_tile_1d_with_uarch, 2, LAST(2), UARCH, false),
    ROW(parallelize_2d_tile_1d_with_uarch_with_thread, 2, LAST(2), UARCH_THREAD, false),
    ROW(parallelize_2d_tile_1d_dynamic, 2, LAST(2), NONE, true),
    ROW(parallelize_2d_tile_1d_dynamic_with_thread, 2, LAST(2), THREAD_ID, true),
    ROW(parallelize_2d_tile_1d_dynamic_with_uarch_with_thread, 2, LAST(2), UARCH_THREAD, true),
    ROW(parallelize_2d_tile_2d, 2, ALL(2), NONE, false),
    ROW(parallelize_2d_tile_2d_with_uarch, 2, ALL(2), UARCH, false),
    ROW(parallelize_2d_tile_2d_dynamic, 2, ALL(2), NONE, true),
    ROW(parallelize_2d_tile_2d_dynamic_with_uarch, 2, ALL(2), UARCH, true),
    ROW(parallelize_2d_tile_2d_dynamic_with_thread, 2, ALL(2), THREAD_ID, true),
    ROW(parallelize_3d, 3, 0, NONE, false),
    ROW(parallelize_3d_tile_1d, 3, LAST(3), NONE, false),
    ROW(parallelize_3d_tile_1d_with_thread, 3, LAST(3), THREAD, false),
    ROW(parallelize_3d_tile_1d_with_uarch, 3, LAST(3), UARCH, false),
    ROW(parallelize_3d_tile_1d_with_uarch_with_thread, 3, LAST(3), UARCH_THREAD, false),
    ROW(parallelize_3d_tile_1d_dynamic, 3, LAST(3), NONE, true),
    ROW(parallelize_3d_tile_1d_dynamic_with_thread, 3, LAST(3), THREAD_ID, true),
    ROW(parallelize_3d_tile_1d_dynamic_with_uarch_with_thread, 3, LAST(3), UARCH_THREAD, true),
    ROW(parallelize_3d_tile_2d, 3, LAST2(3), NONE, false),
    ROW(parallelize_3d_tile_2d_with_uarch, 3, LAST2(3), UARCH, false),
    ROW(parallelize_3d_tile_2d_dynamic, 3, LAST2(3), NONE, true),
    ROW(parallelize_3d_tile_2d_dynamic_with_uarch, 3, LAST2(3), UARCH, true),
    ROW(parallelize_3d_tile_2d_dynamic_with_thread, 3, LAST2(3), THREAD_ID, true),
    ROW(parallelize_4d, 4, 0, NONE, false),
    ROW(parallelize_4d_tile_1d, 4, LAST(4), NONE, false),
    ROW(parallelize_4d_tile_2d, 4, LAST2(4), NONE, false),
    ROW(parallelize_4d_tile_2d_with_uarch, 4, LAST2(4), UARCH, false),
    ROW(parallelize_4d_tile_2d_dynamic, 4, LAST2(4), NONE, true),
    ROW(parallelize_4d_tile_2d_dynamic_with_uarch, 4, LAST2(4), UARCH, true),
    ROW(parallelize_5d, 5, 0, NONE, false),
    ROW(parallelize_5d_tile_1d, 5, LAST(5), NONE, false),
    ROW(parallelize_5d_tile_2d, 5, LAST2(5), NONE, false),
    ROW(parallelize_6d, 6, 0, NONE, false),
    ROW(parallelize_6d_tile_1d, 6, LAST(6), NONE, false),
    ROW(parallelize_6d_tile_2d, 6, LAST2(6), NONE, false),
    LEGACY(compute_1d, 1, 0),
    LEGACY(compute_1d_tiled, 1, ALL(1)),
    LEGACY(compute_2d, 2, 0),
    LEGACY(compute_2d_tiled, 2, ALL(2)),
    LEGACY(compute_3d_tiled, 3, ALL(3)),
    LEGACY(compute_4d_tiled, 4, ALL(4)),
};

const size_t test_variant_count = sizeof(test_variants) / sizeof(test_variants[0]);
