import Foundation

/// Gradient clipping by total norm, as `torch.nn.utils.clip_grad_norm_` (semantics §11).
///
/// `total` is the `normType`-norm of all gradients together (the norm of the per-tensor
/// norms; the max for inf). Every gradient is multiplied by
/// `min(maxNorm / (total + 1e-6), 1)`, which is exactly 1 when no clipping is needed.
/// Returns the clipped gradients (fresh tensors) and `total` before clipping, a 0-d tensor
/// of the gradients' dtype (float64 if any gradient is float64).
///
/// ```swift
/// let (clipped, total) = try clipGradNorm([gw, gb], maxNorm: 1.0)
/// ```
///
/// A non-finite total throws a value error when `errorIfNonfinite`; otherwise the scaling is
/// applied as is and may produce NaN.
public func clipGradNorm(_ gradients: [Tensor], maxNorm: Double, normType: Double = 2, errorIfNonfinite: Bool = false) throws -> (gradients: [Tensor], totalNorm: Tensor) {
    for g in gradients where !g.dtype.isFloating {
        throw TensorError(.dtype, "clip_grad_norm: gradients must be floating, got \(g.dtype)", argument: "tensors")
    }
    let owned = gradients.map { $0.copied() }
    let total = try clipGradNormInPlace(owned, maxNorm: maxNorm, normType: normType, errorIfNonfinite: errorIfNonfinite)
    return (owned, total)
}

/// `clipGradNorm` writing into the gradients' storage, which the caller must own
/// (contiguous floating tensors).
public func clipGradNormInPlace(_ gradients: [Tensor], maxNorm: Double, normType: Double = 2, errorIfNonfinite: Bool = false) throws -> Tensor {
    guard !maxNorm.isNaN else { throw TensorError(.value, "max_norm is NaN", argument: "max_norm") }
    guard !normType.isNaN else { throw TensorError(.value, "norm_type is NaN", argument: "norm_type") }
    for g in gradients {
        guard g.dtype.isFloating else { throw TensorError(.dtype, "gradients must be floating, got \(g.dtype)", argument: "tensors") }
        guard g.isContiguous else { throw TensorError(.value, "in-place clipping needs contiguous gradients", argument: "tensors") }
    }
    let dtype: DType = gradients.contains { $0.dtype == .float64 } ? .float64 : .float32
    if gradients.isEmpty { return Tensor.filled([], with: 0, dtype: dtype) }
    // Each tensor's norm is rounded to its dtype, as PyTorch stacks float32 norms.
    let norms = gradients.map { g -> Double in
        let n = g.dtype == .float64 ? vectorNorm(pointer(g, Double.self), g.count, normType)
                                    : Double(Float(vectorNorm(pointer(g, Float.self), g.count, normType)))
        return n
    }
    var total = combineNorms(norms, normType)
    if dtype == .float32 { total = Double(Float(total)) }
    if errorIfNonfinite && !total.isFinite {
        throw TensorError(.value, "the total norm of order \(normType) for gradients is non-finite, so it cannot be clipped; pass errorIfNonfinite: false to clip anyway", argument: "error_if_nonfinite")
    }
    // clip_coef = max_norm / (total + 1e-6), clamped to at most 1, in the norm's dtype.
    for g in gradients {
        if g.dtype == .float64 {
            let coef = Swift.min(maxNorm / (total + 1e-6), 1)
            scale(pointer(g, Double.self), g.count, coef.isNaN ? .nan : coef)
        } else {
            let t = Float(total), c = Float(maxNorm) / (t + Float(1e-6))
            scale(pointer(g, Float.self), g.count, c.isNaN ? .nan : Swift.min(c, 1))
        }
    }
    return Tensor.filled([], with: total, dtype: dtype)
}

private func scale<T: BinaryFloatingPoint>(_ p: UnsafeMutablePointer<T>, _ n: Int, _ c: T) {
    for i in 0..<n { p[i] = p[i] * c }
}

/// `torch.linalg.vector_norm(x, ord)` accumulated in double: inf and -inf give max and min
/// |x|, 0 counts the non-zeros, others give (Σ|x|^p)^(1/p).
private func vectorNorm<T: BinaryFloatingPoint>(_ p: UnsafeMutablePointer<T>, _ n: Int, _ ord: Double) -> Double {
    if ord == .infinity || ord == -.infinity {
        guard n > 0 else { return ord > 0 ? 0 : .infinity }
        var m = ord > 0 ? 0.0 : Double.infinity
        for i in 0..<n {
            let a = Double(abs(p[i]))
            if a.isNaN { return .nan }
            m = ord > 0 ? Swift.max(m, a) : Swift.min(m, a)
        }
        return m
    }
    if ord == 0 { return Double((0..<n).filter { p[$0] != 0 }.count) }
    var s = 0.0
    if ord == 2 {
        for i in 0..<n { let a = Double(p[i]); s += a * a }
        return s.squareRoot()
    }
    if ord == 1 {
        for i in 0..<n { s += Double(abs(p[i])) }
        return s
    }
    for i in 0..<n { s += Foundation.pow(Double(abs(p[i])), ord) }
    return Foundation.pow(s, 1 / ord)
}

/// The norm of the per-tensor norms, as PyTorch takes `vector_norm` of their stack (so
/// order 0 counts the tensors with a non-zero norm).
private func combineNorms(_ norms: [Double], _ ord: Double) -> Double {
    if norms.contains(where: \.isNaN) { return .nan }
    if ord == .infinity { return norms.max() ?? 0 }
    if ord == -.infinity { return norms.min() ?? 0 }
    if ord == 0 { return Double(norms.filter { $0 != 0 }.count) }
    if ord == 2 { return norms.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    if ord == 1 { return norms.reduce(0, +) }
    return Foundation.pow(norms.reduce(0) { $0 + Foundation.pow($1, ord) }, 1 / ord)
}

/// The first element of a contiguous tensor, for reading or writing in place.
private func pointer<T: Element>(_ t: Tensor, _: T.Type) -> UnsafeMutablePointer<T> {
    t.storage.pointer.assumingMemoryBound(to: T.self) + t.offset
}

extension Ops {
    static let clipping: [OpSpec] = [
        OpSpec("clip_grad_norm", "scales the tensors so their total norm_type-norm is at most max_norm (torch.nn.utils.clip_grad_norm_); returns the clipped tensors, then the total norm before clipping",
               params: [Param("tensors", .tensorList), Param("max_norm", .number),
                        Param("norm_type", .numberOrChoice(["inf", "-inf"]), default: .float(2)),
                        Param("error_if_nonfinite", .bool, default: .bool(false))],
               outputs: ["tensors*", "total_norm"],
               examples: [.init(.tensors([TensorRecipe(shape: [2, 3], distribution: .normal), TensorRecipe(shape: [3], distribution: .normal)]), .number(0.5), [:])]) { c in
            let p: Double = switch c.values["norm_type"] {
            case .string("inf"): .infinity
            case .string("-inf"): -.infinity
            default: c.double("norm_type")
            }
            let (clipped, total) = try clipGradNorm(c.tensors("tensors"), maxNorm: c.double("max_norm"), normType: p,
                                                    errorIfNonfinite: c.bool("error_if_nonfinite"))
            return clipped + [total]
        },
    ]
}
