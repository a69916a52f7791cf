/*
 * pthreadpool.h: numapool's drop-in for the pthreadpool API.
 *
 * Declares the API of Google's pthreadpool (the current upstream line, which
 * is a superset of Debian's 0.0~git20210507 snapshot), with the same names,
 * types, flag values and argument order, so code written against pthreadpool
 * compiles unchanged. numapool's libpthreadpool.so.0 implements it on a
 * numapool pool and exports every symbol of Debian's library, so a program
 * linked against Debian's library can load numapool's build instead:
 *
 *   LD_LIBRARY_PATH=<build>/compat program
 *
 * Include it as <pthreadpool.h> with -I<prefix>/include/pthreadpool.
 *
 * Task arguments, in this order: context, then the uarch index for the
 * _with_uarch variants, then the thread index for the _with_thread
 * variants, then the start index in each dimension, then the extent of each
 * tiled dimension. An extent is min(tile, range - start) except in the
 * _dynamic variants (see below).
 *
 * Behaviour shared with upstream:
 *   - A NULL pool runs every item serially on the caller, in serial-loop
 *     order. pthreadpool_get_threads_count(NULL) is 1; destroy(NULL) does
 *     nothing; create returns NULL on failure.
 *   - Calls from several threads on one pool are serialized.
 *   - Thread indexes are below pthreadpool_get_threads_count(pool).
 *   - The _with_uarch variants pass default_uarch_index: this build does
 *     not ask cpuinfo, so max_uarch_index is not used.
 *   - Unknown flag bits are ignored (a warning is logged once).
 *
 * Where numapool deliberately differs from upstream:
 *   - pthreadpool_create(0) uses numapool_default_thread_count(): the CPUs
 *     of the process's affinity mask, capped by the cgroup CPU quota (or
 *     NUMAPOOL_NUM_THREADS), where upstream takes every online CPU.
 *   - A call made from inside a task (on this pool or another) runs inline
 *     on the calling thread, where upstream deadlocks on the same pool.
 *   - A tile of 0 is rejected: the functions return void, so such a call
 *     logs an error naming the function and runs nothing. Upstream divides
 *     by zero or loops forever.
 *   - pthreadpool_set_threads_count() can raise the count up to the pool's
 *     maximum, which is the larger of the count given to create and the
 *     default thread count.
 *   - The executor interface of current upstream (pthreadpool_create_v2,
 *     pthreadpool_update_executor, pthreadpool_release_executor_threads) is
 *     not provided, because numapool always runs its own worker threads.
 */
#ifndef NUMAPOOL_PTHREADPOOL_PTHREADPOOL_H
#define NUMAPOOL_PTHREADPOOL_PTHREADPOOL_H

#include <stddef.h>
#include <stdint.h>

typedef struct pthreadpool *pthreadpool_t;

/* Task types, named as upstream names them. "with_id" tasks take a uint32_t
 * right after the context: the uarch index, or the thread index in the
 * _dynamic_with_thread variants. "with_thread" tasks take a size_t thread
 * index. */
typedef void (*pthreadpool_task_1d_t)(void *, size_t);
typedef void (*pthreadpool_task_1d_with_thread_t)(void *, size_t, size_t);
typedef void (*pthreadpool_task_1d_tile_1d_t)(void *, size_t, size_t);
typedef void (*pthreadpool_task_1d_tile_1d_dynamic_t)(void *, size_t, size_t);
typedef void (*pthreadpool_task_1d_tile_1d_dynamic_with_id_t)(void *, uint32_t, size_t, size_t);
typedef void (*pthreadpool_task_2d_t)(void *, size_t, size_t);
typedef void (*pthreadpool_task_2d_with_thread_t)(void *, size_t, size_t, size_t);
typedef void (*pthreadpool_task_2d_tile_1d_t)(void *, size_t, size_t, size_t);
typedef void (*pthreadpool_task_2d_tile_1d_dynamic_t)(void *, size_t, size_t, size_t);
typedef void (*pthreadpool_task_2d_tile_2d_t)(void *, size_t, size_t, size_t, size_t);
typedef void (*pthreadpool_task_2d_tile_2d_dynamic_t)(void *, size_t, size_t, size_t, size_t);
typedef void (*pthreadpool_task_3d_t)(void *, size_t, size_t, size_t);
typedef void (*pthreadpool_task_3d_tile_1d_t)(void *, size_t, size_t, size_t, size_t);
typedef void (*pthreadpool_task_3d_tile_1d_with_thread_t)(void *, size_t, size_t, size_t, size_t,
                                                          size_t);
