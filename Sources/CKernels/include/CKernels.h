#ifndef TENSORD_CKERNELS_H
#define TENSORD_CKERNELS_H
#include <stddef.h>
// Vectorised float kernels. Each is compiled for several x86-64 levels (target_clones)
// and the loader picks the best one for the CPU at run time.

/// out[i] = exp(x[i]) with a relative error below 2 ulp; saturates like expf.
void td_exp_f32(const float *x, float *out, size_t n);
#endif
