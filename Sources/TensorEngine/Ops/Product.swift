// prod (semantics §5) and its exact gradient with zeros (semantics §10).

extension Tensor {
    /// The product over `dim` (every element when nil). Integers and bools give int64
    /// (wrapping on overflow); the product of nothing is 1.
    ///
    /// The gradient of each element is the product of the others in its row, computed
    /// from prefix and suffix products rather than `out / x`, so it is exact with zeros.
    /// It is differentiable in the upstream gradient only (no second derivative in x).
    ///
    /// ```swift
    /// try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2]).prod(dim: 1)   // [2, 12]
    /// ```
    public func prod(dim: Int? = nil, keepdim: Bool = false) throws -> Tensor {
        let layout = try reductionLayout(dim.map { [$0] }, keepdim: keepdim, op: "prod")
        let out: Tensor
        switch dtype {
        case .float32:
            out = Tensor.reduceRows(layout, Float.self, to: Float.self) { p, n in
                var a = 1.0
                for i in 0..<n { a *= Double(p[i]) }
                return Float(a)
            }
        case .float64:
            out = Tensor.reduceRows(layout, Double.self, to: Double.self) { p, n in
                var a = 1.0
                for i in 0..<n { a *= p[i] }
                return a
            }
        case .int64:
            out = Tensor.reduceRows(layout, Int64.self, to: Int64.self) { p, n in
                var a: Int64 = 1
                for i in 0..<n { a = a &* p[i] }
                return a
            }
        case .bool:
            out = Tensor.reduceRows(layout, Bool.self, to: Int64.self) { p, n in
                for i in 0..<n where !p[i] { return 0 }
                return 1
            }
        }
        let input = self
        return out.recording("prod", [self]) { g in
            [try input.expandReduced(g, layout) * layout.restored(Tensor.productsOfOthers(layout), inputShape: input.shape)]
        }
    }

    /// For each element of each row, the product of the other elements of its row.
    private static func productsOfOthers(_ layout: ReductionLayout) -> Tensor {
        func go<T: Element & BinaryFloatingPoint>(_: T.Type) -> Tensor {
            let inner = layout.inner
            let src = layout.rows.storage.typed(T.self) + layout.rows.offset
            return make([layout.outer * inner], T.self) { out in
                let d = out.baseAddress!
                for r in 0..<layout.outer {
                    let p = src + r * inner, q = d + r * inner
                    var prefix = 1.0
                    for i in 0..<inner { q[i] = T(prefix); prefix *= Double(p[i]) }
                    var suffix = 1.0
                    for i in stride(from: inner - 1, through: 0, by: -1) { q[i] = T(Double(q[i]) * suffix); suffix *= Double(p[i]) }
                }
            }
        }
        return layout.rows.dtype == .float32 ? go(Float.self) : go(Double.self)
    }
}

extension Ops {
    static let product: [OpSpec] = [
        OpSpec("prod", "product over dim (a single int; all elements when absent); integers give int64, the empty product is 1",
               params: [.tensor(), Param("dim", .optional(.int), default: .null), Param("keepdim", .bool, default: .bool(false))],
               gradchecks: [.init(.randn([2, 3, 4]), ["dim": .int(1)]), .init(.randn([2, 3]), [:]),
                            .init(.randn([3, 2], .transposed), ["dim": .int(0), "keepdim": .bool(true)]),
                            .init(.randn([1, 3], .expanded([2, 3])), ["dim": .int(-1)])]) { c in
            [try c.tensor("input").prod(dim: c.optionalInt("dim"), keepdim: c.bool("keepdim"))]
        },
    ]
}
