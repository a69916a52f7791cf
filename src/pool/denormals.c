#include "pool/pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* MXCSR flush-to-zero (bit 15) and denormals-are-zero (bit 6). */
#define DENORMAL_BITS 0x8040u

unsigned numapool__denormals_disable(void) {
  unsigned saved = _mm_getcsr();
  _mm_setcsr(saved | DENORMAL_BITS);
  return saved;
}

void numapool__denormals_restore(unsigned saved) { _mm_setcsr(saved); }

#else

/* NOTE: only x86 has a denormal mode here; elsewhere the flag is accepted
 * and has no effect. */
unsigned numapool__denormals_disable(void) { return 0; }

void numapool__denormals_restore(unsigned saved) { (void)saved; }

#endif