typedef void (*pthreadpool_task_3d_tile_1d_dynamic_t)(void *, size_t, size_t, size_t, size_t);
typedef void (*pthreadpool_task_3d_tile_2d_t)(void *, size_t, size_t, size_t, size_t, size_t);
typedef void (*pthreadpool_task_3d_tile_2d_dynamic_t)(void *, size_t, size_t, size_t, size_t,
                                                      size_t);
typedef void (*pthreadpool_task_4d_t)(void *, size_t, size_t, size_t, size_t);
typedef void (*pthreadpool_task_4d_tile_1d_t)(void *, size_t, size_t, size_t, size_t, size_t);
typedef void (*pthreadpool_task_4d_tile_2d_t)(void *, size_t, size_t, size_t, size_t, size_t,
                                              size_t);
typedef void (*pthreadpool_task_4d_tile_2d_dynamic_t)(void *, size_t, size_t, size_t, size_t,
                                                      size_t, size_t);
typedef void (*pthreadpool_task_5d_t)(void *, size_t, size_t, size_t, size_t, size_t);
typedef void (*pthreadpool_task_5d_tile_1d_t)(void *, size_t, size_t, size_t, size_t, size_t,
                                              size_t);
typedef void (*pthreadpool_task_5d_tile_2d_t)(void *, size_t, size_t, size_t, size_t, size_t,
                                              size_t, size_t);
typedef void (*pthreadpool_task_6d_t)(void *, size_t, size_t, size_t, size_t, size_t, size_t);
typedef void (*pthreadpool_task_6d_tile_1d_t)(void *, size_t, size_t, size_t, size_t, size_t,
                                              size_t, size_t);
typedef void (*pthreadpool_task_6d_tile_2d_t)(void *, size_t, size_t, size_t, size_t, size_t,
                                              size_t, size_t, size_t);

typedef void (*pthreadpool_task_1d_with_id_t)(void *, uint32_t, size_t);
typedef void (*pthreadpool_task_2d_tile_1d_with_id_t)(void *, uint32_t, size_t, size_t, size_t);
typedef void (*pthreadpool_task_2d_tile_1d_dynamic_with_id_t)(void *, uint32_t, size_t, size_t,
                                                              size_t);
typedef void (*pthreadpool_task_2d_tile_2d_with_id_t)(void *, uint32_t, size_t, size_t, size_t,
                                                      size_t);
typedef void (*pthreadpool_task_2d_tile_2d_dynamic_with_id_t)(void *, uint32_t, size_t, size_t,
                                                              size_t, size_t);
typedef void (*pthreadpool_task_3d_tile_1d_with_id_t)(void *, uint32_t, size_t, size_t, size_t,
                                                      size_t);
typedef void (*pthreadpool_task_3d_tile_1d_dynamic_with_id_t)(void *, uint32_t, size_t, size_t,
                                                              size_t, size_t);
typedef void (*pthreadpool_task_3d_tile_2d_with_id_t)(void *, uint32_t, size_t, size_t, size_t,
                                                      size_t, size_t);
typedef void (*pthreadpool_task_3d_tile_2d_dynamic_with_id_t)(void *, uint32_t, size_t, size_t,
                                                              size_t, size_t, size_t);
typedef void (*pthreadpool_task_4d_tile_2d_with_id_t)(void *, uint32_t, size_t, size_t, size_t,
                                                      size_t, size_t, size_t);
typedef void (*pthreadpool_task_4d_tile_2d_dynamic_with_id_t)(void *, uint32_t, size_t, size_t,
                                                              size_t, size_t, size_t, size_t);

/* Tasks with a uint32_t uarch index followed by a size_t thread index. */
typedef void (*pthreadpool_task_1d_tile_1d_dynamic_with_id_with_thread_t)(void *, uint32_t,
                                                                          size_t, size_t, size_t);
typedef void (*pthreadpool_task_2d_tile_1d_with_id_with_thread_t)(void *, uint32_t, size_t,
                                                                  size_t, size_t, size_t);
typedef void (*pthreadpool_task_2d_tile_1d_dynamic_with_id_with_thread_t)(void *, uint32_t,
                                                                          size_t, size_t, size_t,
                                                                          size_t);
