/// Reading a tensor's elements in logical row-major order, whatever its strides.
extension Tensor {
    /// Calls `body` with the storage index of every element, in row-major order.
    /// The innermost dim is a tight loop; outer dims advance an index counter.
    @inline(__always)
    func forEachIndex(_ body: (Int) -> Void) {
        let n = count
        if n == 0 { return }
        if ndim == 0 { body(offset); return }
        let inner = shape[ndim - 1], innerStride = strides[ndim - 1]
        var counter = [Int](repeating: 0, count: ndim)
        var base = offset
        for _ in 0..<(n / inner) {
            var i = base
            for _ in 0..<inner { body(i); i += innerStride }
            var k = ndim - 2
            while k >= 0 {
                counter[k] += 1
                base += strides[k]
                if counter[k] < shape[k] { break }
                base -= strides[k] * shape[k]
                counter[k] = 0
                k -= 1
            }
        }
    }

    /// Copies the elements, row-major, into `dst` (which holds `count` elements).
    func copyElements<T: Element>(as _: T.Type, into dst: UnsafeMutablePointer<T>) {
        let src = storage.typed(T.self)
        if isContiguous {
            dst.update(from: src + offset, count: count)
            return
        }
        var o = 0
        forEachIndex { i in dst[o] = src[i]; o += 1 }
    }

    /// Calls `body` with the elements as a dense row-major buffer: the storage itself when
    /// the tensor is contiguous, a temporary copy otherwise.
    public func withContiguousBuffer<T: Element, R>(as _: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        let elements = denseElements(as: T.self)
        defer { if elements.copied { elements.pointer.deallocate() } }
        return try body(UnsafeBufferPointer(start: elements.pointer, count: elements.count))
    }

    /// `withContiguousBuffer` without the closure: the elements as a dense row-major run, in the storage
    /// itself when the tensor is contiguous (valid while the tensor lives), otherwise in a fresh copy that
    /// the caller deallocates (`copied`).
    @inline(__always)
    func denseElements<T: Element>(as _: T.Type) -> (pointer: UnsafeMutablePointer<T>, count: Int, copied: Bool) {
        precondition(T.dtype == dtype, "tensor is \(dtype), not \(T.dtype)")
        let n = count
        if isContiguous { return (storage.typed(T.self) + offset, n, false) }
        let tmp = UnsafeMutablePointer<T>.allocate(capacity: max(n, 1))
        copyElements(as: T.self, into: tmp)
        return (tmp, n, true)
    }

    /// The elements in row-major order.
    public func scalars<T: Element>(as _: T.Type) -> [T] {
        withContiguousBuffer(as: T.self) { Array($0) }
    }

    /// The elements in row-major order, each converted to Double (bool → 0/1).
    public func doubles() -> [Double] {
        switch dtype {
        case .float32: scalars(as: Float.self).map(Double.init)
        case .float64: scalars(as: Double.self)
        case .int64: scalars(as: Int64.self).map(Double.init)
        case .bool: scalars(as: Bool.self).map { $0 ? 1 : 0 }
        }
    }

    /// The single element of a one-element tensor, as Double.
    public func item() throws -> Double {
        guard count == 1 else { throw TensorError.value("item() needs a tensor with one element, got shape \(shape)") }
        return doubles()[0]
    }

    /// A contiguous tensor with the same data (PyTorch keeps `x` itself when it already is).
    public func contiguous() -> Tensor {
        if isContiguous && offset == 0 && storage.count == count { return self }
        let out = copied()
        return out.recording("contiguous", [self]) { g in [g] }
    }

    /// A fresh contiguous copy that gradients flow through (PyTorch's `clone`).
    public func cloned() -> Tensor {
        copied().recording("clone", [self], readsInputs: false) { g in [g] }
    }

    /// A fresh contiguous copy of the data, with no autograd history: storage the caller owns
    /// (an optimizer updates it in place).
    public func copied() -> Tensor {
        switch dtype {
        case .float32: Tensor.make(shape, Float.self) { copyElements(as: Float.self, into: $0.baseAddress!) }
        case .float64: Tensor.make(shape, Double.self) { copyElements(as: Double.self, into: $0.baseAddress!) }
        case .int64: Tensor.make(shape, Int64.self) { copyElements(as: Int64.self, into: $0.baseAddress!) }
        case .bool: Tensor.make(shape, Bool.self) { copyElements(as: Bool.self, into: $0.baseAddress!) }
        }
    }
}

extension Tensor {
    /// Writes `src` (same shape, same dtype) into the elements this view covers.
    /// Only for tensors freshly allocated by the caller: views share storage.
    func overwrite(with src: Tensor) {
        precondition(src.shape == shape && src.dtype == dtype)
        func go<T: Element>(_: T.Type) {
            let dst = storage.typed(T.self)
            src.withContiguousBuffer(as: T.self) { s in
                var o = 0
                forEachIndex { i in dst[i] = s[o]; o += 1 }
            }
        }
        switch dtype {
        case .float32: go(Float.self)
        case .float64: go(Double.self)
        case .int64: go(Int64.self)
        case .bool: go(Bool.self)
        }
    }

    /// Zeros of `shape` with `src` written at `narrow(dim, start, src.shape[dim])`: the
    /// gradient of a slice, routed back to the tensor it was cut from.
    static func embedding(_ src: Tensor, in shape: [Int], dim: Int, start: Int) -> Tensor {
        let out = Tensor.filled(shape, with: 0, dtype: src.dtype)
        let window = out.restrided(shape: src.shape, strides: out.strides, offset: start * (shape.isEmpty ? 0 : out.strides[dim]))
        window.overwrite(with: src)
        return out
    }
}
