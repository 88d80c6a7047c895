#ifndef TENSORD_COPTIM_H
#define TENSORD_COPTIM_H
#include <stddef.h>
// Optimizer update loops (Training/Optimizers): one pass over a parameter, its gradient and
// its state buffers, rounding in the order of PyTorch's CPU kernels — fused multiply-adds
// exactly where PyTorch fuses (add with alpha, addcmul, lerp), none elsewhere. Scalars
// arrive already converted to the element type, as PyTorch converts Python numbers.
// Each loop is compiled for several x86-64 levels; fmaf/fma keep every level bit-identical.

typedef struct {
    float wd, momentum, keep, neg_lr;   // keep = 1 - dampening
    int maximize, first, nesterov;       // first: the buffer starts as g (PyTorch's "buf is None")
} td_sgd_f32;
typedef struct {
    double wd, momentum, keep, neg_lr;
    int maximize, first, nesterov;
} td_sgd_f64;
void td_sgd_step_f32(float *p, const float *g, float *buf, size_t n, td_sgd_f32 o);
void td_sgd_step_f64(double *p, const double *g, double *buf, size_t n, td_sgd_f64 o);

typedef struct { float wd, eps, neg_clr; int maximize; } td_adagrad_f32;
typedef struct { double wd, eps, neg_clr; int maximize; } td_adagrad_f64;
void td_adagrad_step_f32(float *p, const float *g, float *sum, size_t n, td_adagrad_f32 o);
void td_adagrad_step_f64(double *p, const double *g, double *sum, size_t n, td_adagrad_f64 o);

typedef struct { float wd, alpha, one_minus_alpha, eps, momentum, neg_lr; int maximize; } td_rmsprop_f32;
typedef struct { double wd, alpha, one_minus_alpha, eps, momentum, neg_lr; int maximize; } td_rmsprop_f64;
/// buf (momentum > 0) and gbar (centered) may be NULL.
void td_rmsprop_step_f32(float *p, const float *g, float *v, float *buf, float *gbar, size_t n, td_rmsprop_f32 o);
void td_rmsprop_step_f64(double *p, const double *g, double *v, double *buf, double *gbar, size_t n, td_rmsprop_f64 o);

typedef struct {
    float wd, decay, w1, beta2, one_minus_beta2, neg_step, bc2_sqrt, eps;
    int maximize, l2, decoupled;
} td_adam_f32;
typedef struct {
    double wd, decay, w1, beta2, one_minus_beta2, neg_step, bc2_sqrt, eps;
    int maximize, l2, decoupled;
} td_adam_f64;
/// vmax (amsgrad) may be NULL.
void td_adam_step_f32(float *p, const float *g, float *m, float *v, float *vmax, size_t n, td_adam_f32 o);
void td_adam_step_f64(double *p, const double *g, double *m, double *v, double *vmax, size_t n, td_adam_f64 o);
#endif
