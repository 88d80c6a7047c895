import TensorEngine

/// An element type as binary files store it (.npy, safetensors), with the Tensord dtype it
/// becomes. Narrower integers widen to int64 and uint8 to int64, as `torch.from_numpy`
/// followed by `.long()` would keep every value; bool and the floats map to themselves.
public enum StoredElement: Sendable, Equatable {
    case float32, float64, int64, int32, int16, int8, uint8, bool

    public var byteSize: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }

    /// The dtype a tensor read from this element type has.
    public var dtype: DType {
        switch self {
        case .float32: .float32
        case .float64: .float64
        case .int64, .int32, .int16, .int8, .uint8: .int64
        case .bool: .bool
        }
    }

    /// The element type a tensor of `dtype` is written as.
    public init(_ dtype: DType) {
        switch dtype {
        case .float32: self = .float32
        case .float64: self = .float64
        case .int64: self = .int64
        case .bool: self = .bool
        }
    }

    /// A contiguous tensor of `shape` from `bytes` (exactly `count × byteSize` of them, checked
    /// by the caller), in the given byte order. Any nonzero bool byte reads as true.
    func tensor(_ shape: [Int], from bytes: UnsafeRawBufferPointer, bigEndian: Bool) -> Tensor {
        switch self {
        case .float32:
            return Tensor.make(shape, Float.self) { out in
                Self.copy(bytes, into: UnsafeMutableRawBufferPointer(out), width: 4, swap: bigEndian)
            }
        case .float64:
            return Tensor.make(shape, Double.self) { out in
                Self.copy(bytes, into: UnsafeMutableRawBufferPointer(out), width: 8, swap: bigEndian)
            }
        case .int64:
            return Tensor.make(shape, Int64.self) { out in
                Self.copy(bytes, into: UnsafeMutableRawBufferPointer(out), width: 8, swap: bigEndian)
            }
        case .int32: return Self.widened(shape, bytes, Int32.self, bigEndian: bigEndian)
        case .int16: return Self.widened(shape, bytes, Int16.self, bigEndian: bigEndian)
        case .int8: return Self.widened(shape, bytes, Int8.self, bigEndian: false)
        case .uint8: return Self.widened(shape, bytes, UInt8.self, bigEndian: false)
        case .bool:
            return Tensor.make(shape, Bool.self) { out in
                let raw = UnsafeMutableRawBufferPointer(out)
                for k in 0..<raw.count { raw[k] = bytes[k] == 0 ? 0 : 1 }
            }
        }
    }

    /// Copies whole elements, reversing each one's bytes when the file's order is not the host's.
    private static func copy(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer, width: Int, swap: Bool) {
        guard let d = dst.baseAddress, let s = src.baseAddress, dst.count > 0 else { return }
        d.copyMemory(from: s, byteCount: dst.count)
        guard swap else { return }
        var k = 0
        while k < dst.count {
            var lo = k, hi = k + width - 1
            while lo < hi { dst.swapAt(lo, hi); lo += 1; hi -= 1 }
            k += width
        }
    }

    private static func widened<I: FixedWidthInteger>(_ shape: [Int], _ bytes: UnsafeRawBufferPointer, _: I.Type, bigEndian: Bool) -> Tensor {
        Tensor.make(shape, Int64.self) { out in
            let width = MemoryLayout<I>.size
            for k in 0..<out.count {
                let v = bytes.loadUnaligned(fromByteOffset: k * width, as: I.self)
                out[k] = Int64(bigEndian ? I(bigEndian: v) : I(littleEndian: v))
            }
        }
    }

    /// The elements of `tensor`, row-major, as little-endian bytes appended to `out`.
    static func appendBytes(of tensor: Tensor, to out: inout [UInt8]) {
        func append<T: Element>(_: T.Type) {
            tensor.withContiguousBuffer(as: T.self) { out.append(contentsOf: UnsafeRawBufferPointer($0)) }
        }
        switch tensor.dtype {
        case .float32: append(Float.self)
        case .float64: append(Double.self)
        case .int64: append(Int64.self)
        case .bool: append(Bool.self)
        }
    }
}
