// oneTBB peer of the task benchmark: tbb::task_group inside a task_arena
// of the requested concurrency.
#include <cstdio>
#include <exception>
#include <vector>

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "bench_tasks.h"

namespace {

uint64_t fib_tbb(unsigned n, unsigned cutoff) {
  if (n < 2 || n <= cutoff)
    return bench_fib_serial(n);
  uint64_t left = 0;
  tbb::task_group group;
  group.run([&] { left = fib_tbb(n - 1, cutoff); });
  uint64_t right = fib_tbb(n - 2, cutoff);
  group.wait();
  return left + right;
}

} // namespace

extern "C" double bench_spawn_tbb(size_t threads, size_t count, size_t repetitions) {
  try {
    tbb::task_arena arena(static_cast<int>(threads));
    std::vector<double> samples(repetitions);
    for (size_t r = 0; r < repetitions; r++) {
      double start = bench_now();
      arena.execute([&] {
        tbb::task_group group;
        for (size_t i = 0; i < count; i++)
          group.run([] {});
        group.wait();
      });
      samples[r] = bench_now() - start;
    }
    return bench_median(samples.data(), repetitions);
  } catch (const std::exception &error) {
    std::fprintf(stderr, "oneTBB failed: %s\n", error.what());
    return -1.0;
  }
}

extern "C" double bench_fib_tbb(size_t threads, unsigned n, unsigned cutoff,
                                size_t repetitions, uint64_t *result) {
  try {
    tbb::task_arena arena(static_cast<int>(threads));
    std::vector<double> samples(repetitions);
    for (size_t r = 0; r < repetitions; r++) {
      double start = bench_now();
      arena.execute([&] { *result = fib_tbb(n, cutoff); });
      samples[r] = bench_now() - start;
    }
    return bench_median(samples.data(), repetitions);
  } catch (const std::exception &error) {
    std::fprintf(stderr, "oneTBB failed: %s\n", error.what());
    return -1.0;
  }
}
