// isnan, isinf, isfinite and nan_to_num: finding and replacing NaN and infinities.
// Integer and bool tensors hold neither, so they are never NaN or inf and pass unchanged.

extension Tensor {
    /// A bool tensor, true where `test` holds for a floating element (`integral` for every
    /// element of an integer or bool tensor).
    private func classified(_ test: @escaping (Double) -> Bool, integral: Bool) -> Tensor {
        switch dtype {
        case .float32: mapped(Float.self, to: Bool.self) { test(Double($0)) }
        case .float64: mapped(Double.self, to: Bool.self, test)
        case .int64, .bool: Tensor.filled(shape, with: integral ? 1 : 0, dtype: .bool)
        }
    }

    /// True where the element is NaN.
    public func isnan() -> Tensor { classified({ $0.isNaN }, integral: false) }
    /// True where the element is +inf or -inf.
    public func isinf() -> Tensor { classified({ $0.isInfinite }, integral: false) }
    /// True where the element is neither NaN nor infinite.
    public func isfinite() -> Tensor { classified({ $0.isFinite }, integral: true) }

    /// NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf`; the infinities default to
    /// the dtype's largest finite values. Integer and bool tensors are returned unchanged.
    /// The gradient passes where the element was finite, as PyTorch's `grad * isfinite(self)`.
    public func nanToNum(nan: Double = 0, posinf: Double? = nil, neginf: Double? = nil) throws -> Tensor {
        let out: Tensor
        switch dtype {
        case .float32:
            let n = Float(nan), p = posinf.map { Float($0) } ?? .greatestFiniteMagnitude, m = neginf.map { Float($0) } ?? -.greatestFiniteMagnitude
            out = mapped(Float.self, to: Float.self) { $0.isNaN ? n : $0 == .infinity ? p : $0 == -.infinity ? m : $0 }
        case .float64:
            let p = posinf ?? .greatestFiniteMagnitude, m = neginf ?? -.greatestFiniteMagnitude
            out = mapped(Double.self, to: Double.self) { $0.isNaN ? nan : $0 == .infinity ? p : $0 == -.infinity ? m : $0 }
        case .int64, .bool: return detached()
        }
        let finite = isfinite()
        return out.recording("nan_to_num", [self]) { g in [try g.keeping(finite)] }
    }
}

extension Ops {
    static let nonFinite: [OpSpec] = [
        classifySpec("isnan", "true where input is NaN") { $0.isnan() },
        classifySpec("isinf", "true where input is +inf or -inf") { $0.isinf() },
        classifySpec("isfinite", "true where input is neither NaN nor infinite (always for integers)") { $0.isfinite() },
        OpSpec("nan_to_num", "NaN, +inf, -inf replaced by nan (default 0), posinf and neginf (default the dtype's largest finite values)",
               params: [.tensor(), Param("nan", .optional(.float), default: .null), Param("posinf", .optional(.float), default: .null),
                        Param("neginf", .optional(.float), default: .null)],
               gradchecks: [.init(.randn([2, 3]), ["nan": .float(1)])]) { c in
            [try c.tensor("input").nanToNum(nan: c.optionalDouble("nan") ?? 0, posinf: c.optionalDouble("posinf"), neginf: c.optionalDouble("neginf"))]
        },
    ]

    private static func classifySpec(_ name: String, _ summary: String, _ f: @escaping @Sendable (Tensor) -> Tensor) -> OpSpec {
        OpSpec(name, "\(summary); a bool result", params: [.tensor()],
               examples: [.init(.randn([2, 3]), [:])]) { c in [f(c.tensor("input"))] }
    }
}
