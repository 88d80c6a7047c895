#include "CKernels.h"
#include <math.h>

// Placeholder scalar loop until the vectorised kernel lands.
void td_exp_f32(const float *x, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = expf(x[i]);
}
