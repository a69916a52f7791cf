/* Choice of the elementwise loops for this CPU. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "kernels/eltwise_kernels.h"

/* The chosen set. Written by whichever thread calls first (relaxed: every
 * thread computes the same answer from the same CPU and environment, so a
 * race only repeats the work); read by every call. */
static _Atomic(const numapool__eltwise_kernels_t *) chosen;

static bool cpu_supports(const numapool__eltwise_kernels_t *kernels) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (kernels == &numapool__eltwise_avx512)
    return __builtin_cpu_supports("avx512f");
  if (kernels == &numapool__eltwise_avx2)
    return __builtin_cpu_supports("avx2");
#endif
  return kernels == &numapool__eltwise_generic;
}

/* The set named by NUMAPOOL_ELTWISE_ISA, or NULL when it is unset. */
static const numapool__eltwise_kernels_t *requested_kernels(void) {
  const char *name = getenv("NUMAPOOL_ELTWISE_ISA");
  if (name == NULL || name[0] == '\0')
    return NULL;
  if (strcmp(name, "generic") == 0)
    return &numapool__eltwise_generic;
#if defined(__x86_64__)
  if (strcmp(name, "avx2") == 0)
    return &numapool__eltwise_avx2;
  if (strcmp(name, "avx512") == 0)
    return &numapool__eltwise_avx512;
#endif
  NUMAPOOL_LOG_WARN("invalid NUMAPOOL_ELTWISE_ISA '%s': expected avx512, avx2 or generic; "
                    "using the best set for this CPU",
                    name);
  return NULL;
}

static const numapool__eltwise_kernels_t *best_kernels(void) {
#if defined(__x86_64__)
  if (cpu_supports(&numapool__eltwise_avx512))
    return &numapool__eltwise_avx512;
  if (cpu_supports(&numapool__eltwise_avx2))
    return &numapool__eltwise_avx2;
#endif
  return &numapool__eltwise_generic;
}

const numapool__eltwise_kernels_t *numapool__eltwise_kernels(void) {
  const numapool__eltwise_kernels_t *kernels =
      atomic_load_explicit(&chosen, memory_order_relaxed);
  if (kernels != NULL)
    return kernels;

  kernels = requested_kernels();
  if (kernels != NULL && !cpu_supports(kernels)) {
    NUMAPOOL_LOG_WARN("NUMAPOOL_ELTWISE_ISA=%s is not supported by this CPU; using the best "
                      "set it supports",
                      kernels->name);
    kernels = NULL;
  }
  if (kernels == NULL)
    kernels = best_kernels();
  NUMAPOOL_LOG_INFO("elementwise kernels: %s", kernels->name);
  atomic_store_explicit(&chosen, kernels, memory_order_relaxed);
  return kernels;
}
