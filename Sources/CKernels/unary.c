// Vectorised float32 (and float64 exp/log) elementwise functions.
//
// Each loop body is branch-free scalar C (selects, bit casts, polynomials) that clang
// auto-vectorises; `TD_CLONES` compiles every loop for x86-64-v4 (AVX-512), x86-64-v3
// (AVX2+FMA) and baseline SSE2, and the dynamic loader picks one from the CPU at startup.
// Range reduction and polynomials follow Cephes; the edge cases (±inf, NaN, 0, denormals,
// overflow) are handled with selects so they match the C library exactly.
#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__) && !defined(TD_NO_CLONES)
#define TD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TD_CLONES
#endif

static inline uint32_t f2u(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }
static inline float u2f(uint32_t u) { float x; memcpy(&x, &u, 4); return x; }
static inline uint64_t d2u(double x) { uint64_t u; memcpy(&u, &x, 8); return u; }
static inline double u2d(uint64_t u) { double x; memcpy(&x, &u, 8); return x; }

// ---- exp -------------------------------------------------------------------------------

// exp(x) = 2^n · p(r), r = x − n·ln2 ∈ [−ln2/2, ln2/2]. 2^n is applied as two factors
// 2^(n/2)·2^(n−n/2) so that results in the denormal range round once, and overflow
// produces inf through the multiplication itself.
static inline float exp_f32(float x) {
    float xc = x > 88.8f ? 88.8f : x;            // NaN passes both clamps unchanged
    xc = xc < -104.0f ? -104.0f : xc;
    const float shifter = 0x1.8p23f;             // rounds to nearest integer in the low mantissa bits
    float t = xc * 1.44269504088896341f + shifter;
    float n = t - shifter;
    int32_t ni = (int32_t)(f2u(t) - f2u(shifter)); // n as an integer, no float→int conversion
    float r = xc - n * 0.693359375f;             // ln2 split into an exact high part ...
    r = r - n * -2.12194440e-4f;                 // ... and a correction
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    int32_t n1 = ni >> 1, n2 = ni - n1;
    float s1 = u2f((uint32_t)(n1 + 127) << 23), s2 = u2f((uint32_t)(n2 + 127) << 23);
    float y = (p * s1) * s2;
    return x != x ? x + x : y;
}

TD_CLONES void td_exp_f32(const float *restrict x, float *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = exp_f32(x[i]);
}

// ---- log -------------------------------------------------------------------------------

// log(x) = e·ln2 + log(m), m ∈ [√½, √2); log(1+f) = f − f²/2 + f³·P(f).
static inline float log_f32(float x) {
    int denormal = x < 0x1p-126f;                // also true for 0 and negatives (masked below)
    float xs = denormal ? x * 0x1p23f : x;
    uint32_t u = f2u(xs);
    int32_t e = (int32_t)((u >> 23) & 0xff) - 127 - (denormal ? 23 : 0);
    float m = u2f((u & 0x007fffffu) | 0x3f800000u); // [1, 2)
    int big = m > 1.41421356237f;
    m = big ? m * 0.5f : m;
    e = big ? e + 1 : e;
    float f = m - 1.0f;
    float z = f * f;
    float p = 7.0376836292e-2f;
    p = p * f + -1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f + -1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f + -1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f + -2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    float fe = (float)e;
    float y = f * z * p;
    y = y + fe * -2.12194440e-4f;
    y = y - 0.5f * z;
    float r = f + y;
    r = r + fe * 0.693359375f;
    r = x == 0.0f ? -INFINITY : r;
    r = x < 0.0f ? NAN : r;
    r = x == INFINITY ? INFINITY : r;
    return x != x ? x + x : r;
}

TD_CLONES void td_log_f32(const float *restrict x, float *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = log_f32(x[i]);
}

// ---- tanh, sigmoid ---------------------------------------------------------------------

// |x| < 0.625: odd polynomial; otherwise 1 − 2/(e^{2|x|} + 1) with the sign restored.
// Saturates to ±1 without NaN (e^{2|x|} overflows to inf, 2/inf = 0).
static inline float tanh_f32(float x) {
    float a = fabsf(x);
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z + -5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z + -3.33332819422e-1f;
    float small = p * z * x + x;
    float e = exp_f32(a + a);
    float big = 1.0f - 2.0f / (e + 1.0f);
    float r = a < 0.625f ? small : big;
    r = copysignf(r, x);                         // keeps tanh(−0) = −0
    return x != x ? x + x : r;
}

