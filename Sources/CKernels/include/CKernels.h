#ifndef TENSORD_CKERNELS_H
#define TENSORD_CKERNELS_H
#include <stddef.h>
#include <stdint.h>
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

/// out[i] = c[i] ? a[i] : b[i] on raw 1-, 4- or 8-byte elements (where).
void td_where_8(const _Bool *c, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n);
void td_where_32(const _Bool *c, const uint32_t *a, const uint32_t *b, uint32_t *out, size_t n);
void td_where_64(const _Bool *c, const uint64_t *a, const uint64_t *b, uint64_t *out, size_t n);

/// Stable argsort of one contiguous row of n < 2^32 elements, by LSD radix sort: `out` gets
/// the positions in ascending order (descending ≠ 0: descending), NaN above every number,
/// −0 equal to +0, equal values in index order. bits0/bits1 hold n elements of the row's
/// width each and idx0/idx1 n positions each (scratch).
void td_argsort_f32(const void *x, size_t n, int descending, int64_t *out,
                    uint32_t *bits0, uint32_t *bits1, uint32_t *idx0, uint32_t *idx1);
void td_argsort_f64(const void *x, size_t n, int descending, int64_t *out,
                    uint64_t *bits0, uint64_t *bits1, uint32_t *idx0, uint32_t *idx1);
void td_argsort_i64(const void *x, size_t n, int descending, int64_t *out,
                    uint64_t *bits0, uint64_t *bits1, uint32_t *idx0, uint32_t *idx1);
#include "TorchRandom.h"
#endif
