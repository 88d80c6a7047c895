#ifndef TENSORD_CKERNELS_H
#define TENSORD_CKERNELS_H
#include <stddef.h>
// Vectorised float kernels over contiguous buffers. Each is compiled for several x86-64
// levels (target_clones: x86-64-v4, x86-64-v3, baseline) and the dynamic loader picks the
// best one for the CPU at run time, so one binary runs everywhere.
// `x` and `out` must not overlap partially (identical pointers are fine for unary kernels).

/// exp with error ≤ 2 ulp; overflow → inf, exp(−inf) = 0, denormal results, NaN propagates.
void td_exp_f32(const float *x, float *out, size_t n);
/// Natural log with error ≤ 2 ulp; log(0) = −inf, log(x<0) = NaN, log(inf) = inf, denormals.
void td_log_f32(const float *x, float *out, size_t n);
/// tanh with error ≤ 2 ulp; saturates to ±1 (never NaN for large |x|).
void td_tanh_f32(const float *x, float *out, size_t n);
/// Logistic sigmoid 1/(1+e^−x); exactly 0 and 1 at −inf and +inf.
void td_sigmoid_f32(const float *x, float *out, size_t n);
/// Correctly rounded sqrt; sqrt(x<0) = NaN.
void td_sqrt_f32(const float *x, float *out, size_t n);
/// float64 exp and log (≤ 2 ulp), same edge cases as the float32 versions.
void td_exp_f64(const double *x, double *out, size_t n);
void td_log_f64(const double *x, double *out, size_t n);

/// out[i] = a[i] op b[i]. mode 0: both are arrays of n; 1: `a` is one scalar; 2: `b` is one scalar.
void td_add_f32(const float *a, const float *b, float *out, size_t n, int mode);
void td_sub_f32(const float *a, const float *b, float *out, size_t n, int mode);
void td_mul_f32(const float *a, const float *b, float *out, size_t n, int mode);
void td_div_f32(const float *a, const float *b, float *out, size_t n, int mode);

/// Sum with many independent accumulators (pairwise-ish rounding: error grows like n/64).
float td_sum_f32(const float *p, size_t n);
double td_sum_f64(const double *p, size_t n);
#include "TorchRandom.h"
#endif
