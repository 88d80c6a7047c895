import CKernels

// where, masked_fill and nonzero: choosing elements by a bool condition. The gradient of a
// chosen element goes to the side it was chosen from (semantics §10).

extension Tensor {
    /// `condition ? input : other`, broadcasting all three; `input` and `other` (tensors or
    /// numbers) promote as arithmetic does. The condition must be bool.
    ///
    /// ```swift
    /// try Tensor.where(Tensor([true, false]), .tensor(Tensor([1, 2] as [Float])), .scalar(0))   // [1, 0]
    /// ```
    public static func `where`(_ condition: Tensor, _ input: Operand, _ other: Operand) throws -> Tensor {
        guard condition.dtype == .bool else {
            throw TensorError(.dtype, "where expects a bool condition, got \(condition.dtype)", argument: "condition")
        }
        let dtype = Promotion.resultType([input, other])
        let a = try input.tensor(as: dtype), b = try other.tensor(as: dtype)
        let out = try chosen(condition, a.detached(), b.detached())
        let inputs = [input.tensorValue, other.tensorValue]
        let recorded = inputs.compactMap { $0 }
        return out.recording("where", recorded) { g in
            var grads: [Tensor?] = []
            if inputs[0] != nil { grads.append(try g.keeping(condition)) }
            if inputs[1] != nil { grads.append(try g.keeping(condition.logicalNot())) }
            return grads
        }
    }

    /// `mask ? value : self`, keeping this tensor's dtype (the value is converted to it, as
    /// PyTorch's masked_fill); `mask` is bool and broadcasts, `value` a number or a 0-d tensor.
    public func maskedFill(_ mask: Tensor, _ value: Operand) throws -> Tensor {
        guard mask.dtype == .bool else {
            throw TensorError(.dtype, "masked_fill expects a bool mask, got \(mask.dtype)", argument: "mask")
        }
        if case .tensor(let v) = value, v.ndim != 0 {
            throw TensorError(.shape, "masked_fill takes a number or a 0-d value tensor, got shape \(v.shape)", argument: "value")
        }
        let out = try Tensor.chosen(mask, value.tensor(as: dtype).detached(), detached())
        let v = value.tensorValue
        return out.recording("masked_fill", [self] + (v.map { [$0] } ?? [])) { g in
            [try g.keeping(mask.logicalNot()), try g.keeping(mask)]
        }
    }

    /// The int64 coordinates of the nonzero elements (NaN counts as nonzero), one row per
    /// element in row-major order: shape [count, ndim].
    public func nonzero() throws -> Tensor {
        let hits = try cast(to: .bool).scalars(as: Bool.self)
        let n = hits.reduce(0) { $1 ? $0 + 1 : $0 }
        let dims = shape
        return Tensor.make([n, ndim], Int64.self) { out in
            var row = 0
            var coord = [Int](repeating: 0, count: dims.count)
            for hit in hits {
                if hit {
                    for (k, c) in coord.enumerated() { out[row * dims.count + k] = Int64(c) }
                    row += 1
                }
                var k = dims.count - 1
                while k >= 0 {
                    coord[k] += 1
                    if coord[k] < dims[k] { break }
                    coord[k] = 0
                    k -= 1
                }
            }
        }
    }

    /// `!self` for a bool tensor.
    func logicalNot() -> Tensor { mapped(Bool.self, to: Bool.self) { !$0 } }

    /// `c ? a : b` elementwise over the broadcast shape; `a` and `b` share a dtype. The
    /// select runs on the elements' bits (td_where_*), so it is exact for every dtype.
    private static func chosen(_ c: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try Shapes.broadcast([c.shape, a.shape, b.shape])
        let cv = c.broadcastView(to: shape), av = a.broadcastView(to: shape), bv = b.broadcastView(to: shape)
        func go<T: Element, Bits>(_: T.Type, _: Bits.Type,
                                  _ kernel: @escaping (UnsafePointer<Bool>, UnsafePointer<Bits>, UnsafePointer<Bits>, UnsafeMutablePointer<Bits>, Int) -> Void) -> Tensor {
            precondition(MemoryLayout<T>.stride == MemoryLayout<Bits>.stride, "where: element and bit widths differ")
            return make(shape, T.self) { out in
                let d = UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: Bits.self)
                cv.withContiguousBuffer(as: Bool.self) { cs in
                    av.withContiguousBuffer(as: T.self) { xs in
                        bv.withContiguousBuffer(as: T.self) { ys in
                            let p = cs.baseAddress!
                            let x = UnsafeRawPointer(xs.baseAddress!).assumingMemoryBound(to: Bits.self)
                            let y = UnsafeRawPointer(ys.baseAddress!).assumingMemoryBound(to: Bits.self)
                            parallelChunks(out.count, grain: Kernels.elementwiseGrain) { r in
                                let lo = r.lowerBound
                                kernel(p + lo, x + lo, y + lo, d + lo, r.count)
                            }
                        }
                    }
                }
            }
        }
        switch a.dtype {
        case .float32: return go(Float.self, UInt32.self, td_where_32)
        case .float64: return go(Double.self, UInt64.self, td_where_64)
        case .int64: return go(Int64.self, UInt64.self, td_where_64)
        case .bool: return go(Bool.self, UInt8.self, td_where_8)
        }
    }
}

extension Ops {
    static let choosing: [OpSpec] = [
        OpSpec("where", "condition ? input : other, broadcasting; input and other are tensors or numbers and promote",
               params: [Param("condition", .tensor), Param("input", .tensorOrNumber), Param("other", .tensorOrNumber)],
               gradchecks: [.init(.constant(Tensor([true, false, true], shape: [3])), .randn([2, 3]), .randn([2, 1]), [:]),
                            .init(.constant(Tensor([true, false, false], shape: [3, 1])), .randn([3, 2], .transposed), .number(0.5), [:])]) { c in
            [try Tensor.where(c.tensor("condition"), c.operand("input"), c.operand("other"))]
        },
        OpSpec("masked_fill", "input with value where mask is true, keeping input's dtype; value is a number or a 0-d tensor",
               params: [.tensor(), Param("mask", .tensor), Param("value", .tensorOrNumber)],
               gradchecks: [.init(.randn([2, 3]), .constant(Tensor([true, false, true], shape: [3])), .number(-1), [:])]) { c in
            [try c.tensor("input").maskedFill(c.tensor("mask"), c.operand("value"))]
        },
        OpSpec("nonzero", "int64 coordinates [n, ndim] of the nonzero elements in row-major order",
               params: [.tensor()], examples: [.init(.randn([2, 3]), [:])]) { c in [try c.tensor("input").nonzero()] },
    ]
}
