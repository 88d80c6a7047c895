// Reading and writing along one dim by index (PyTorch's gather and scatter_add):
// the values of max/min/kthvalue/topk are gathered at the indices they return, so
// their gradient is the scatter of the upstream gradient to those indices
// (semantics §10), and the scatter's own gradient is the gather again.

extension Tensor {
    /// `out[o, j, i] = self[o, index[o, j, i], i]` along `dim`, where `index` (int64) has
    /// this tensor's shape except at `dim`. Both have at least one dim; indices are in range.
    func gathered(along dim: Int, _ index: Tensor) -> Tensor {
        precondition(ndim >= 1 && index.ndim == ndim && index.dtype == .int64, "gather: internal shape mismatch")
        let size = shape[dim]
        func go<T: Element>(_: T.Type) -> Tensor {
            Tensor.make(index.shape, T.self) { out in
                let d = out.baseAddress!
                withContiguousBuffer(as: T.self) { src in
                    index.withContiguousBuffer(as: Int64.self) { idx in
                        let (outer, k, inner) = index.split(at: dim)
                        for o in 0..<outer {
                            for j in 0..<k {
                                let row = (o * k + j) * inner
                                for i in 0..<inner { d[row + i] = src[(o * size + Int(idx[row + i])) * inner + i] }
                            }
                        }
                    }
                }
            }
        }
        let out: Tensor
        switch dtype {
        case .float32: out = go(Float.self)
        case .float64: out = go(Double.self)
        case .int64: out = go(Int64.self)
        case .bool: out = go(Bool.self)
        }
        return out.recording("gather", [self]) { g in [g.scatterAdded(along: dim, index, size: size)] }
    }

    /// Zeros with `dim` of size `size`, into which `out[o, index[o, j, i], i] += self[o, j, i]`.
    /// Floating tensors only (it carries gradients).
    func scatterAdded(along dim: Int, _ index: Tensor, size: Int) -> Tensor {
        precondition(dtype.isFloating && index.shape == shape && index.dtype == .int64, "scatter: internal shape mismatch")
        var outShape = shape
        outShape[dim] = size
        func go<T: Element & BinaryFloatingPoint>(_: T.Type) -> Tensor {
            Tensor.make(outShape, T.self) { out in
                out.initialize(repeating: 0)
                let d = out.baseAddress!
                withContiguousBuffer(as: T.self) { src in
                    index.withContiguousBuffer(as: Int64.self) { idx in
                        let (outer, k, inner) = index.split(at: dim)
                        for o in 0..<outer {
                            for j in 0..<k {
                                let row = (o * k + j) * inner
                                for i in 0..<inner { d[(o * size + Int(idx[row + i])) * inner + i] += src[row + i] }
                            }
                        }
                    }
                }
            }
        }
        let out = dtype == .float32 ? go(Float.self) : go(Double.self)
        return out.recording("scatter_add", [self]) { g in [g.gathered(along: dim, index)] }
    }

    /// The sizes before, at and after `dim`.
    private func split(at dim: Int) -> (outer: Int, size: Int, inner: Int) {
        (shape[..<dim].reduce(1, *), shape[dim], shape[(dim + 1)...].reduce(1, *))
    }

    /// This tensor with at least one dim (a 0-d tensor becomes shape [1]), for ops along a dim.
    func atLeast1d() throws -> Tensor { ndim == 0 ? try reshaped([1]) : self }
}

/// Orders with NaN above every number (semantics §5: kthvalue, topk, and max's NaN rule).
@inline(__always)
func nanAwareLess<T: Comparable>(_ a: T, _ b: T) -> Bool {
    if b != b { return a == a }
    return a < b
}

/// The first extreme element of `p[0..<n]` (n ≥ 1): the first NaN if there is one,
/// otherwise the first maximum (or minimum), as PyTorch's max/argmax pick ties.
@inline(__always)
func firstExtremeIndex<T: Comparable>(_ p: UnsafePointer<T>, _ n: Int, largest: Bool) -> Int {
    var best = 0
    var v = p[0]
    if v != v { return 0 }
    if largest {
        for i in 1..<n where p[i] > v || p[i] != p[i] {
            if p[i] != p[i] { return i }
            best = i; v = p[i]
        }
    } else {
        for i in 1..<n where p[i] < v || p[i] != p[i] {
            if p[i] != p[i] { return i }
            best = i; v = p[i]
        }
    }
    return best
}