typedef void (*pthreadpool_task_3d_tile_1d_with_id_with_thread_t)(void *, uint32_t, size_t,
                                                                  size_t, size_t, size_t, size_t);
typedef void (*pthreadpool_task_3d_tile_1d_dynamic_with_id_with_thread_t)(void *, uint32_t,
                                                                          size_t, size_t, size_t,
                                                                          size_t, size_t);

/* Flags, combined with |. */
/* Set flush-to-zero and denormals-are-zero on every thread that takes part
 * in the call, the caller included, and restore each thread's previous mode
 * afterwards. Only x86 has these modes: elsewhere the flag has no effect. */
#define PTHREADPOOL_FLAG_DISABLE_DENORMALS 0x00000001
/* Let the workers sleep as soon as the call ends instead of spinning for a
 * while. */
#define PTHREADPOOL_FLAG_YIELD_WORKERS 0x00000002
/* Same effect as PTHREADPOOL_FLAG_YIELD_WORKERS in this build. Upstream uses
 * it to hand borrowed executor threads back at once. */
#define PTHREADPOOL_FLAG_DONT_SPIN_WORKERS 0x00000004

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a pool of threads_count threads, the caller included; 0 means
 * numapool_default_thread_count(). Returns NULL on failure. */
pthreadpool_t pthreadpool_create(size_t threads_count);

/* Threads a call uses; 1 for NULL. */
size_t pthreadpool_get_threads_count(pthreadpool_t threadpool);

/* Sets the threads a call uses, between calls, clamped to [1, the pool's
 * maximum]; 0 means the maximum. Returns the count now in use, or 1 for
 * a NULL pool. */
size_t pthreadpool_set_threads_count(pthreadpool_t threadpool, size_t num_threads);

/* Stops the workers and frees the pool; NULL does nothing. Must not be
 * called while a call on the pool runs. */
void pthreadpool_destroy(pthreadpool_t threadpool);

/*
 * Untiled and tiled loops. Each function runs the serial loop its name
 * describes, in parallel: for example pthreadpool_parallelize_3d_tile_2d is
 *
 *   for (i = 0; i < range_i; i++)
 *     for (j = 0; j < range_j; j += tile_j)
 *       for (k = 0; k < range_k; k += tile_k)
 *         function(context, i, j, k, min(tile_j, range_j - j),
 *                  min(tile_k, range_k - k));
 *
 * "tile_1d" tiles the last dimension and "tile_2d" the last two (the 1-D
 * and 2-D cases tile every dimension). A range of 0 makes no call. The call
 * returns when every item has run, with all the tasks' writes visible.
 */
void pthreadpool_parallelize_1d(pthreadpool_t threadpool, pthreadpool_task_1d_t function,
                                void *context, size_t range, uint32_t flags);
void pthreadpool_parallelize_1d_with_thread(pthreadpool_t threadpool,
                                            pthreadpool_task_1d_with_thread_t function,
                                            void *context, size_t range, uint32_t flags);
void pthreadpool_parallelize_1d_with_uarch(pthreadpool_t threadpool,
                                           pthreadpool_task_1d_with_id_t function, void *context,
                                           uint32_t default_uarch_index, uint32_t max_uarch_index,
                                           size_t range, uint32_t flags);
void pthreadpool_parallelize_1d_tile_1d(pthreadpool_t threadpool,
                                        pthreadpool_task_1d_tile_1d_t function, void *context,
                                        size_t range, size_t tile, uint32_t flags);

void pthreadpool_parallelize_2d(pthreadpool_t threadpool, pthreadpool_task_2d_t function,
                                void *context, size_t range_i, size_t range_j, uint32_t flags);
void pthreadpool_parallelize_2d_with_thread(pthreadpool_t threadpool,
                                            pthreadpool_task_2d_with_thread_t function,
                                            void *context, size_t range_i, size_t range_j,
                                            uint32_t flags);
void pthreadpool_parallelize_2d_tile_1d(pthreadpool_t threadpool,
                                        pthreadpool_task_2d_tile_1d_t function, void *context,
                                        size_t range_i, size_t range_j, size_t tile_j,
                                        uint32_t flags);
void pthreadpool_parallelize_2d_tile_1d_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_1d_with_id_t function, void *context,
    uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i, size_t range_j,
    size_t tile_j, uint32_t flags);
