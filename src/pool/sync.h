/* Low-level waiting: CPU pause, futex wait and wake, and the monotonic
 * clock used to bound spinning. */
#ifndef NUMAPOOL_POOL_SYNC_H
#define NUMAPOOL_POOL_SYNC_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define numapool__cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define numapool__cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define numapool__cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

/* Sleeps while *word equals expected, until woken. Spurious returns are
 * allowed: callers re-check their condition. */
static inline void numapool__futex_wait(atomic_uint *word, unsigned expected) {
  syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

/* Wakes up to count threads sleeping on word. */
static inline void numapool__futex_wake(atomic_uint *word, int count) {
  syscall(SYS_futex, (unsigned *)word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

static inline uint64_t numapool__now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

#endif /* NUMAPOOL_POOL_SYNC_H */
