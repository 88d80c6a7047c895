#include "COptim.h"
#include <math.h>

#if defined(__x86_64__)
#define TD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TD_CLONES
#endif

// PyTorch's CPU lerp: one fused multiply-add from the nearer end (ATen/native/cpu/LerpKernel.cpp).
#define LERP(FMA, a, b, w) ((w) < 0.5 && (w) > -0.5 ? FMA((w), (b) - (a), (a)) : FMA((w) - 1, (b) - (a), (b)))

// torch.maximum propagates NaN from either side, hence the vmax != vmax test.
// Each optimizer's rule once, for float (fmaf, sqrtf) and double (fma, sqrt). Optional
// buffers are NULL; each variant gets its own loop (UNSWITCH), because a vectorised loop
// that masks off a NULL buffer still issues masked loads from page 0, and the CPU's fault
// suppression for them costs far more than the arithmetic (measured: 10x slower).
#define UNSWITCH(cond, loop) if (cond) { enum { ON = 1 }; loop } else { enum { ON = 0 }; loop }
#define DEFINE_OPTIM(T, SUF, FMA, SQRT)                                                           \
TD_CLONES void td_sgd_step_##SUF(T *p, const T *g, T *buf, size_t n, td_sgd_##SUF o) {            \
    UNSWITCH(buf != NULL,                                                                         \
    for (size_t i = 0; i < n; i++) {                                                              \
        T gi = o.maximize ? -g[i] : g[i];                                                         \
        if (o.wd != 0) gi = FMA(o.wd, p[i], gi);                  /* g.add(p, alpha=wd) */        \
        if (ON) {                                                                                 \
            buf[i] = o.first ? gi : FMA(o.keep, gi, buf[i] * o.momentum);                         \
            gi = o.nesterov ? FMA(o.momentum, buf[i], gi) : buf[i];                               \
        }                                                                                         \
        p[i] = FMA(o.neg_lr, gi, p[i]);                           /* p.add_(g, alpha=-lr) */      \
    })                                                                                            \
}                                                                                                 \
TD_CLONES void td_adagrad_step_##SUF(T *p, const T *g, T *sum, size_t n, td_adagrad_##SUF o) {   \
    for (size_t i = 0; i < n; i++) {                                                              \
        T gi = o.maximize ? -g[i] : g[i];                                                         \
        if (o.wd != 0) gi = FMA(o.wd, p[i], gi);                                                  \
        sum[i] = FMA(gi, gi, sum[i]);                             /* addcmul_(g, g, value=1) */   \
        T std = SQRT(sum[i]) + o.eps;                                                             \
        p[i] = p[i] + o.neg_clr * gi / std;                       /* addcdiv_(g, std, -clr) */    \
    }                                                                                             \
}                                                                                                 \
static inline __attribute__((always_inline)) void rmsprop_##SUF(T *p, const T *g, T *v, T *buf,  \
        T *gbar, size_t n, td_rmsprop_##SUF o, int has_buf, int has_gbar) {                       \
    for (size_t i = 0; i < n; i++) {                                                              \
        T gi = o.maximize ? -g[i] : g[i];                                                         \
        if (o.wd != 0) gi = FMA(o.wd, p[i], gi);                                                  \
        v[i] = FMA(o.one_minus_alpha * gi, gi, v[i] * o.alpha);   /* mul_(α).addcmul_(g, g, 1-α) */ \
        T avg;                                                                                    \
        if (has_gbar) {                                                                           \
            gbar[i] = LERP(FMA, gbar[i], gi, o.one_minus_alpha);                                  \
            avg = SQRT(FMA(-gbar[i], gbar[i], v[i]));             /* addcmul(gbar, gbar, -1) */   \
        } else {                                                                                  \
            avg = SQRT(v[i]);                                                                     \
        }                                                                                         \
        avg = avg + o.eps;                                                                        \
        if (has_buf) {                                                                            \
            buf[i] = buf[i] * o.momentum + gi / avg;              /* addcdiv_(g, avg), value 1 */ \
            p[i] = FMA(o.neg_lr, buf[i], p[i]);                                                   \
        } else {                                                                                  \
            p[i] = p[i] + o.neg_lr * gi / avg;                                                    \
        }                                                                                         \
    }                                                                                             \
}                                                                                                 \
TD_CLONES void td_rmsprop_step_##SUF(T *p, const T *g, T *v, T *buf, T *gbar, size_t n,          \
                                     td_rmsprop_##SUF o) {                                        \
    if (buf && gbar) rmsprop_##SUF(p, g, v, buf, gbar, n, o, 1, 1);                               \
    else if (buf) rmsprop_##SUF(p, g, v, buf, gbar, n, o, 1, 0);                                  \
    else if (gbar) rmsprop_##SUF(p, g, v, buf, gbar, n, o, 0, 1);                                 \
    else rmsprop_##SUF(p, g, v, buf, gbar, n, o, 0, 0);                                           \
}                                                                                                 \
TD_CLONES void td_adam_step_##SUF(T *p, const T *g, T *m, T *v, T *vmax, size_t n,               \
                                  td_adam_##SUF o) {                                              \
    UNSWITCH(vmax != NULL,                                                                        \
    for (size_t i = 0; i < n; i++) {                                                              \
        T gi = o.maximize ? -g[i] : g[i];                                                         \
        if (o.decoupled) p[i] = p[i] * o.decay;                   /* p.mul_(1 - lr·wd) */         \
        if (o.l2) gi = FMA(o.wd, p[i], gi);                                                       \
        m[i] = LERP(FMA, m[i], gi, o.w1);                         /* lerp_(g, 1-β1) */            \
        v[i] = FMA(o.one_minus_beta2 * gi, gi, v[i] * o.beta2);   /* mul_(β2).addcmul_(g, g, 1-β2) */ \
        T vhat = v[i];                                                                            \
        if (ON) { vmax[i] = (vmax[i] > v[i] || vmax[i] != vmax[i]) ? vmax[i] : v[i]; vhat = vmax[i]; } \
        T denom = SQRT(vhat) / o.bc2_sqrt + o.eps;                                                \
        p[i] = p[i] + o.neg_step * m[i] / denom;                  /* addcdiv_(m, denom, -step) */ \
    })                                                                                            \
}

DEFINE_OPTIM(float, f32, fmaf, sqrtf)
DEFINE_OPTIM(double, f64, fma, sqrt)
