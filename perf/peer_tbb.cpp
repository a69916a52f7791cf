// oneTBB running the fork-join workloads: tbb::parallel_for over a
// blocked_range with the default (auto) partitioner, inside a task_arena
// of the requested concurrency.
#include <cstdio>
#include <exception>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "forkjoin_work.h"
#include "peers.h"

namespace {

struct tbb_state {
  const forkjoin_work_t *work;
  tbb::task_arena *arena;
};

void run_tbb(void *state) {
  const tbb_state *tbb_run = static_cast<const tbb_state *>(state);
  const forkjoin_work_t *work = tbb_run->work;
  size_t range = forkjoin_range(work);
  tbb_run->arena->execute([&] {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, range),
                      [&](const tbb::blocked_range<size_t> &block) {
                        forkjoin_items(work, block.begin(), block.size());
                      });
  });
}

} // namespace

extern "C" int forkjoin_tbb(const forkjoin_work_t *work, double *samples, size_t count,
                            char *error, size_t error_size) {
  try {
    tbb::task_arena arena(static_cast<int>(work->threads));
    arena.initialize();
    tbb_state state = {work, &arena};
    forkjoin_time(work, run_tbb, &state, samples, count);
    return 0;
  } catch (const std::exception &failure) {
    std::snprintf(error, error_size, "oneTBB failed: %s", failure.what());
    return -1;
  }
}

extern "C" int tasks_tbb(size_t threads, size_t tasks, uint64_t spin, size_t warmup,
                         double *samples, size_t count, char *error, size_t error_size) {
  try {
    tbb::task_arena arena(static_cast<int>(threads));
    for (size_t r = 0; r < warmup + count; r++) {
      double start = forkjoin_now();
      arena.execute([&] {
        tbb::task_group group;
        for (size_t i = 0; i < tasks; i++)
          group.run([spin] { forkjoin_spin(spin); });
        group.wait();
      });
      if (r >= warmup)
        samples[r - warmup] = forkjoin_now() - start;
    }
    return 0;
  } catch (const std::exception &failure) {
    std::snprintf(error, error_size, "oneTBB failed: %s", failure.what());
    return -1;
  }
}
