// The C++ functor overloads of pthreadpool.h: lambdas run over every item
// once, on a pool and on NULL.
#include <atomic>
#include <cstdio>
#include <vector>

#include <pthreadpool.h>

extern "C" {
#include "check.h"
}

static unsigned check_overloads(pthreadpool_t pool) {
  unsigned passed = 0;
  std::vector<std::atomic<unsigned>> hits(7 * 5 * 3 * 2 * 2 * 3);
  auto reset = [&] {
    for (auto &hit : hits)
      hit = 0;
  };
  auto all_once = [&](size_t items) {
    for (size_t i = 0; i < items; i++)
      CHECK_UEQ(hits[i].load(), 1);
    for (size_t i = items; i < hits.size(); i++)
      CHECK_UEQ(hits[i].load(), 0);
    return 1u;
  };

  reset();
  pthreadpool_parallelize_1d(pool, [&](size_t i) { hits[i]++; }, 7);
  passed += all_once(7);

  reset();
  pthreadpool_parallelize_1d_tile_1d(
      pool, [&](size_t i, size_t n) {
        for (size_t k = 0; k < n; k++)
          hits[i + k]++;
      },
      7, 3);
  passed += all_once(7);

  reset();
  pthreadpool_parallelize_1d_tile_1d_dynamic(
      pool, [&](size_t i, size_t n) {
        for (size_t k = 0; k < n; k++)
          hits[i + k]++;
      },
      7, 2, PTHREADPOOL_FLAG_DISABLE_DENORMALS);
  passed += all_once(7);

  reset();
  pthreadpool_parallelize_2d_tile_2d(
      pool, [&](size_t i, size_t j, size_t ni, size_t nj) {
        for (size_t a = 0; a < ni; a++)
          for (size_t b = 0; b < nj; b++)
            hits[(i + a) * 5 + j + b]++;
      },
      7, 5, 2, 3);
  passed += all_once(35);

  reset();
  pthreadpool_parallelize_3d_tile_2d(
      pool, [&](size_t i, size_t j, size_t k, size_t nj, size_t nk) {
        for (size_t b = 0; b < nj; b++)
          for (size_t c = 0; c < nk; c++)
            hits[(i * 5 + j + b) * 3 + k + c]++;
      },
      7, 5, 3, 2, 2);
  passed += all_once(105);

  reset();
  pthreadpool_parallelize_6d(
      pool, [&](size_t i, size_t j, size_t k, size_t l, size_t m, size_t n) {
        hits[((((i * 5 + j) * 3 + k) * 2 + l) * 2 + m) * 3 + n]++;
      },
      7, 5, 3, 2, 2, 3);
  passed += all_once(hits.size());
  return passed;
}

int main() {
  unsigned passed = check_overloads(nullptr);
  pthreadpool_t pool = pthreadpool_create(2);
  CHECK(pool != nullptr);
  passed += check_overloads(pool);
  pthreadpool_destroy(pool);
  return check_done("compat_pthreadpool_cxx", passed + 1);
}