TD_CLONES void td_tanh_f32(const float *restrict x, float *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = tanh_f32(x[i]);
}

// σ(x) = 1/(1 + e^{−x}) for x ≥ 0 and e^{x}/(1 + e^{x}) for x < 0, so that tiny results keep
// their precision (no cancellation) and the ends are exactly 0 and 1.
static inline float sigmoid_f32(float x) {
    float e = exp_f32(-fabsf(x));                // ∈ (0, 1]
    float num = x < 0.0f ? e : 1.0f;
    float d = 1.0f + e;
    float lost = (1.0f - d) + e;                 // exact rounding error of 1 + e (Fast2Sum)
    float q = num / d;
    float r = q - (q * lost) / d;                // num/(d + lost) ≈ q·(1 − lost/d): removes that rounding
    return x != x ? x + x : r;
}

TD_CLONES void td_sigmoid_f32(const float *restrict x, float *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = sigmoid_f32(x[i]);
}

TD_CLONES void td_sqrt_f32(const float *restrict x, float *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = sqrtf(x[i]);
}

// ---- float64 exp, log ------------------------------------------------------------------

static inline double exp_f64(double x) {
    double xc = x > 709.8 ? 709.8 : x;
    xc = xc < -746.0 ? -746.0 : xc;
    const double shifter = 0x1.8p52;
    double t = xc * 1.4426950408889634074 + shifter;
    double n = t - shifter;
    int64_t ni = (int64_t)(d2u(t) - d2u(shifter));
    double r = xc - n * 6.93147180369123816490e-01;   // ln2 hi (Cody–Waite)
    r = r - n * 1.90821492927058770002e-10;           // ln2 lo
    // Taylor series to r^13 on |r| ≤ ln2/2: truncation error < 2^-58.
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * (r * r) + r + 1.0;
    int64_t n1 = ni >> 1, n2 = ni - n1;
    double s1 = u2d((uint64_t)(n1 + 1023) << 52), s2 = u2d((uint64_t)(n2 + 1023) << 52);
    double y = (p * s1) * s2;
    return x != x ? x + x : y;
}

TD_CLONES void td_exp_f64(const double *restrict x, double *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = exp_f64(x[i]);
}

// log(x) = e·ln2 + 2·atanh(s), s = (m−1)/(m+1), m ∈ [√½, √2): |s| ≤ 0.1716, series in s².
static inline double log_f64(double x) {
    int denormal = x < 0x1p-1022;
    double xs = denormal ? x * 0x1p52 : x;
    uint64_t u = d2u(xs);
    int64_t e = (int64_t)((u >> 52) & 0x7ff) - 1023 - (denormal ? 52 : 0);
    double m = u2d((u & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
    int big = m > 1.4142135623730951;
    m = big ? m * 0.5 : m;
    e = big ? e + 1 : e;
    double f = m - 1.0;
    double s = f / (2.0 + f);
    double z = s * s;
    // 2·atanh(s) = 2s + s·(2/3 z + 2/5 z² + ...); the tail R(z) is summed to z^10.
    double w = z * (2.0 / 21.0);
    w = (w + 2.0 / 19.0) * z;
    w = (w + 2.0 / 17.0) * z;
    w = (w + 2.0 / 15.0) * z;
    w = (w + 2.0 / 13.0) * z;
    w = (w + 2.0 / 11.0) * z;
    w = (w + 2.0 / 9.0) * z;
    w = (w + 2.0 / 7.0) * z;
    w = (w + 2.0 / 5.0) * z;
    w = (w + 2.0 / 3.0) * z;
    // log(m) = f − f²/2 + s·(f²/2 + R): the form fdlibm uses to keep the leading terms exact.
    double hfsq = 0.5 * f * f;
    double fe = (double)e;
    double r = fe * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + w) + fe * 1.90821492927058770002e-10)) - f);
    r = x == 0.0 ? -INFINITY : r;
    r = x < 0.0 ? NAN : r;
    r = x == INFINITY ? INFINITY : r;
    return x != x ? x + x : r;
}

TD_CLONES void td_log_f64(const double *restrict x, double *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = log_f64(x[i]);
}