void pthreadpool_parallelize_2d_tile_1d_with_uarch_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_1d_with_id_with_thread_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t tile_j, uint32_t flags);
void pthreadpool_parallelize_2d_tile_2d(pthreadpool_t threadpool,
                                        pthreadpool_task_2d_tile_2d_t function, void *context,
                                        size_t range_i, size_t range_j, size_t tile_i,
                                        size_t tile_j, uint32_t flags);
void pthreadpool_parallelize_2d_tile_2d_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_2d_with_id_t function, void *context,
    uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i, size_t range_j,
    size_t tile_i, size_t tile_j, uint32_t flags);

void pthreadpool_parallelize_3d(pthreadpool_t threadpool, pthreadpool_task_3d_t function,
                                void *context, size_t range_i, size_t range_j, size_t range_k,
                                uint32_t flags);
void pthreadpool_parallelize_3d_tile_1d(pthreadpool_t threadpool,
                                        pthreadpool_task_3d_tile_1d_t function, void *context,
                                        size_t range_i, size_t range_j, size_t range_k,
                                        size_t tile_k, uint32_t flags);
void pthreadpool_parallelize_3d_tile_1d_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_1d_with_thread_t function, void *context,
    size_t range_i, size_t range_j, size_t range_k, size_t tile_k, uint32_t flags);
void pthreadpool_parallelize_3d_tile_1d_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_1d_with_id_t function, void *context,
    uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i, size_t range_j,
    size_t range_k, size_t tile_k, uint32_t flags);
void pthreadpool_parallelize_3d_tile_1d_with_uarch_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_1d_with_id_with_thread_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t range_k, size_t tile_k, uint32_t flags);
void pthreadpool_parallelize_3d_tile_2d(pthreadpool_t threadpool,
                                        pthreadpool_task_3d_tile_2d_t function, void *context,
                                        size_t range_i, size_t range_j, size_t range_k,
                                        size_t tile_j, size_t tile_k, uint32_t flags);
void pthreadpool_parallelize_3d_tile_2d_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_2d_with_id_t function, void *context,
    uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i, size_t range_j,
    size_t range_k, size_t tile_j, size_t tile_k, uint32_t flags);

void pthreadpool_parallelize_4d(pthreadpool_t threadpool, pthreadpool_task_4d_t function,
                                void *context, size_t range_i, size_t range_j, size_t range_k,
                                size_t range_l, uint32_t flags);
void pthreadpool_parallelize_4d_tile_1d(pthreadpool_t threadpool,
                                        pthreadpool_task_4d_tile_1d_t function, void *context,
                                        size_t range_i, size_t range_j, size_t range_k,
                                        size_t range_l, size_t tile_l, uint32_t flags);
void pthreadpool_parallelize_4d_tile_2d(pthreadpool_t threadpool,
                                        pthreadpool_task_4d_tile_2d_t function, void *context,
                                        size_t range_i, size_t range_j, size_t range_k,
                                        size_t range_l, size_t tile_k, size_t tile_l,
                                        uint32_t flags);
void pthreadpool_parallelize_4d_tile_2d_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_4d_tile_2d_with_id_t function, void *context,
    uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i, size_t range_j,
    size_t range_k, size_t range_l, size_t tile_k, size_t tile_l, uint32_t flags);

void pthreadpool_parallelize_5d(pthreadpool_t threadpool, pthreadpool_task_5d_t function,
                                void *context, size_t range_i, size_t range_j, size_t range_k,
                                size_t range_l, size_t range_m, uint32_t flags);
void pthreadpool_parallelize_5d_tile_1d(pthreadpool_t threadpool,
                                        pthreadpool_task_5d_tile_1d_t function, void *context,
                                        size_t range_i, size_t range_j, size_t range_k,
                                        size_t range_l, size_t range_m, size_t tile_m,
                                        uint32_t flags);
void pthreadpool_parallelize_5d_tile_2d(pthreadpool_t threadpool,
                                        pthreadpool_task_5d_tile_2d_t function, void *context,
                                        size_t range_i, size_t range_j, size_t range_k,
                                        size_t range_l, size_t range_m, size_t tile_l,
                                        size_t tile_m, uint32_t flags);

void pthreadpool_parallelize_6d(pthreadpool_t threadpool, pthreadpool_task_6d_t function,
                                void *context, size_t range_i, size_t range_j, size_t range_k,
                                size_t range_l, size_t range_m, size_t range_n, uint32_t flags);
