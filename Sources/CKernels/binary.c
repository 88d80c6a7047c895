// Contiguous float32 arithmetic and float sums, compiled per x86-64 level (see unary.c).
#include "CKernels.h"

#if defined(__x86_64__) && defined(__clang__) && !defined(TD_NO_CLONES)
#define TD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TD_CLONES
#endif

// mode: 0 both arrays, 1 `a` is a scalar (a[0]), 2 `b` is a scalar (b[0]).
#define BINARY(name, expr)                                                                           \
    TD_CLONES void name(const float *restrict a, const float *restrict b, float *restrict out,      \
                        size_t n, int mode) {                                                        \
        if (mode == 1) {                                                                             \
            const float x = a[0];                                                                    \
            for (size_t i = 0; i < n; i++) { const float y = b[i]; out[i] = (expr); }               \
        } else if (mode == 2) {                                                                      \
            const float y = b[0];                                                                    \
            for (size_t i = 0; i < n; i++) { const float x = a[i]; out[i] = (expr); }               \
        } else {                                                                                     \
            for (size_t i = 0; i < n; i++) { const float x = a[i], y = b[i]; out[i] = (expr); }    \
        }                                                                                            \
    }

BINARY(td_add_f32, x + y)
BINARY(td_sub_f32, x - y)
BINARY(td_mul_f32, x * y)
BINARY(td_div_f32, x / y)

// Sums with 4 vectors × (16 or 8) lanes of independent accumulators: written as a
// 32-accumulator scalar loop that clang turns into vector adds without reassociation.
#define SUM(name, T, W)                                                                              \
    TD_CLONES T name(const T *restrict p, size_t n) {                                                \
        T acc[W];                                                                                    \
        for (int k = 0; k < W; k++) acc[k] = 0;                                                      \
        size_t i = 0;                                                                                \
        for (; i + W <= n; i += W)                                                                   \
            for (int k = 0; k < W; k++) acc[k] += p[i + k];                                          \
        T tail = 0;                                                                                  \
        for (; i < n; i++) tail += p[i];                                                             \
        for (int w = W / 2; w >= 1; w /= 2)                                                          \
            for (int k = 0; k < w; k++) acc[k] += acc[k + w];                                        \
        return acc[0] + tail;                                                                        \
    }

SUM(td_sum_f32, float, 64)
SUM(td_sum_f64, double, 32)
