/// Elementwise loops over dense buffers: the shapes of every elementwise op.
extension Tensor {
    /// `f` applied to every element, into a new contiguous tensor of `U`.
    @inline(__always)
    func mapped<T: Element, U: Element>(_: T.Type, to _: U.Type, _ f: (T) -> U) -> Tensor {
        let n = count
        return Tensor.make(shape, U.self) { out in
            withContiguousBuffer(as: T.self) { src in
                let s = src.baseAddress!, d = out.baseAddress!
                parallelChunks(n, grain: Kernels.elementwiseGrain) { r in for i in r { d[i] = f(s[i]) } }
            }
        }
    }

    /// `f` applied to broadcast pairs of `a` and `b` (both already of dtype `T`). When `fast`
    /// names `f` and the data is float32, dense operands (or one scalar) go to the C kernel.
    @inline(__always)
    static func zipped<T: Element, U: Element>(_ a: Tensor, _ b: Tensor, _: T.Type, to _: U.Type,
                                              fast: FastBinary? = nil, _ f: (T, T) -> U) throws -> Tensor {
        let shape = try Shapes.broadcast(a.shape, b.shape)
        // Scalars stay scalars; other operands are read through stride-0 views. Operands that need no view
        // (most calls: equal shapes, or a number) are read as they are, where a view returning the tensor
        // was a copy of it, four retains and releases (issue 19).
        let aAsIs = a.count == 1 || a.shape == shape, bAsIs = b.count == 1 || b.shape == shape
        if aAsIs && bAsIs { return zippedViews(a, b, shape, fast: fast, f) }
        return zippedViews(aAsIs ? a : a.broadcastView(to: shape), bAsIs ? b : b.broadcastView(to: shape), shape, fast: fast, f)
    }

    /// `zipped` of operands already viewed as `shape` (or single elements).
    @inline(__always)
    private static func zippedViews<T: Element, U: Element>(_ av: Tensor, _ bv: Tensor, _ shape: [Int],
                                                           fast: FastBinary?, _ f: (T, T) -> U) -> Tensor {
        let n = shape.reduce(1, *)
        // The operands' elements are taken before the result's closure, which then captures pointers: the
        // tensors captured by nested `withContiguousBuffer` closures were copied, three retains and releases
        // each (issue 19).
        let a = av.denseElements(as: T.self), b = bv.denseElements(as: T.self)
        defer {
            if a.copied { a.pointer.deallocate() }
            if b.copied { b.pointer.deallocate() }
        }
        let x = UnsafePointer(a.pointer), y = UnsafePointer(b.pointer), aOne = a.count == 1, bOne = b.count == 1
        return make(shape, U.self) { out in
            let d = out.baseAddress!
            if n == 0 { return }
            if let fast, T.self == Float.self, U.self == Float.self, n > 1 {
                let mode: Int32 = aOne ? 1 : bOne ? 2 : 0
                Kernels.apply(fast, UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                              UnsafeRawPointer(y).assumingMemoryBound(to: Float.self),
                              UnsafeMutableRawPointer(d).assumingMemoryBound(to: Float.self), n, mode: mode)
                return
            }
            switch (aOne && n != 1, bOne && n != 1) {
            case (false, false): parallelChunks(n, grain: Kernels.elementwiseGrain) { r in for i in r { d[i] = f(x[i], y[i]) } }
            case (true, false): let c = x[0]; parallelChunks(n, grain: Kernels.elementwiseGrain) { r in for i in r { d[i] = f(c, y[i]) } }
            case (false, true): let c = y[0]; parallelChunks(n, grain: Kernels.elementwiseGrain) { r in for i in r { d[i] = f(x[i], c) } }
            case (true, true): d[0] = f(x[0], y[0])
            }
        }
    }

    /// Converts to `dtype` (PyTorch's `.to(dtype)`); float→int truncates toward zero.
    /// The gradient flows back through floating casts.
    public func cast(to target: DType) throws -> Tensor {
        if target == dtype { return self }
        let out: Tensor
        switch (dtype, target) {
        case (.float32, .float64): out = mapped(Float.self, to: Double.self) { Double($0) }
        case (.float64, .float32): out = mapped(Double.self, to: Float.self) { Float($0) }
        case (.int64, .float32): out = mapped(Int64.self, to: Float.self) { Float($0) }
        case (.int64, .float64): out = mapped(Int64.self, to: Double.self) { Double($0) }
        case (.bool, .float32): out = mapped(Bool.self, to: Float.self) { $0 ? 1 : 0 }
        case (.bool, .float64): out = mapped(Bool.self, to: Double.self) { $0 ? 1 : 0 }
        case (.bool, .int64): out = mapped(Bool.self, to: Int64.self) { $0 ? 1 : 0 }
        case (.float32, .int64): out = mapped(Float.self, to: Int64.self) { Int64(fromDouble: Double($0)) }
        case (.float64, .int64): out = mapped(Double.self, to: Int64.self) { Int64(fromDouble: $0) }
        case (.float32, .bool): out = mapped(Float.self, to: Bool.self) { $0 != 0 }
        case (.float64, .bool): out = mapped(Double.self, to: Bool.self) { $0 != 0 }
        case (.int64, .bool): out = mapped(Int64.self, to: Bool.self) { $0 != 0 }
        default: preconditionFailure("unreachable cast \(dtype) → \(target)")
        }
        let from = dtype
        return out.recording("cast", [self]) { g in [try g.cast(to: from)] }
    }
}