void pthreadpool_parallelize_6d_tile_1d(pthreadpool_t threadpool,
                                        pthreadpool_task_6d_tile_1d_t function, void *context,
                                        size_t range_i, size_t range_j, size_t range_k,
                                        size_t range_l, size_t range_m, size_t range_n,
                                        size_t tile_n, uint32_t flags);
void pthreadpool_parallelize_6d_tile_2d(pthreadpool_t threadpool,
                                        pthreadpool_task_6d_tile_2d_t function, void *context,
                                        size_t range_i, size_t range_j, size_t range_k,
                                        size_t range_l, size_t range_m, size_t range_n,
                                        size_t tile_m, size_t tile_n, uint32_t flags);

/*
 * Dynamic loops. Each call of function covers a run of whole tiles: in a
 * tiled dimension its start is a multiple of the tile and its count is a
 * multiple of the tile, or reaches the end of the range. Runs follow the
 * last tiled dimension, and cover a whole row of it before they span the
 * tiled dimension before it. Together the calls cover every item exactly
 * once. This build picks the run length before the call: about four runs
 * per thread, and one run per untiled index on a one-thread or NULL pool.
 * Upstream picks it while the call runs, so the split differs but the
 * contract is the same.
 *
 * Empty ranges follow upstream: a range of 0 in an untiled dimension makes
 * no call; otherwise a range of 0 in a tiled dimension makes one call per
 * untiled index, with start 0 and count 0 in the empty dimensions and the
 * whole range in the other tiled ones.
 */
void pthreadpool_parallelize_1d_tile_1d_dynamic(pthreadpool_t threadpool,
                                                pthreadpool_task_1d_tile_1d_dynamic_t function,
                                                void *context, size_t range, size_t tile,
                                                uint32_t flags);
void pthreadpool_parallelize_1d_tile_1d_dynamic_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_1d_tile_1d_dynamic_with_id_t function,
    void *context, size_t range, size_t tile, uint32_t flags);
void pthreadpool_parallelize_1d_tile_1d_dynamic_with_uarch_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_1d_tile_1d_dynamic_with_id_with_thread_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range,
    size_t tile, uint32_t flags);
void pthreadpool_parallelize_2d_tile_1d_dynamic(pthreadpool_t threadpool,
                                                pthreadpool_task_2d_tile_1d_dynamic_t function,
                                                void *context, size_t range_i, size_t range_j,
                                                size_t tile_j, uint32_t flags);
void pthreadpool_parallelize_2d_tile_1d_dynamic_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_1d_dynamic_with_id_t function,
    void *context, size_t range_i, size_t range_j, size_t tile_j, uint32_t flags);
void pthreadpool_parallelize_2d_tile_1d_dynamic_with_uarch_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_1d_dynamic_with_id_with_thread_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t tile_j, uint32_t flags);
void pthreadpool_parallelize_2d_tile_2d_dynamic(pthreadpool_t threadpool,
                                                pthreadpool_task_2d_tile_2d_dynamic_t function,
                                                void *context, size_t range_i, size_t range_j,
                                                size_t tile_i, size_t tile_j, uint32_t flags);
void pthreadpool_parallelize_2d_tile_2d_dynamic_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_2d_dynamic_with_id_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t tile_i, size_t tile_j, uint32_t flags);
void pthreadpool_parallelize_2d_tile_2d_dynamic_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_2d_tile_2d_dynamic_with_id_t function,
    void *context, size_t range_i, size_t range_j, size_t tile_i, size_t tile_j, uint32_t flags);
void pthreadpool_parallelize_3d_tile_1d_dynamic(pthreadpool_t threadpool,
                                                pthreadpool_task_3d_tile_1d_dynamic_t function,
                                                void *context, size_t range_i, size_t range_j,
                                                size_t range_k, size_t tile_k, uint32_t flags);
void pthreadpool_parallelize_3d_tile_1d_dynamic_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_1d_dynamic_with_id_t function,
    void *context, size_t range_i, size_t range_j, size_t range_k, size_t tile_k,
    uint32_t flags);
void pthreadpool_parallelize_3d_tile_1d_dynamic_with_uarch_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_1d_dynamic_with_id_with_thread_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t range_k, size_t tile_k, uint32_t flags);
void pthreadpool_parallelize_3d_tile_2d_dynamic(pthreadpool_t threadpool,
                                                pthreadpool_task_3d_tile_2d_dynamic_t function,
                                                void *context, size_t range_i, size_t range_j,
                                                size_t range_k, size_t tile_j, size_t tile_k,
                                                uint32_t flags);
