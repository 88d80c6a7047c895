import TensorEngine

/// Named tensors as `safetensors.torch.save_file` writes them.
///
/// A file is a little-endian `u64` header length `n`, `n` bytes of JSON
/// (`{"__metadata__": {"k": "v"}, "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, …}`,
/// space-padded) and the data buffer. Reading validates as the reference implementation
/// does (`SafeTensors::read_metadata`): header length within the limit and the body,
/// UTF-8 JSON starting with `{`, no duplicate names, known dtypes, offsets that tile the
/// buffer exactly (contiguous, non-overlapping, from 0 to its end), each tensor's byte
/// size equal to its shape's (checked arithmetic); and every tensor within `maxElements`.
///
/// ```swift
/// let st = Safetensors(maxElements: 10_000_000)
/// let file = try bytes.withUnsafeBytes { try st.decode($0) }   // file.tensors, file.metadata
/// let out = Safetensors.encode([("0.weight", w)], metadata: [("format", "pt")])
/// ```
public struct Safetensors: Sendable {
    public struct File: Sendable {
        /// In the order of their data in the buffer.
        public var tensors: [(name: String, tensor: Tensor)]
        /// The `__metadata__` strings, in header order.
        public var metadata: [(key: String, value: String)]
    }

    public var maxElements: Int
    /// The reference implementation's `MAX_HEADER_SIZE`.
    public var maxHeaderBytes: Int

    public static let mediaType = "application/x-safetensors"

    public init(maxElements: Int, maxHeaderBytes: Int = 100_000_000) {
        self.maxElements = maxElements
        self.maxHeaderBytes = maxHeaderBytes
    }

    /// The tensors and metadata of a file. Framing errors (the header length, JSON, the
    /// entries' structure) are 400; offsets or sizes that contradict the data are 422; an
    /// element type Tensord cannot hold is 422 `unsupported_dtype`; too many elements, 413.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> File {
        guard bytes.count >= 8 else { throw .structure("not a safetensors file: it is shorter than its 8-byte header length", at: "") }
        let declared = bytes.loadUnaligned(as: UInt64.self).littleEndian
        guard declared <= UInt64(maxHeaderBytes) else {
            throw .structure("the safetensors header length is \(declared) bytes; the limit is \(maxHeaderBytes)", at: "")
        }
        let headerLength = Int(declared)
        guard headerLength <= bytes.count - 8 else {
            throw .structure("the safetensors file ends inside its header: it promises \(headerLength) header bytes, \(bytes.count - 8) follow", at: "")
        }
        let header = UnsafeBufferPointer(rebasing: bytes.assumingMemoryBound(to: UInt8.self)[8..<(8 + headerLength)])
        guard header.first == UInt8(ascii: "{") else { throw .structure("the safetensors header must be a JSON object starting with '{'", at: "") }
        let json: JSONValue
        do { json = try JSONParser(maxDepth: 4).parse(header) } catch {
            throw .structure("the safetensors header is not JSON: \(error.message)", at: "")
        }
        guard case .object(let o) = json else { throw .structure("the safetensors header must be a JSON object", at: "") }

