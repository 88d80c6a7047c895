import Foundation
import TensorEngine

/// A tensor's dtype, shape and raw little-endian bytes: an exact, Codable copy for
/// checkpoints and optimizer state (NaN, infinities and every bit survive a round trip;
/// `Data` encodes as base64 in JSON).
///
/// ```swift
/// let snap = TensorSnapshot(weight)          // copies the values
/// let back = try snap.tensor()               // a fresh contiguous tensor, bit-identical
/// ```
public struct TensorSnapshot: Codable, Equatable, Sendable {
    public let dtype: DType
    public let shape: [Int]
    public let data: Data

    /// Copies `tensor`'s values in row-major order (no autograd history is kept).
    public init(_ tensor: Tensor) {
        dtype = tensor.dtype
        shape = tensor.shape
        data = switch tensor.dtype {
        case .float32: tensor.withContiguousBuffer(as: Float.self) { Data(buffer: $0) }
        case .float64: tensor.withContiguousBuffer(as: Double.self) { Data(buffer: $0) }
        case .int64: tensor.withContiguousBuffer(as: Int64.self) { Data(buffer: $0) }
        case .bool: tensor.withContiguousBuffer(as: Bool.self) { Data(buffer: $0) }
        }
    }

    /// A fresh contiguous tensor holding the snapshot's values.
    public func tensor() throws -> Tensor {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError(.shape, "snapshot shape \(shape) has a negative size", argument: "shape")
        }
        let n = shape.reduce(1, *)
        guard data.count == n * dtype.byteSize else {
            throw TensorError(.value, "snapshot of shape \(shape) and dtype \(dtype) needs \(n * dtype.byteSize) bytes, got \(data.count)", argument: "data")
        }
        func load<T: Element>(_: T.Type) -> Tensor {
            Tensor.make(shape, T.self) { out in _ = data.copyBytes(to: out) }
        }
        return switch dtype {
        case .float32: load(Float.self)
        case .float64: load(Double.self)
        case .int64: load(Int64.self)
        case .bool: load(Bool.self)
        }
    }
}
