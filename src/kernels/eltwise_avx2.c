/* AVX2 elementwise loops. This file alone is compiled with -mavx2, and its
 * functions run only after the dispatcher has checked the CPU. */
#define ELTWISE_VECTOR_BYTES 32
#define ELTWISE_KERNELS numapool__eltwise_avx2
#define ELTWISE_NAME "avx2"
#include "kernels/eltwise_impl.h"
