/* Portable elementwise loops: 16-byte vectors, which GCC lowers to SSE2 on
 * x86-64 and to scalar code where no vector unit fits. */
#define ELTWISE_VECTOR_BYTES 16
#define ELTWISE_KERNELS numapool__eltwise_generic
#define ELTWISE_NAME "generic"
#include "kernels/eltwise_impl.h"
