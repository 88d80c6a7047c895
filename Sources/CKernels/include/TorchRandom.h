#ifndef TENSORD_TORCH_RANDOM_H
#define TENSORD_TORCH_RANDOM_H
#include <stddef.h>
#include <stdint.h>
// PyTorch's CPU generator (at::mt19937 in ATen/core/MT19937RNGEngine.h, driven by
// CPUGeneratorImpl) and the bulk sampling loops of ATen's CPU distribution kernels
// (ATen/native/cpu/DistributionTemplates.h), reproduced value for value so that a seed
// gives the numbers `torch.manual_seed(seed)` gives.

/// The Mersenne Twister state exactly as at::mt19937_data_pod keeps it.
typedef struct {
    uint32_t state[624];
    int32_t left;
    int32_t next;
} td_mt19937;

/// at::mt19937(seed): only the low 32 bits of the seed reach the state.
void td_mt_seed(td_mt19937 *g, uint64_t seed);
/// CPUGeneratorImpl::random(): one tempered 32-bit output.
uint32_t td_mt_next(td_mt19937 *g);
/// CPUGeneratorImpl::random64(): two outputs, the first in the high half.
uint64_t td_mt_next64(td_mt19937 *g);

/// uniform_kernel: out[i] = from + u·(to − from), u with 24 (float) or 53 (double) random
/// bits, one (float) or two (double) outputs per element; a value that rounds to `to` is `from`.
void td_mt_uniform_f32(td_mt19937 *g, float *out, size_t n, float from, float to);
void td_mt_uniform_f64(td_mt19937 *g, double *out, size_t n, double from, double to);

/// n uniforms on [0, 1) with 24 (float) or 53 (double) random bits each: the values of n
/// calls of uniform(0, 1).
void td_mt_unit_f32(td_mt19937 *g, float *out, size_t n);
void td_mt_unit_f64(td_mt19937 *g, double *out, size_t n);

/// Box–Muller over `blocks` blocks of 16 uniforms (8 pairs each), in place: the transform of
/// normal_fill (contiguous tensors of n ≥ 16 elements), which draws n uniforms, transforms
/// them block by block, and when 16 does not divide n redraws and transforms the last 16
/// values. The caller composes it (td_mt_unit_*, then the blocks, which need no generator
/// and may run on several cores, then the tail). float32 follows the AVX2 kernel
/// (avx_mathfun's log and sincos, FMA), which PyTorch uses on every x86-64 CPU with AVX2;
/// float64 follows the scalar kernel (libm log, sin, cos).
void td_normal_blocks_f32(float *out, size_t blocks, float mean, float std);
void td_normal_blocks_f64(double *out, size_t blocks, double mean, double std);
#endif
