// Selecting by a bool mask: how gradients are cut at kinks and bounds (relu, clamp, pow).
// Unlike multiplying by a 0/1 mask, a masked-out element becomes exactly 0 even where the
// kept expression is inf or NaN (PyTorch's `where(mask, x, 0)`).

extension Tensor {
    /// `mask ? self : 0`, broadcasting `self` against the bool `mask`; differentiable in `self`.
    func keeping(_ mask: Tensor) throws -> Tensor {
        precondition(mask.dtype == .bool, "keeping(_:) takes a bool mask")
        let out: Tensor
        let x = detached()
        switch dtype {
        case .float32: out = try Tensor.zipMasked(x, mask, Float.self)
        case .float64: out = try Tensor.zipMasked(x, mask, Double.self)
        case .int64: out = try Tensor.zipMasked(x, mask, Int64.self)
        case .bool: out = try Tensor.zipMasked(x, mask, Bool.self)
        }
        return out.recording("keeping", [self]) { g in [try g.keeping(mask)] }
    }

    private static func zipMasked<T: Element>(_ x: Tensor, _ mask: Tensor, _: T.Type) throws -> Tensor {
        let shape = try Shapes.broadcast(x.shape, mask.shape)
        let zero = T(fromDouble: 0)
        let xv = x.broadcastView(to: shape), mv = mask.broadcastView(to: shape)
        return make(shape, T.self) { out in
            xv.withContiguousBuffer(as: T.self) { xs in
                mv.withContiguousBuffer(as: Bool.self) { ms in
                    for i in 0..<out.count { out[i] = ms[i] ? xs[i] : zero }
                }
            }
        }
    }
}
