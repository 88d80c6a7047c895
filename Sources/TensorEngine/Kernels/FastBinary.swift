#if arch(x86_64) || arch(arm64)
import CKernels
#endif

/// Float32 arithmetic with a vectorised contiguous kernel (see CKernels): `Tensor.zipped(fast:)`.
enum FastBinary: Sendable { case add, sub, mul, div }

extension Kernels {
    /// `out[i] = a[i] op b[i]` over `n` elements, split across cores for large inputs.
    /// mode 0: both dense; 1: `a` is a single scalar; 2: `b` is a single scalar.
    static func apply(_ kind: FastBinary, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                      _ out: UnsafeMutablePointer<Float>, _ n: Int, mode: Int32) {
        #if arch(x86_64) || arch(arm64)
        let kernel: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int32) -> Void
        switch kind {
        case .add: kernel = td_add_f32
        case .sub: kernel = td_sub_f32
        case .mul: kernel = td_mul_f32
        case .div: kernel = td_div_f32
        }
        parallelChunks(n, grain: elementwiseGrain) { r in
            let lo = r.lowerBound
            kernel(mode == 1 ? a : a + lo, mode == 2 ? b : b + lo, out + lo, r.count, mode)
        }
        #else
        let f: (Float, Float) -> Float
        switch kind {
        case .add: f = (+)
        case .sub: f = (-)
        case .mul: f = (*)
        case .div: f = (/)
        }
        parallelChunks(n, grain: elementwiseGrain) { r in
            for i in r { out[i] = f(a[mode == 1 ? 0 : i], b[mode == 2 ? 0 : i]) }
        }
        #endif
    }
}
