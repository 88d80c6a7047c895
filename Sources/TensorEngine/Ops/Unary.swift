import Foundation

// Elementwise functions of one tensor (semantics §2): each forward beside its gradient.

extension Tensor {
    /// Applies a floating function, promoting integer and bool input to float32 (semantics §0).
    /// Contiguous float32 data goes to a vectorised kernel when `fast` names one.
    func floatMap(_ op: String, fast: FastUnary? = nil, f32: (Float) -> Float, f64: (Double) -> Double) throws -> Tensor {
        let x = dtype.isFloating ? detached() : try cast(to: .float32).detached()
        switch x.dtype {
        case .float64: return x.mapped(Double.self, to: Double.self, f64)
        default:
            if let fast, x.isContiguous {
                return Tensor.make(x.shape, Float.self) { out in
                    Kernels.apply(fast, x.storage.typed(Float.self) + x.offset, out.baseAddress!, x.count, scalar: f32)
                }
            }
            return x.mapped(Float.self, to: Float.self, f32)
        }
    }

    /// −x, keeping the dtype; bool is rejected.
    public func neg() throws -> Tensor {
        let out: Tensor
        switch dtype {
        case .float32: out = mapped(Float.self, to: Float.self) { -$0 }
        case .float64: out = mapped(Double.self, to: Double.self) { -$0 }
        case .int64: out = mapped(Int64.self, to: Int64.self) { 0 &- $0 }
        case .bool: throw TensorError.dtype("neg is not defined for bool tensors; use logical_not")
        }
        return out.recording("neg", [self]) { g in [try -g] }
    }

    public func exp() throws -> Tensor {
        let y = try floatMap("exp", fast: .exp, f32: { Foundation.exp($0) }, f64: { Foundation.exp($0) })
        return y.recording("exp", [self]) { g in [try g * y] }
    }
}

extension Ops {
    static let unary: [OpSpec] = [
        OpSpec("neg", "−input, keeping the dtype", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3]))]) { c in [try c.tensor("input").neg()] },
        OpSpec("exp", "e^input; integer input gives float32", params: [.tensor()],
               gradchecks: [.init(.randn([2, 3])), .init(.randn([3, 2], .transposed))]) { c in [try c.tensor("input").exp()] },
    ]
}
