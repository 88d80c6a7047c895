import Foundation

/// A reference-counted, 64-byte aligned buffer of one dtype, shared by a tensor and all its views.
public final class Storage: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let count: Int
    public let dtype: DType
    /// Bumped by every in-place write, so autograd can tell that data a recorded op read
    /// has changed since (PyTorch's version counter).
    public internal(set) var version = 0

    public init(count: Int, dtype: DType) {
        self.count = count
        self.dtype = dtype
        pointer = BufferPool.shared.allocate(max(count * dtype.byteSize, 1))
        switch dtype {
        case .bool: pointer.bindMemory(to: Bool.self, capacity: count)
        case .int64: pointer.bindMemory(to: Int64.self, capacity: count)
        case .float32: pointer.bindMemory(to: Float.self, capacity: count)
        case .float64: pointer.bindMemory(to: Double.self, capacity: count)
        }
    }

    deinit { BufferPool.shared.release(pointer, max(count * dtype.byteSize, 1)) }

    @inline(__always) func typed<T: Element>(_: T.Type) -> UnsafeMutablePointer<T> {
        precondition(T.dtype == dtype, "storage holds \(dtype), not \(T.dtype)")
        return pointer.assumingMemoryBound(to: T.self)
    }
}