void pthreadpool_parallelize_3d_tile_2d_dynamic_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_2d_dynamic_with_id_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t range_k, size_t tile_j, size_t tile_k, uint32_t flags);
void pthreadpool_parallelize_3d_tile_2d_dynamic_with_thread(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_2d_dynamic_with_id_t function,
    void *context, size_t range_i, size_t range_j, size_t range_k, size_t tile_j, size_t tile_k,
    uint32_t flags);
void pthreadpool_parallelize_4d_tile_2d_dynamic(pthreadpool_t threadpool,
                                                pthreadpool_task_4d_tile_2d_dynamic_t function,
                                                void *context, size_t range_i, size_t range_j,
                                                size_t range_k, size_t range_l, size_t tile_k,
                                                size_t tile_l, uint32_t flags);
void pthreadpool_parallelize_4d_tile_2d_dynamic_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_4d_tile_2d_dynamic_with_id_t function,
    void *context, uint32_t default_uarch_index, uint32_t max_uarch_index, size_t range_i,
    size_t range_j, size_t range_k, size_t range_l, size_t tile_k, size_t tile_l,
    uint32_t flags);

/*
 * Legacy API, kept for older callers such as NNPACK. compute_1d_tiled and
 * compute_2d_tiled match parallelize_1d_tile_1d and parallelize_2d_tile_2d;
 * compute_3d_tiled and compute_4d_tiled tile every dimension, and their
 * function receives every start index and then every extent.
 */
#ifndef PTHREADPOOL_NO_DEPRECATED_API

#if defined(__GNUC__)
#define PTHREADPOOL_DEPRECATED __attribute__((__deprecated__))
#else
#define PTHREADPOOL_DEPRECATED
#endif

typedef void (*pthreadpool_function_1d_t)(void *, size_t);
typedef void (*pthreadpool_function_1d_tiled_t)(void *, size_t, size_t);
typedef void (*pthreadpool_function_2d_t)(void *, size_t, size_t);
typedef void (*pthreadpool_function_2d_tiled_t)(void *, size_t, size_t, size_t, size_t);
typedef void (*pthreadpool_function_3d_tiled_t)(void *, size_t, size_t, size_t, size_t, size_t,
                                                size_t);
typedef void (*pthreadpool_function_4d_tiled_t)(void *, size_t, size_t, size_t, size_t, size_t,
                                                size_t, size_t, size_t);

void pthreadpool_compute_1d(pthreadpool_t threadpool, pthreadpool_function_1d_t function,
                            void *argument, size_t range) PTHREADPOOL_DEPRECATED;
void pthreadpool_compute_1d_tiled(pthreadpool_t threadpool,
                                  pthreadpool_function_1d_tiled_t function, void *argument,
                                  size_t range, size_t tile) PTHREADPOOL_DEPRECATED;
void pthreadpool_compute_2d(pthreadpool_t threadpool, pthreadpool_function_2d_t function,
                            void *argument, size_t range_i,
                            size_t range_j) PTHREADPOOL_DEPRECATED;
void pthreadpool_compute_2d_tiled(pthreadpool_t threadpool,
                                  pthreadpool_function_2d_tiled_t function, void *argument,
                                  size_t range_i, size_t range_j, size_t tile_i,
                                  size_t tile_j) PTHREADPOOL_DEPRECATED;
void pthreadpool_compute_3d_tiled(pthreadpool_t threadpool,
                                  pthreadpool_function_3d_tiled_t function, void *argument,
                                  size_t range_i, size_t range_j, size_t range_k, size_t tile_i,
                                  size_t tile_j, size_t tile_k) PTHREADPOOL_DEPRECATED;
void pthreadpool_compute_4d_tiled(pthreadpool_t threadpool,
                                  pthreadpool_function_4d_tiled_t function, void *argument,
                                  size_t range_i, size_t range_j, size_t range_k, size_t range_l,
                                  size_t tile_i, size_t tile_j, size_t tile_k,
                                  size_t tile_l) PTHREADPOOL_DEPRECATED;

#endif /* PTHREADPOOL_NO_DEPRECATED_API */

#ifdef __cplusplus
} /* extern "C" */
#endif

#ifdef __cplusplus

/*
 * C++ overloads that take a functor (a lambda, say) in place of a function
 * and a context. The functor receives the task's arguments without the
 * context, and is called on several threads at once, so it must be safe to
 * call concurrently. flags defaults to 0.
 */
