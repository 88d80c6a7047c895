/// An n-dimensional array with PyTorch's semantics.
///
/// Element `(i0, …, i(n-1))` lives at `storage[offset + Σ ik·strides[k]]` (strides in elements).
/// A fresh tensor is row-major: `strides[k] = Π_{j>k} shape[j]`. Views (`view`, `expand`,
/// `transposed`, `permuted`, `squeezed`, `unsqueezed`, `narrow`, `split`, `chunk`) share the
/// storage and change only shape, strides and offset.
///
/// ```swift
/// let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
/// let b = try a.transposed(0, 1)        // a view: shape [3, 2], strides [1, 3]
/// let s = try (a * 2).sum(dims: [1])     // [12, 30]
/// ```
public struct Tensor: @unchecked Sendable {
    public let dtype: DType
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int
    public let storage: Storage
    /// The autograd node: set for leaves that require grad and for results of recorded ops.
    public internal(set) var node: GradNode?

    public init(storage: Storage, shape: [Int], strides: [Int], offset: Int = 0) {
        precondition(shape.count == strides.count)
        self.dtype = storage.dtype
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.storage = storage
        self.node = nil
    }

    /// A new contiguous tensor whose elements are written by `fill` in row-major order.
    public static func make<T: Element>(_ shape: [Int], _: T.Type, fill: (UnsafeMutableBufferPointer<T>) throws -> Void) rethrows -> Tensor {
        let n = shape.reduce(1, *)
        let storage = Storage(count: n, dtype: T.dtype)
        try fill(UnsafeMutableBufferPointer(start: storage.typed(T.self), count: n))
        return Tensor(storage: storage, shape: shape, strides: Tensor.contiguousStrides(shape))
    }

    /// A contiguous tensor from row-major values.
    public init<T: Element>(_ values: [T], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        self = Tensor.make(shape, T.self) { buf in _ = buf.initialize(from: values) }
    }

    /// A 1-D tensor.
    public init<T: Element>(_ values: [T]) { self.init(values, shape: [values.count]) }

    /// A 0-d tensor.
    public init<T: Element>(scalar: T) { self.init([scalar], shape: []) }

    public var ndim: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }
    public var isEmpty: Bool { count == 0 }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        // Every new tensor asks: a 0-d or 1-d one gets a constant array, not a fresh one (issue 19).
        if shape.count <= 1 { return shape.isEmpty ? [] : [1] }
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for k in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[k] = acc
            acc *= max(shape[k], 1)
        }
        return strides
    }

    /// Dense row-major layout; size-1 dims may have any stride (as PyTorch's `is_contiguous`).
    public var isContiguous: Bool {
        var expected = 1
        for k in stride(from: shape.count - 1, through: 0, by: -1) where shape[k] != 1 {
            if shape[k] == 0 { return true }
            if strides[k] != expected { return false }
            expected *= shape[k]
        }
        return true
    }

    /// The same layout over other storage or with other shape/strides, without autograd history.
    func restrided(shape: [Int], strides: [Int], offset: Int) -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }

    /// This tensor's data without its autograd history (PyTorch's `detach`).
    public func detached() -> Tensor { Tensor(storage: storage, shape: shape, strides: strides, offset: offset) }
}
