#if arch(x86_64) || arch(arm64)
import CKernels
#endif

/// Float32 functions with a vectorised kernel (see CKernels): ops pass one to `floatMap(fast:)`
/// (or call `Kernels.apply`) and contiguous float32 inputs go through it.
enum FastUnary: Sendable { case exp, log, tanh, sigmoid, sqrt }

extension Kernels {
    /// Elements per task when splitting elementwise work across cores. Below this the
    /// hand-off to another thread costs more than it saves.
    static let elementwiseGrain = 1 << 17

    /// `dst[i] = f(src[i])`, split across cores for large inputs. `scalar` is the reference
    /// function, used where no vectorised kernel exists.
    static func apply(_ kind: FastUnary, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int,
                      scalar: (Float) -> Float) {
        #if arch(x86_64) || arch(arm64)
        let kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
        switch kind {
        case .exp: kernel = td_exp_f32
        case .log: kernel = td_log_f32
        case .tanh: kernel = td_tanh_f32
        case .sigmoid: kernel = td_sigmoid_f32
        case .sqrt: kernel = td_sqrt_f32
        }
        // exp/log/tanh/sigmoid cost ~10-20 flops per element: worth splitting earlier.
        let grain = kind == .sqrt ? elementwiseGrain : elementwiseGrain / 4
        parallelChunks(n, grain: grain) { r in kernel(src + r.lowerBound, dst + r.lowerBound, r.count) }
        #else
        parallelChunks(n) { r in
            for i in r { dst[i] = scalar(src[i]) }
        }
        #endif
    }

    /// `dst[i] = f(src[i])` for float64: exp and log have vectorised kernels (see
    /// `FastUnary.hasFloat64Kernel`); the other kinds run `scalar`.
    static func apply(_ kind: FastUnary, _ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, _ n: Int,
                      scalar: (Double) -> Double) {
        #if arch(x86_64) || arch(arm64)
        let kernel: ((UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void)?
        switch kind {
        case .exp: kernel = td_exp_f64
        case .log: kernel = td_log_f64
        default: kernel = nil
        }
        if let kernel {
            parallelChunks(n, grain: elementwiseGrain / 4) { r in kernel(src + r.lowerBound, dst + r.lowerBound, r.count) }
            return
        }
        #endif
        parallelChunks(n, grain: elementwiseGrain) { r in
            for i in r { dst[i] = scalar(src[i]) }
        }
    }
}

extension FastUnary {
    /// Whether float64 data has a vectorised kernel too (exp, log).
    var hasFloat64Kernel: Bool {
        #if arch(x86_64) || arch(arm64)
        self == .exp || self == .log
        #else
        false
        #endif
    }
}