namespace numapool_pthreadpool_detail {

/* Calls the functor behind context with the remaining arguments. */
template <class Functor, class... Args> void call_functor(void *context, Args... args) {
  (*static_cast<const Functor *>(context))(args...);
}

template <class Functor> inline void *functor_context(const Functor &functor) {
  return const_cast<void *>(static_cast<const void *>(&functor));
}

} // namespace numapool_pthreadpool_detail

/* Defines the functor overload of NAME. PARAMS declares its range and tile
 * parameters and VALUES passes them on to the C function. The variadic
 * part lists the types of the task's arguments after the context. */
#define NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(name, params, values, ...)                          \
  template <class T>                                                                             \
  inline void name(pthreadpool_t threadpool, const T &functor, NUMAPOOL_PTHREADPOOL_UNPACK params, \
                   uint32_t flags = 0) {                                                         \
    name(threadpool, &numapool_pthreadpool_detail::call_functor<T, __VA_ARGS__>,                  \
         numapool_pthreadpool_detail::functor_context(functor),                                  \
         NUMAPOOL_PTHREADPOOL_UNPACK values, flags);                                             \
  }
#define NUMAPOOL_PTHREADPOOL_UNPACK(...) __VA_ARGS__

#define NUMAPOOL_PTHREADPOOL_SIZES_1 size_t
#define NUMAPOOL_PTHREADPOOL_SIZES_2 size_t, size_t
#define NUMAPOOL_PTHREADPOOL_SIZES_3 size_t, size_t, size_t
#define NUMAPOOL_PTHREADPOOL_SIZES_4 size_t, size_t, size_t, size_t
#define NUMAPOOL_PTHREADPOOL_SIZES_5 size_t, size_t, size_t, size_t, size_t
#define NUMAPOOL_PTHREADPOOL_SIZES_6 size_t, size_t, size_t, size_t, size_t, size_t
#define NUMAPOOL_PTHREADPOOL_SIZES_7 size_t, size_t, size_t, size_t, size_t, size_t, size_t
#define NUMAPOOL_PTHREADPOOL_SIZES_8 size_t, size_t, size_t, size_t, size_t, size_t, size_t, size_t

NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_1d, (size_t range), (range),
                                      NUMAPOOL_PTHREADPOOL_SIZES_1)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_1d_tile_1d,
                                      (size_t range, size_t tile), (range, tile),
                                      NUMAPOOL_PTHREADPOOL_SIZES_2)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_1d_tile_1d_dynamic,
                                      (size_t range, size_t tile), (range, tile),
                                      NUMAPOOL_PTHREADPOOL_SIZES_2)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_2d,
                                      (size_t range_i, size_t range_j), (range_i, range_j),
                                      NUMAPOOL_PTHREADPOOL_SIZES_2)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_2d_tile_1d,
                                      (size_t range_i, size_t range_j, size_t tile_j),
                                      (range_i, range_j, tile_j), NUMAPOOL_PTHREADPOOL_SIZES_3)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_2d_tile_1d_dynamic,
                                      (size_t range_i, size_t range_j, size_t tile_j),
                                      (range_i, range_j, tile_j), NUMAPOOL_PTHREADPOOL_SIZES_3)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_2d_tile_2d,
                                      (size_t range_i, size_t range_j, size_t tile_i,
                                       size_t tile_j),
                                      (range_i, range_j, tile_i, tile_j),
                                      NUMAPOOL_PTHREADPOOL_SIZES_4)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_2d_tile_2d_dynamic,
                                      (size_t range_i, size_t range_j, size_t tile_i,
                                       size_t tile_j),
                                      (range_i, range_j, tile_i, tile_j),
                                      NUMAPOOL_PTHREADPOOL_SIZES_4)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_3d,
                                      (size_t range_i, size_t range_j, size_t range_k),
                                      (range_i, range_j, range_k), NUMAPOOL_PTHREADPOOL_SIZES_3)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_3d_tile_1d,
                                      (size_t range_i, size_t range_j, size_t range_k,
                                       size_t tile_k),
                                      (range_i, range_j, range_k, tile_k),
                                      NUMAPOOL_PTHREADPOOL_SIZES_4)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_3d_tile_2d,
                                      (size_t range_i, size_t range_j, size_t range_k,
                                       size_t tile_j, size_t tile_k),
                                      (range_i, range_j, range_k, tile_j, tile_k),
                                      NUMAPOOL_PTHREADPOOL_SIZES_5)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_3d_tile_2d_dynamic,
                                      (size_t range_i, size_t range_j, size_t range_k,
                                       size_t tile_j, size_t tile_k),
                                      (range_i, range_j, range_k, tile_j, tile_k),
                                      NUMAPOOL_PTHREADPOOL_SIZES_5)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_4d,
                                      (size_t range_i, size_t range_j, size_t range_k,
                                       size_t range_l),
                                      (range_i, range_j, range_k, range_l),
                                      NUMAPOOL_PTHREADPOOL_SIZES_4)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_4d_tile_1d,
                                      (size_t range_i, size_t range_j, size_t range_k,
                                       size_t range_l, size_t tile_l),
                                      (range_i, range_j, range_k, range_l, tile_l),
                                      NUMAPOOL_PTHREADPOOL_SIZES_5)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_4d_tile_2d,
                                      (size_t range_i, size_t range_j, size_t range_k,
                                       size_t range_l, size_t tile_k, size_t tile_l),
                                      (range_i, range_j, range_k, range_l, tile_k, tile_l),
                                      NUMAPOOL_PTHREADPOOL_SIZES_6)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_4d_tile_2d_dynamic,
                                      (size_t range_i, size_t range_j, size_t range_k,
                                       size_t range_l, size_t tile_k, size_t tile_l),
                                      (range_i, range_j, range_k, range_l, tile_k, tile_l),
                                      NUMAPOOL_PTHREADPOOL_SIZES_6)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_5d,
                                      (size_t range_i, size_t range_j, size_t range_k,
                                       size_t range_l, size_t range_m),
                                      (range_i, range_j, range_k, range_l, range_m),
                                      NUMAPOOL_PTHREADPOOL_SIZES_5)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_5d_tile_1d,
                                      (size_t range_i, size_t range_j, size_t range_k,
                                       size_t range_l, size_t range_m, size_t tile_m),
                                      (range_i, range_j, range_k, range_l, range_m, tile_m),
                                      NUMAPOOL_PTHREADPOOL_SIZES_6)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_5d_tile_2d,
                                      (size_t range_i, size_t range_j, size_t range_k,
                                       size_t range_l, size_t range_m, size_t tile_l,
                                       size_t tile_m),
                                      (range_i, range_j, range_k, range_l, range_m, tile_l,
                                       tile_m),
                                      NUMAPOOL_PTHREADPOOL_SIZES_7)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_6d,
                                      (size_t range_i, size_t range_j, size_t range_k,
                                       size_t range_l, size_t range_m, size_t range_n),
                                      (range_i, range_j, range_k, range_l, range_m, range_n),
                                      NUMAPOOL_PTHREADPOOL_SIZES_6)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_6d_tile_1d,
                                      (size_t range_i, size_t range_j, size_t range_k,
                                       size_t range_l, size_t range_m, size_t range_n,
                                       size_t tile_n),
                                      (range_i, range_j, range_k, range_l, range_m, range_n,
                                       tile_n),
                                      NUMAPOOL_PTHREADPOOL_SIZES_7)
NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD(pthreadpool_parallelize_6d_tile_2d,
                                      (size_t range_i, size_t range_j, size_t range_k,
                                       size_t range_l, size_t range_m, size_t range_n,
                                       size_t tile_m, size_t tile_n),
                                      (range_i, range_j, range_k, range_l, range_m, range_n,
                                       tile_m, tile_n),
                                      NUMAPOOL_PTHREADPOOL_SIZES_8)

#undef NUMAPOOL_PTHREADPOOL_FUNCTOR_OVERLOAD
#undef NUMAPOOL_PTHREADPOOL_UNPACK
#undef NUMAPOOL_PTHREADPOOL_SIZES_1
#undef NUMAPOOL_PTHREADPOOL_SIZES_2
#undef NUMAPOOL_PTHREADPOOL_SIZES_3
#undef NUMAPOOL_PTHREADPOOL_SIZES_4
#undef NUMAPOOL_PTHREADPOOL_SIZES_5
#undef NUMAPOOL_PTHREADPOOL_SIZES_6
#undef NUMAPOOL_PTHREADPOOL_SIZES_7
#undef NUMAPOOL_PTHREADPOOL_SIZES_8

#endif /* __cplusplus */

#endif /* NUMAPOOL_PTHREADPOOL_PTHREADPOOL_H */
