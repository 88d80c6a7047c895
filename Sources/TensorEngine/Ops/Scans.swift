// cumsum and cumprod: running sums and products along one dim. As PyTorch's CPU kernels,
// floating scans accumulate in float64 (`acc_type`), so float32 results round once per element.

extension Tensor {
    /// Running sums along `dim`; integers and bools give int64 unless `dtype` says otherwise.
    /// The gradient is the reversed running sum of the upstream gradient.
    ///
    /// ```swift
    /// try Tensor([1, 2, 3] as [Float]).cumsum(dim: 0)   // [1, 3, 6]
    /// ```
    public func cumsum(dim: Int, dtype: DType? = nil) throws -> Tensor {
        let x = try scanInput(dtype, op: "cumsum")
        let d = try Shapes.normalize(dim, ndim: ndim, op: "cumsum")
        let out = try x.scanned(d, op: "cumsum", f64: { acc, v in acc + v }, i64: { acc, v in acc &+ v }, identity: 0)
        return out.recording("cumsum", [x]) { g in [try g.flip([d]).cumsum(dim: d).flip([d])] }
    }

    /// Running products along `dim` (integers and bools give int64 unless `dtype` says otherwise).
    /// The gradient is exact where the input has zeros (PyTorch's cumprod_backward).
    public func cumprod(dim: Int, dtype: DType? = nil) throws -> Tensor {
        let x = try scanInput(dtype, op: "cumprod")
        let d = try Shapes.normalize(dim, ndim: ndim, op: "cumprod")
        let out = try x.scanned(d, op: "cumprod", f64: { acc, v in acc * v }, i64: { acc, v in acc &* v }, identity: 1)
        return out.recording("cumprod", [x]) { g in [try x.detached().cumprodGradient(g.detached(), dim: d)] }
    }

    /// The input cast to `dtype`, or integers and bools to int64 (PyTorch's scan dtype rule).
    private func scanInput(_ dtype: DType?, op: String) throws -> Tensor {
        if let dtype { return try cast(to: dtype) }
        return dtype == nil && !self.dtype.isFloating ? try cast(to: .int64) : self
    }

    /// Applies a scan along `d` to every row (the dim moved last, made contiguous). Floats
    /// accumulate in Double; bool is not reachable (scanInput casts it to int64).
    private func scanned(_ d: Int, op: String, f64: @escaping (Double, Double) -> Double,
                         i64: @escaping (Int64, Int64) -> Int64, identity: Double) throws -> Tensor {
        let x = try atLeast1d()
        let layout = try x.reductionLayout([d], keepdim: true, op: op)
        let n = layout.inner
        func go<T: Element>(_: T.Type, _ step: @escaping (UnsafePointer<T>, UnsafeMutablePointer<T>) -> Void) -> Tensor {
            let src = layout.rows.storage.typed(T.self) + layout.rows.offset
            return Tensor.make([layout.outer * n], T.self) { out in
                let dst = out.baseAddress!
                parallelChunks(layout.outer, grain: Swift.max(1, (1 << 16) / Swift.max(n, 1))) { r in
                    for row in r { step(src + row * n, dst + row * n) }
                }
            }
        }
        let rows: Tensor
        switch x.dtype {
        case .float32:
            rows = go(Float.self) { s, o in
                var acc = identity
                for i in 0..<n { acc = f64(acc, Double(s[i])); o[i] = Float(acc) }
            }
        case .float64:
            rows = go(Double.self) { s, o in
                var acc = identity
                for i in 0..<n { acc = f64(acc, s[i]); o[i] = acc }
            }
        case .int64:
            rows = go(Int64.self) { s, o in
                var acc = Int64(identity)
                for i in 0..<n { acc = i64(acc, s[i]); o[i] = acc }
            }
        case .bool: throw TensorError(.dtype, "\(op): bool input must be cast to int64 first")
        }
        return try layout.restored(rows, inputShape: x.shape).copied().reshaped(shape)
    }

    /// d(cumprod)/dx applied to `g`, row by row along `d`: for each i, Σ_{k≥i} g_k·Π_{j≤k, j≠i} x_j.
    /// Without zeros this is `revcumsum(g·y)/x`; from the first zero z of a row on, the
    /// products are taken directly (the element at z still gets a gradient, later ones 0).
    private func cumprodGradient(_ g: Tensor, dim d: Int) throws -> Tensor {
        let x = try atLeast1d(), gg = try g.atLeast1d()
        let lx = try x.reductionLayout([d], keepdim: true, op: "cumprod"), lg = try gg.reductionLayout([d], keepdim: true, op: "cumprod")
        let n = lx.inner
        func go<T: Element & BinaryFloatingPoint>(_: T.Type) -> Tensor {
            let xs = lx.rows.storage.typed(T.self) + lx.rows.offset, gs = lg.rows.storage.typed(T.self) + lg.rows.offset
            return Tensor.make([lx.outer * n], T.self) { out in
                let o = out.baseAddress!
                for row in 0..<lx.outer {
                    let p = xs + row * n, q = gs + row * n, r = o + row * n
                    let z = (0..<n).first { p[$0] == 0 } ?? n
                    // Before the first zero: Σ_{i≤k<z} g_k·y_k / x_i, as a reversed running sum.
                    var prefix = [Double](repeating: 1, count: n + 1)
                    for i in 0..<n { prefix[i + 1] = prefix[i] * Double(p[i]) }
                    var acc = 0.0
                    for i in stride(from: z - 1, through: 0, by: -1) {
                        acc += Double(q[i]) * prefix[i + 1]
                        r[i] = T(acc / Double(p[i]))
                    }
                    guard z < n else { continue }
                    // At the zero: Σ_{k≥z} g_k · Π_{j<z} x_j · Π_{z<j≤k} x_j; after it, 0.
                    var tail = prefix[z], sum = 0.0
                    for k in z..<n {
                        if k > z { tail *= Double(p[k]) }
                        sum += Double(q[k]) * tail
                    }
                    r[z] = T(sum)
                    for k in (z + 1)..<n { r[k] = 0 }
                }
            }
        }
        let rows = dtype == .float32 ? go(Float.self) : go(Double.self)
        return try lx.restored(rows, inputShape: x.shape).copied().reshaped(shape)
    }
}

extension Ops {
    static let scans: [OpSpec] = [
        OpSpec("cumsum", "running sums along dim; integer and bool input give int64 unless dtype is given",
               params: [.tensor(), Param("dim", .int), Param("dtype", .optional(.dtype), default: .null)],
               gradchecks: [.init(.randn([3, 4]), .int(1), [:]), .init(.randn([3, 4], .transposed), .int(0), [:])]) { c in
            [try c.tensor("input").cumsum(dim: c.int("dim"), dtype: c.dtype("dtype"))]
        },
        OpSpec("cumprod", "running products along dim; integer and bool input give int64 unless dtype is given",
               params: [.tensor(), Param("dim", .int), Param("dtype", .optional(.dtype), default: .null)],
               gradchecks: [.init(.randn([3, 4]), .int(1), [:]), .init(.randn([2, 3], .transposed), .int(-2), [:])]) { c in
            [try c.tensor("input").cumprod(dim: c.int("dim"), dtype: c.dtype("dtype"))]
        },
    ]
}