        var metadata: [(key: String, value: String)] = []
        var entries: [Entry] = []
        for (name, value) in zip(o.keys, o.values) {
            let at = JSONPointer.appending("", name)
            if name == "__metadata__" {
                metadata = try Self.metadata(value, at: at)
            } else {
                entries.append(try entry(name, value, at: at))
            }
        }
        // Sorted by where their data starts, the tensors must tile the buffer from 0.
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var end = 0
        for e in entries {
            guard e.begin == end, e.end >= e.begin else {
                throw .tensor("'\(e.name)' has data_offsets [\(e.begin), \(e.end)] but its data must start at byte \(end): tensors must be contiguous and must not overlap", at: e.pointer + "/data_offsets")
            }
            guard e.end - e.begin == e.bytes else {
                throw .tensor("'\(e.name)' has data_offsets [\(e.begin), \(e.end)] (\(e.end - e.begin) bytes) but shape \(e.shape) of \(e.dtypeName) needs \(e.bytes)", at: e.pointer + "/data_offsets")
            }
            end = e.end
        }
        let buffer = bytes.count - 8 - headerLength
        guard end == buffer else {
            throw .tensor("the tensors' data ends at byte \(end) of the buffer but the file holds \(buffer) bytes after the header", at: "")
        }
        let data = UnsafeRawBufferPointer(rebasing: bytes[(8 + headerLength)...])
        let tensors = entries.map { e in
            (e.name, e.element.tensor(e.shape, from: UnsafeRawBufferPointer(rebasing: data[e.begin..<e.end]), bigEndian: false))
        }
        return File(tensors: tensors, metadata: metadata)
    }

    /// A file holding `tensors` in order (each contiguous, little-endian) and `metadata`;
    /// the header is padded with spaces to a multiple of 8 bytes, as the reference pads it.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [(key: String, value: String)] = []) -> [UInt8] {
        var w = JSONWriter(capacity: 128 + 96 * tensors.count + metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 8 })
        w.beginObject()
        if !metadata.isEmpty {
            w.key("__metadata__")
            w.beginObject()
            for (k, v) in metadata { w.key(k); w.string(v) }
            w.endObject()
        }
        var offset = 0
        for (name, t) in tensors {
            let bytes = t.count * t.dtype.byteSize
            w.key(name)
            w.beginObject()
            w.key("dtype"); w.string(dtypeName(t.dtype))
            w.key("shape"); w.beginArray(); for d in t.shape { w.int(d) }; w.endArray()
            w.key("data_offsets"); w.beginArray(); w.int(offset); w.int(offset + bytes); w.endArray()
            w.endObject()
            offset += bytes
        }
        w.endObject()
        var header = w.take()
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
        out += header
        for (_, t) in tensors { StoredElement.appendBytes(of: t, to: &out) }
        return out
    }

    static func dtypeName(_ dtype: DType) -> String {
        switch dtype {
        case .float32: "F32"
        case .float64: "F64"
        case .int64: "I64"
        case .bool: "BOOL"
        }
    }

    /// The reference implementation's dtypes that Tensord cannot hold exactly.
    static let unsupported = ["F16", "BF16", "U16", "U32", "U64", "C64", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4"]

    private struct Entry {
        var name: String
        var pointer: String
        var dtypeName: String
        var element: StoredElement
        var shape: [Int]
        var bytes: Int
        var begin: Int
        var end: Int
    }

    private func entry(_ name: String, _ value: JSONValue, at pointer: String) throws(WireError) -> Entry {
        guard case .object(let o) = value else {
            throw .structure("'\(name)' must be an object with dtype, shape and data_offsets, got \(value.typeName)", at: pointer)
        }
        guard case .string(let dtypeName)? = o["dtype"] else { throw .structure("'\(name)' needs a string 'dtype'", at: pointer + "/dtype") }
        let element: StoredElement
        switch dtypeName {
        case "F32": element = .float32
        case "F64": element = .float64
        case "I64": element = .int64
        case "I32": element = .int32
        case "I16": element = .int16
        case "I8": element = .int8
        case "U8": element = .uint8
        case "BOOL": element = .bool
        default:
            let known = Self.unsupported.contains(dtypeName)
            throw WireError(.unsupportedDType, status: 422,
                            "'\(name)' has \(known ? "" : "unknown ")dtype '\(dtypeName)', which Tensord does not hold: use F32, F64, I64, I32, I16, I8, U8 or BOOL",
                            pointer: pointer + "/dtype")
        }
        let shape = try Self.integers(o["shape"], at: pointer + "/shape", what: "'shape'")
        guard shape.count <= TensorCodec.maxDims else {
            throw .tensor("a tensor has at most \(TensorCodec.maxDims) dimensions, got \(shape.count)", at: pointer + "/shape")
        }
        let count = try TensorCodec(maxElements: maxElements).elementCount(shape, at: pointer + "/shape")
        let offsets = try Self.integers(o["data_offsets"], at: pointer + "/data_offsets", what: "'data_offsets'")
        guard offsets.count == 2 else { throw .structure("'data_offsets' must be [begin, end]", at: pointer + "/data_offsets") }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: element.byteSize)
        guard !overflow else { throw .tensor("shape \(shape) of \(dtypeName) does not fit in memory", at: pointer + "/shape") }
        return Entry(name: name, pointer: pointer, dtypeName: dtypeName, element: element, shape: shape,
                     bytes: bytes, begin: offsets[0], end: offsets[1])
    }

    /// An array of non-negative integers (`shape`, `data_offsets`).
    private static func integers(_ value: JSONValue?, at pointer: String, what: String) throws(WireError) -> [Int] {
        switch value {
        case .array(let a)? where a.isEmpty: return []
        case .numbers(let a)?:
            guard let ints = a.integers, ints.allSatisfy({ $0 >= 0 }) else {
                throw .structure("\(what) must hold non-negative integers", at: pointer)
            }
            return ints.map { Int($0) }
        default:
            throw .structure("\(what) must be an array of non-negative integers", at: pointer)
        }
    }

    private static func metadata(_ value: JSONValue, at pointer: String) throws(WireError) -> [(key: String, value: String)] {
        guard case .object(let o) = value else { throw .structure("__metadata__ must be an object of strings", at: pointer) }
        return try zip(o.keys, o.values).map { (k, v) throws(WireError) in
            guard case .string(let s) = v else { throw .structure("__metadata__ values must be strings", at: JSONPointer.appending(pointer, k)) }
            return (k, s)
        }
    }
}
