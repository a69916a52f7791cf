/* Sums the squares of 0 .. N-1 on a numapool pool and checks the result
 * against the closed form. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include <numapool/numapool.h>

#define N 100000u

static void add_squares(void *context, size_t thread_index, size_t start, size_t extent) {
  (void)thread_index;
  uint64_t sum = 0;
  for (size_t i = start; i < start + extent; i++)
    sum += (uint64_t)i * i;
  atomic_fetch_add((_Atomic uint64_t *)context, sum);
}

int main(void) {
  numapool_t *pool = numapool_create(NULL);
  if (pool == NULL) {
    perror("numapool_create");
    return 1;
  }

  _Atomic uint64_t sum = 0;
  int status = numapool_parallel_for_1d(pool, N, 1000, add_squares, &sum, 0);
  size_t threads = numapool_get_thread_count(pool);
  numapool_destroy(pool);
  if (status != 0) {
    fprintf(stderr, "numapool_parallel_for_1d failed: %s\n", numapool_strerror(status));
    return 1;
  }

  uint64_t expected = (uint64_t)(N - 1) * N * (2 * (uint64_t)N - 1) / 6;
  printf("numapool %s, %zu threads: sum %llu, expected %llu\n", NUMAPOOL_VERSION_STRING, threads,
         (unsigned long long)atomic_load(&sum), (unsigned long long)expected);
  return atomic_load(&sum) == expected ? 0 : 1;
}
