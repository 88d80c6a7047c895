/// Float32 functions with a vectorised kernel (see CKernels).
enum FastUnary: Sendable { case exp }

extension Kernels {
    /// `dst[i] = f(src[i])`, split across cores for large inputs. `scalar` is the reference
    /// function, used where no vectorised kernel exists.
    static func apply(_ kind: FastUnary, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int,
                      scalar: (Float) -> Float) {
        parallelChunks(n) { r in
            for i in r { dst[i] = scalar(src[i]) }
        }
    }
}
