import Foundation
#if arch(x86_64) || arch(arm64)
import CKernels
#endif

// amax, amin and logsumexp (the smooth maximum): reductions over a list of dims. amax and amin
// split the gradient evenly among the tied extremes of each slice, as PyTorch's amax_backward.

extension Tensor {
    /// The largest element over `dims` (every dim when empty); NaN if the slice holds one.
    public func amax(dims: [Int] = [], keepdim: Bool = false) throws -> Tensor { try aExtreme(dims, keepdim, largest: true) }

    /// The smallest element over `dims` (see `amax`).
    public func amin(dims: [Int] = [], keepdim: Bool = false) throws -> Tensor { try aExtreme(dims, keepdim, largest: false) }

    private func aExtreme(_ dims: [Int], _ keepdim: Bool, largest: Bool) throws -> Tensor {
        let op = largest ? "amax" : "amin"
        let layout = try reductionLayout(dims.isEmpty ? nil : dims, keepdim: keepdim, op: op)
        if layout.inner == 0 && layout.outer > 0 {
            throw TensorError(.shape, "\(op): cannot reduce an empty slice (shape \(shape)); there is no identity for \(op)", argument: "dim")
        }
        let out: Tensor
        switch dtype {
        case .float32: out = Tensor.reduceRows(layout, Float.self, to: Float.self) { $0[firstExtremeIndex($0, $1, largest: largest)] }
        case .float64: out = Tensor.reduceRows(layout, Double.self, to: Double.self) { $0[firstExtremeIndex($0, $1, largest: largest)] }
        case .int64: out = Tensor.reduceRows(layout, Int64.self, to: Int64.self) { $0[firstExtremeIndex($0, $1, largest: largest)] }
        case .bool:
            out = Tensor.reduceRows(layout, Bool.self, to: Bool.self) { p, n in
                p[p.withMemoryRebound(to: UInt8.self, capacity: n) { firstExtremeIndex($0, n, largest: largest) }]
            }
        }
        let input = self
        return out.recording(op, [self]) { g in
            let y = try out.reshaped(layout.keptShape)
            let x = input.detached()
            // As PyTorch: a NaN slice has no element equal to its result, so its gradient is 0/0 = NaN.
            let hit = try x.eq(.tensor(y))
            let share = try hit.cast(to: g.dtype) / hit.sum(dims: layout.dims, keepdim: true).cast(to: g.dtype)
            return [try input.expandReduced(g, layout) * share]
        }
    }

    /// `log Σ exp(x)` over `dims`, computed stably (shifted by the slice's maximum, or by 0 when
    /// that is infinite); an empty slice gives -inf. Integer input gives float32. The gradient
    /// is `g · exp(x − result)` (the softmax).
    public func logsumexp(dims: [Int], keepdim: Bool = false) throws -> Tensor {
        let x = dtype.isFloating ? self : try cast(to: .float32)
        let layout = try x.reductionLayout(dims.isEmpty ? nil : dims, keepdim: keepdim, op: "logsumexp")
        let out = x.dtype == .float32
            ? Tensor.reduceRows(layout, Float.self, to: Float.self) { Float(logSumExpRow($0, $1)) }
            : Tensor.reduceRows(layout, Double.self, to: Double.self) { logSumExpRow($0, $1) }
        return out.recording("logsumexp", [x]) { g in
            let y = try x.resultForGrad(out) { try x.logsumexp(dims: dims, keepdim: keepdim) }
            return [try x.expandReduced(g, layout) * (x - y.reshaped(layout.keptShape)).exp()]
        }
    }
}

/// `log Σ exp(p[i])` with PyTorch's shift: the maximum, or 0 when it is ±inf (so all −inf
/// gives −inf and any +inf gives +inf). NaN propagates.
func logSumExpRow<T: BinaryFloatingPoint & Element>(_ p: UnsafePointer<T>, _ n: Int) -> Double {
    if n == 0 { return -.infinity }
    let mx = p[firstExtremeIndex(p, n, largest: true)]
    if mx.isNaN { return .nan }
    let shift = mx.isInfinite ? 0 : Double(mx)
    return Foundation.log(Kernels.sumOfShiftedExp(p, n, shift)) + shift
}

extension Kernels {
    /// `Σ exp(p[i] − shift)`: float32 blocks go through the vectorised exp and sum kernels
    /// (across cores for long rows); other types run the scalar loop.
    static func sumOfShiftedExp<T: BinaryFloatingPoint & Element>(_ p: UnsafePointer<T>, _ n: Int, _ shift: Double) -> Double {
        #if arch(x86_64) || arch(arm64)
        if T.self == Float.self {
            let f = UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
            let s = Float(shift)
            return Double(blockedSum(f, n) { block, m in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: m) { tmp in
                    let t = tmp.baseAddress!
                    for i in 0..<m { t[i] = block[i] - s }
                    td_exp_f32(t, t, m)
                    return td_sum_f32(t, m)
                }
            })
        }
        #endif
        var acc = 0.0
        for i in 0..<n { acc += Foundation.exp(Double(p[i]) - shift) }
        return acc
    }
}

extension Ops {
    static let extremeReductions: [OpSpec] = [
        aExtremeSpec("amax", "largest"), aExtremeSpec("amin", "smallest"),
        OpSpec("logsumexp", "log Σ exp(input) over dim (an int or a list), computed stably; integer input gives float32",
               params: [.tensor(), Param("dim", .dims), Param("keepdim", .bool, default: .bool(false))],
               gradchecks: [.init(.randn([3, 4]), .int(1), [:]), .init(.randn([2, 3, 4], .transposed), .ints([0, 2]), ["keepdim": .bool(true)])]) { c in
            [try c.tensor("input").logsumexp(dims: c.ints("dim"), keepdim: c.bool("keepdim"))]
        },
    ]

    private static func aExtremeSpec(_ name: String, _ what: String) -> OpSpec {
        OpSpec(name, "the \(what) element over dim (an int or a list; every dim when empty); NaN propagates; ties share the gradient",
               params: [.tensor(), Param("dim", .dims, default: .intList([])), Param("keepdim", .bool, default: .bool(false))],
               gradchecks: [.init(.distinct([3, 4]), [:]), .init(.distinct([2, 3, 4]), ["dim": .intList([0, -1])]),
                            .init(.distinct([3, 4], .transposed), ["dim": .int(1), "keepdim": .bool(true)])]) { c in
            let x = c.tensor("input"), dims = c.ints("dim"), keepdim = c.bool("keepdim")
            return [try name == "amax" ? x.amax(dims: dims, keepdim: keepdim) : x.amin(dims: dims, keepdim: keepdim)]
        }
    }
}
