// PyTorch's CPU random number generation, value for value (see TorchRandom.h).
//
// Every floating-point operation below is one IEEE operation of PyTorch's binary: contraction
// is switched off here and each multiply-add that PyTorch's build fuses is written as fma —
// the ones its source spells (std::fma, _mm256_fmadd_ps) and the ones GCC contracts in its
// AVX2 kernels (a product whose only use is an addition), found by comparing with PyTorch.
#include "TorchRandom.h"
#include <math.h>
#include <string.h>

#pragma clang fp contract(off)
#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__) && defined(__clang__) && !defined(TD_NO_CLONES)
#define TD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define TD_CLONES
#endif

enum { MT_N = 624, MT_M = 397 };

void td_mt_seed(td_mt19937 *g, uint64_t seed) {
    g->state[0] = (uint32_t)(seed & 0xffffffffu);
    for (uint32_t j = 1; j < MT_N; j++) {
        g->state[j] = 1812433253u * (g->state[j - 1] ^ (g->state[j - 1] >> 30)) + j;
    }
    g->left = 1;
    g->next = 0;
}

static inline uint32_t twist(uint32_t u, uint32_t v) {
    return (((u & 0x80000000u) | (v & 0x7fffffffu)) >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
}

static void next_state(td_mt19937 *g) {
    uint32_t *p = g->state;
    g->left = MT_N;
    g->next = 0;
    for (int j = MT_N - MT_M + 1; --j; p++) *p = p[MT_M] ^ twist(p[0], p[1]);
    for (int j = MT_M; --j; p++) *p = p[MT_M - MT_N] ^ twist(p[0], p[1]);
    *p = p[MT_M - MT_N] ^ twist(p[0], g->state[0]);
}

static inline uint32_t temper(uint32_t y) {
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

static inline uint32_t mt_next(td_mt19937 *g) {
    if (--g->left == 0) next_state(g);
    return temper(g->state[g->next++]);
}

static inline uint64_t mt_next64(td_mt19937 *g) {
    uint64_t hi = mt_next(g);
    return (hi << 32) | mt_next(g);
}

uint32_t td_mt_next(td_mt19937 *g) { return mt_next(g); }
uint64_t td_mt_next64(td_mt19937 *g) { return mt_next64(g); }

// transformation::uniform_real: the low `digits` bits times 2^-digits, in the value's type.
static inline double unit_f64(td_mt19937 *g) {
    return (double)(mt_next64(g) & 0x1fffffffffffffull) * (1.0 / 9007199254740992.0);
}

// The float case (24 bits of one output), n at a time: the outputs left in the current state
// are tempered in one vectorisable loop and the state is regenerated when they run out. mt_next's bookkeeping
// (left counts down to 1 before a regeneration, next indexes the state) is kept exactly, so
// single draws can follow. After next_state, mt_next has already taken state[0] with left
// still MT_N; setting left to MT_N + 1 instead leaves all MT_N outputs to take here.
TD_CLONES void td_mt_unit_f32(td_mt19937 *g, float *out, size_t n) {
    size_t i = 0;
    while (i < n) {
        if (g->left == 1) {
            next_state(g);
            g->left = MT_N + 1;
        }
        size_t m = (size_t)(g->left - 1);
        if (m > n - i) m = n - i;
        const uint32_t *s = g->state + g->next;
        for (size_t j = 0; j < m; j++) out[i + j] = (float)(temper(s[j]) & 0xffffffu) * (1.0f / 16777216.0f);
        g->left -= (int32_t)m;
        g->next += (int32_t)m;
        i += m;
    }
}

void td_mt_uniform_f32(td_mt19937 *g, float *out, size_t n, float from, float to) {
    const float span = to - from;
    td_mt_unit_f32(g, out, n);
    for (size_t i = 0; i < n; i++) {
        float v = fmaf(out[i], span, from);
        out[i] = v == to ? from : v;
    }
}

void td_mt_uniform_f64(td_mt19937 *g, double *out, size_t n, double from, double to) {
    const double span = to - from;
    for (size_t i = 0; i < n; i++) {
        double v = fma(unit_f64(g), span, from);
        out[i] = v == to ? from : v;
    }
}

// ---- float32 Box–Muller: avx_mathfun.h's log256_ps and sincos256_ps, one lane at a time --

static inline uint32_t f2u(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }
static inline float u2f(uint32_t u) { float x; memcpy(&x, &u, 4); return x; }

// The constants are the header's double literals rounded to float, as its arrays hold them.
static const float c_sqrthf = 0.707106781186547524;
static const float c_log_p[9] = {7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, +1.4249322787E-1,
                                 -1.6668057665E-1, +2.0000714765E-1, -2.4999993993E-1, +3.3333331174E-1};
static const float c_log_q1 = -2.12194440e-4, c_log_q2 = 0.693359375;
static const float c_dp1 = -0.78515625, c_dp2 = -2.4187564849853515625e-4, c_dp3 = -3.77489497744594108e-8;
static const float c_sincof[3] = {-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1};
static const float c_coscof[3] = {2.443315711809948E-005, -1.388731625493765E-003, 4.166664568298827E-002};
static const float c_fopi = 1.27323954473516;

// log256_ps for x in (0, 1] (no NaN or non-positive input reaches it here).
static inline float mathfun_log(float x) {
    x = x > u2f(0x00800000u) ? x : u2f(0x00800000u);
    int32_t imm0 = (int32_t)(f2u(x) >> 23);
    x = u2f((f2u(x) & ~0x7f800000u) | f2u(0.5f));
    imm0 -= 0x7f;
    float e = (float)imm0;
    e = e + 1.0f;
    const int mask = x < c_sqrthf;
    const float tmp0 = mask ? x : 0.0f;
    x = x - 1.0f;
    e = e - (mask ? 1.0f : 0.0f);
    x = x + tmp0;
    const float z = x * x;
    float y = c_log_p[0];
    for (int k = 1; k < 9; k++) y = fmaf(y, x, c_log_p[k]);
    y = y * x;
    y = fmaf(y, z, e * c_log_q1);
    y = fmaf(-z, 0.5f, y);
    x = x + y;
    return fmaf(e, c_log_q2, x);
}

// sincos256_ps.
static inline void mathfun_sincos(float xin, float *s, float *c) {
    uint32_t sign_sin = f2u(xin) & 0x80000000u;
    float x = u2f(f2u(xin) & 0x7fffffffu);
    float y = x * c_fopi;
    int32_t j = (int32_t)y;   // cvttps: truncation
    j = (j + 1) & ~1;
    y = (float)j;
    const uint32_t swap_sign_sin = ((uint32_t)j & 4u) << 29;
    const int poly = (j & 2) == 0;
    x = fmaf(y, c_dp1, x);
    x = fmaf(y, c_dp2, x);
    x = fmaf(y, c_dp3, x);
    const uint32_t sign_cos = (~(uint32_t)(j - 2) & 4u) << 29;
    sign_sin ^= swap_sign_sin;
    const float z = x * x;
    float yc = fmaf(c_coscof[0], z, c_coscof[1]);
    yc = fmaf(yc, z, c_coscof[2]);
    yc = yc * z;
    yc = fmaf(yc, z, -(z * 0.5f));
    yc = yc + 1.0f;
    float ys = fmaf(c_sincof[0], z, c_sincof[1]);
    ys = fmaf(ys, z, c_sincof[2]);
    ys = ys * z;
    ys = fmaf(ys, x, x);
    const float ysin2 = poly ? ys : 0.0f, ysin1 = poly ? 0.0f : yc;
    ys = ys - ysin2;
    yc = yc - ysin1;
    *s = u2f(f2u(ysin1 + ysin2) ^ sign_sin);
    *c = u2f(f2u(yc + ys) ^ sign_cos);
}

TD_CLONES static void fill16_f32(float *restrict d, float mean, float std) {
    const float two_pi = (float)(2.0f * 3.14159265358979323846);
    for (int j = 0; j < 8; j++) {
        const float u1 = 1.0f - d[j], u2 = d[j + 8];
        const float radius = sqrtf(-2.0f * mathfun_log(u1));
        float s, c;
        mathfun_sincos(two_pi * u2, &s, &c);
        d[j] = fmaf(radius * c, std, mean);
        d[j + 8] = fmaf(radius * s, std, mean);
    }
}

void td_normal_blocks_f32(float *out, size_t blocks, float mean, float std) {
    for (size_t b = 0; b < blocks; b++) fill16_f32(out + 16 * b, mean, std);
}

// ---- float64 Box–Muller: NormalFill16's scalar loop ----------------------------------

static void fill16_f64(double *d, double mean, double std) {
    for (int j = 0; j < 8; j++) {
        const double u1 = 1 - d[j], u2 = d[j + 8];
        const double radius = sqrt(-2 * log(u1));
        const double theta = 2.0f * 3.14159265358979323846 * u2;
        d[j] = fma(radius * cos(theta), std, mean);
        d[j + 8] = fma(radius * sin(theta), std, mean);
    }
}

void td_mt_unit_f64(td_mt19937 *g, double *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = unit_f64(g);
}

void td_normal_blocks_f64(double *out, size_t blocks, double mean, double std) {
    for (size_t b = 0; b < blocks; b++) fill16_f64(out + 16 * b, mean, std);
}
