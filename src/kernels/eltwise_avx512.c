/* AVX-512F elementwise loops. This file alone is compiled with -mavx512f,
 * and its functions run only after the dispatcher has checked the CPU. */
#define ELTWISE_VECTOR_BYTES 64
#define ELTWISE_KERNELS numapool__eltwise_avx512
#define ELTWISE_NAME "avx512"
#include "kernels/eltwise_impl.h"
