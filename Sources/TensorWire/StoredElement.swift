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
        case .float32, .float64, .int64, .bool:
            // The file's bytes are the storage's, up to byte order and the bools' values.
            let storage = Storage(count: shape.reduce(1, *), dtype: dtype)
            let raw = UnsafeMutableRawBufferPointer(start: storage.pointer, count: bytes.count)
            if let source = bytes.baseAddress, !bytes.isEmpty { raw.baseAddress!.copyMemory(from: source, byteCount: bytes.count) }
            fixInPlace(raw, bigEndian: bigEndian)
            return Tensor(storage: storage, shape: shape, strides: Tensor.contiguousStrides(shape))
        case .int32: return Self.widened(shape, bytes, Int32.self, bigEndian: bigEndian)
        case .int16: return Self.widened(shape, bytes, Int16.self, bigEndian: bigEndian)
        case .int8: return Self.widened(shape, bytes, Int8.self, bigEndian: false)
        case .uint8: return Self.widened(shape, bytes, UInt8.self, bigEndian: false)
        }
    }

    /// Turns a file's bytes of this element type, copied as they are into a tensor's storage
    /// of the same width, into the tensor's elements: big-endian elements have their bytes
    /// reversed, and bools become 0 or 1 (any nonzero byte is true).
    func fixInPlace(_ raw: UnsafeMutableRawBufferPointer, bigEndian: Bool) {
        guard let base = raw.baseAddress else { return }
        switch self {
        case .bool:
            for k in 0..<raw.count where raw[k] > 1 { raw[k] = 1 }
        case .float32 where bigEndian:
            Self.swapBytes(base, raw.count, UInt32.self)
        case .float64 where bigEndian, .int64 where bigEndian:
            Self.swapBytes(base, raw.count, UInt64.self)
        default:
            break
        }
    }

    /// Reverses the bytes of each `W` (raw loads and stores: the memory is bound to the element type).
    private static func swapBytes<W: FixedWidthInteger>(_ base: UnsafeMutableRawPointer, _ byteCount: Int, _: W.Type) {
        for offset in stride(from: 0, to: byteCount, by: MemoryLayout<W>.size) {
            base.storeBytes(of: base.load(fromByteOffset: offset, as: W.self).byteSwapped, toByteOffset: offset, as: W.self)
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
