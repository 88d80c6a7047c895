import TensorEngine

#if _endian(big)
#error("data_b64 carries little-endian bytes; a big-endian host needs byte swapping here")
#endif

/// A tensor in a request: given inline, or named in the tensor store (`{"ref": "name"}`),
/// which the caller resolves.
public enum TensorInput: Sendable {
    case tensor(Tensor)
    case ref(String)
}

/// How a response carries tensor data (api.md, "Tensors on the wire").
public enum TensorEncoding: String, Sendable {
    /// `"data": [...]`, flat, row-major.
    case json
    /// `"data_b64": "..."`, the raw little-endian bytes in base64.
    case b64
}

/// Tensors to and from their JSON form:
/// `{"shape": [2, 3], "dtype": "float32", "data": [1, 2, 3, 4, 5, 6]}`.
///
/// Decoding accepts flat `data` with `shape`, nested `data` (shape inferred and checked),
/// `data_b64`, the non-finite strings `"NaN"`/`"Infinity"`/`"-Infinity"`, and the dtype
/// aliases of the Open Inference Protocol. It refuses more than `maxElements` elements
/// before allocating anything. Errors are ``WireError``s pointing into the request.
///
/// ```swift
/// let codec = TensorCodec(maxElements: 10_000_000)
/// let body = try JSONParser().parse(bytes)
/// guard case .tensor(let x) = try codec.decode(body["inputs"]!.arrayElements![0], at: "/inputs/0") else { … }
/// var w = JSONWriter()
/// TensorCodec.encode(x, into: &w)                  // {"shape":[...],"dtype":"float32","data":[...]}
/// ```
public struct TensorCodec: Sendable {
    /// Most elements one tensor may have.
    public var maxElements: Int
    /// Most dimensions one tensor may have.
    public static let maxDims = 64

    public init(maxElements: Int) {
        self.maxElements = maxElements
    }

    /// A tensor object or a `{"ref": "name"}` at `pointer` in the request.
    public func decode(_ json: JSONValue, at pointer: String) throws(WireError) -> TensorInput {
        guard case .object(let o) = json else {
            throw .structure("expected a tensor object ({\"shape\": [...], \"data\": [...]}) or {\"ref\": \"name\"}, got \(json.typeName)", at: pointer)
        }
        if let ref = o["ref"] {
            guard case .string(let name) = ref else {
                throw .structure("\"ref\" must be the string name of a stored tensor, got \(ref.typeName)", at: JSONPointer.appending(pointer, "ref"))
            }
            if let other = o.keys.first(where: { $0 != "ref" }) {
                throw .structure("a {\"ref\"} object has no other fields, got \"\(other)\"", at: JSONPointer.appending(pointer, other))
            }
            return .ref(name)
        }
        return .tensor(try decodeTensor(o, at: pointer))
    }

    /// A tensor object (no `ref`) at `pointer`.
    public func decodeTensor(_ json: JSONValue, at pointer: String) throws(WireError) -> Tensor {
        guard case .object(let o) = json else {
            throw .structure("expected a tensor object ({\"shape\": [...], \"data\": [...]}), got \(json.typeName)", at: pointer)
        }
        return try decodeTensor(o, at: pointer)
    }

    private func decodeTensor(_ o: JSONObject, at pointer: String) throws(WireError) -> Tensor {
        for key in o.keys where !["shape", "dtype", "data", "data_b64", "name"].contains(key) {
            throw .structure("unknown tensor field \"\(key)\" (fields: shape, dtype, data or data_b64)", at: JSONPointer.appending(pointer, key))
        }
        switch o["name"] {  // a label the answer echoes; ignored otherwise, but a string
        case nil, .string?: break
        case let other?: throw .structure("\"name\" must be a string, got \(other.typeName)", at: JSONPointer.appending(pointer, "name"))
        }
        let dtype = try Self.dtype(o["dtype"], at: JSONPointer.appending(pointer, "dtype"))
        let shape = try o["shape"].map { v throws(WireError) in try self.shape(v, at: JSONPointer.appending(pointer, "shape")) }
        switch (o["data"], o["data_b64"]) {
        case (let data?, nil):
            return try decodeData(data, shape: shape, dtype: dtype, at: pointer)
        case (nil, let b64?):
            return try decodeBase64(b64, shape: shape, dtype: dtype, at: pointer)
        case (nil, nil):
            throw .structure("a tensor needs \"data\" (numbers, flat or nested) or \"data_b64\"", at: pointer)
        case (_?, _?):
            throw .structure("give \"data\" or \"data_b64\", not both", at: JSONPointer.appending(pointer, "data_b64"))
        }
    }

    static func dtype(_ json: JSONValue?, at pointer: String) throws(WireError) -> DType {
        guard let json else { return .float32 }
        guard case .string(let name) = json else {
            throw .structure("\"dtype\" must be a string such as \"float32\", got \(json.typeName)", at: pointer)
        }
        guard let dtype = DType(name: name) else {
            throw .tensor("unknown dtype \"\(name)\": use float32, float64, int64 or bool (or FP32, FP64, INT64, BOOL)", at: pointer)
        }
        return dtype
    }

    /// A shape: non-negative integers, at most `maxDims`, whose product is within the limit.
    private func shape(_ json: JSONValue, at pointer: String) throws(WireError) -> [Int] {
        let dims: [Int]
        switch json {
        case .array(let a) where a.isEmpty:
            dims = []
        case .numbers(let a):
            guard let ints = a.integers else {
                throw .structure("\"shape\" must hold integers, got \(a.element(a.firstNonInteger ?? 0).typeName)", at: JSONPointer.appending(pointer, a.firstNonInteger ?? 0))
            }
            if let k = ints.firstIndex(where: { $0 < 0 }) {
                throw .tensor("dimension sizes cannot be negative, got \(ints[k])", at: JSONPointer.appending(pointer, k))
            }
            dims = ints.map { Int($0) }
        case .array(let a):
            let k = a.firstIndex { if case .number = $0 { false } else { true } } ?? 0
            throw .structure("\"shape\" must hold integers, got \(a[k].typeName)", at: JSONPointer.appending(pointer, k))
        default:
            throw .structure("\"shape\" must be an array of integers, got \(json.typeName)", at: pointer)
        }
        guard dims.count <= Self.maxDims else {
            throw .tensor("a tensor has at most \(Self.maxDims) dimensions, got \(dims.count)", at: pointer)
        }
        _ = try elementCount(dims, at: pointer)
        return dims
    }

    /// The product of `dims`, refused when above the limit. The product of the non-zero
    /// sizes must not overflow even when a size is 0: strides are computed from it.
    func elementCount(_ dims: [Int], at pointer: String) throws(WireError) -> Int {
        var n = 1
        var overflow = false
        for d in dims {
            let (m, o) = n.multipliedReportingOverflow(by: max(d, 1))
            n = m
            overflow = overflow || o
        }
        if !overflow && dims.contains(0) { return 0 }
        if overflow || n > maxElements {
            throw WireError(.tooManyElements, status: 413,
                            "shape \(dims) has \(overflow ? "too many" : String(n)) elements; the limit is \(maxElements) per tensor",
                            pointer: pointer)
        }
        return n
    }
}

// MARK: - data

extension TensorCodec {
    private func decodeData(_ data: JSONValue, shape: [Int]?, dtype: DType, at pointer: String) throws(WireError) -> Tensor {
        let dataPointer = JSONPointer.appending(pointer, "data")
        let nested = try inferShape(data, at: dataPointer)
        let count = try elementCount(nested, at: dataPointer)
        var layout = nested  // the shape the data is walked in
        var result = shape ?? nested
        if let shape, shape != nested {
            let declared = try elementCount(shape, at: JSONPointer.appending(pointer, "shape"))
            guard nested.count <= 1 else {
                throw .tensor("nested data has shape \(nested) but \"shape\" is \(shape)", at: dataPointer)
            }
            guard count == declared else {
                throw .tensor("\"data\" has \(count) elements but shape \(shape) needs \(declared)", at: dataPointer)
            }
            layout = nested.isEmpty ? [] : [count]
            result = shape
        }
        switch dtype {
        case .float32: return try build(result, Float.self, data, layout: layout, at: dataPointer)
        case .float64: return try build(result, Double.self, data, layout: layout, at: dataPointer)
        case .int64: return try build(result, Int64.self, data, layout: layout, at: dataPointer)
        case .bool: return try build(result, Bool.self, data, layout: layout, at: dataPointer)
        }
    }

    /// The shape of nested arrays, read along the first element at each level.
    private func inferShape(_ data: JSONValue, at pointer: String) throws(WireError) -> [Int] {
        var shape: [Int] = []
        var v = data
        var path = pointer
        while true {
            switch v {
            case .numbers(let a):
                shape.append(a.count)
                return shape
            case .array(let a):
                shape.append(a.count)
                guard let first = a.first else { return shape }
                guard shape.count < Self.maxDims else {
                    throw .tensor("a tensor has at most \(Self.maxDims) dimensions; data is nested deeper", at: path)
                }
                v = first
                path = JSONPointer.appending(path, 0)
            case .object:
                throw .tensor("tensor data holds numbers, booleans or the strings \"NaN\", \"Infinity\", \"-Infinity\", got an object", at: path)
            default:
                return shape
            }
        }
    }

    private func build<T: WireElement>(_ shape: [Int], _: T.Type, _ data: JSONValue, layout: [Int], at pointer: String) throws(WireError) -> Tensor {
        var failure: WireError?
        let tensor = Tensor.make(shape, T.self) { buf in
            guard let p = buf.baseAddress else { return }
            var offset = 0
            var path: [Int] = []
            do throws(WireError) {
                try fill(data, level: 0, layout: layout, into: p, offset: &offset, path: &path, at: pointer)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return tensor
    }

    /// Writes the elements of `v` (at depth `level` of `layout`) row-major from `offset`,
    /// checking that every array has the length `layout` says (no ragged data).
    private func fill<T: WireElement>(_ v: JSONValue, level: Int, layout: [Int], into p: UnsafeMutablePointer<T>,
                                      offset: inout Int, path: inout [Int], at pointer: String) throws(WireError) {
        func here() -> String { path.reduce(pointer) { JSONPointer.appending($0, $1) } }
        if level == layout.count {
            if case .array = v { throw .tensor("ragged data: expected a scalar here, got an array", at: here()) }
            if case .numbers = v { throw .tensor("ragged data: expected a scalar here, got an array", at: here()) }
            p[offset] = try T.element(v, at: here)
            offset += 1
            return
        }
        let expected = layout[level]
        switch v {
        case .numbers(let a):
            guard level == layout.count - 1 else {
                throw .tensor("ragged data: expected an array of \(layout[level]) arrays, got an array of numbers", at: here())
            }
            guard a.count == expected else {
                throw .tensor("ragged data: expected \(expected) elements, got \(a.count)", at: here())
            }
            try T.elements(a, into: p + offset) { k in JSONPointer.appending(here(), k) }
            offset += a.count
        case .array(let a):
            guard a.count == expected else {
                throw .tensor("ragged data: expected \(expected) elements, got \(a.count)", at: here())
            }
            for (k, e) in a.enumerated() {
                path.append(k)
                try fill(e, level: level + 1, layout: layout, into: p, offset: &offset, path: &path, at: pointer)
                path.removeLast()
            }
        default:
            throw .tensor("ragged data: expected an array of \(expected) elements, got \(v.typeName)", at: here())
        }
    }
}

// MARK: - data_b64

extension TensorCodec {
    private func decodeBase64(_ json: JSONValue, shape: [Int]?, dtype: DType, at pointer: String) throws(WireError) -> Tensor {
        let b64Pointer = JSONPointer.appending(pointer, "data_b64")
        guard case .string(var text) = json else {
            throw .structure("\"data_b64\" must be a base64 string, got \(json.typeName)", at: b64Pointer)
        }
        let decoded = text.withUTF8 { utf8 in Result { () throws(WireError) -> Tensor in
            guard let bytes = Base64.decodedLength(utf8) else {
                throw .tensor("\"data_b64\" is not base64: \(utf8.count) characters cannot encode whole bytes", at: b64Pointer)
            }
            guard bytes % dtype.byteSize == 0 else {
                throw .tensor("\"data_b64\" holds \(bytes) bytes, not a whole number of \(dtype.rawValue) elements (\(dtype.byteSize) bytes each)", at: b64Pointer)
            }
            let count = bytes / dtype.byteSize
            let result = shape ?? [count]
            if shape == nil { _ = try elementCount(result, at: b64Pointer) }
            let declared = try elementCount(result, at: JSONPointer.appending(pointer, "shape"))
            guard declared == count else {
                throw .tensor("\"data_b64\" holds \(count) \(dtype.rawValue) elements but shape \(result) needs \(declared)", at: b64Pointer)
            }
            var bad: Int?
            let tensor: Tensor
            switch dtype {
            case .float32: tensor = Tensor.make(result, Float.self) { bad = Self.decode(utf8, into: UnsafeMutableRawBufferPointer($0)) }
            case .float64: tensor = Tensor.make(result, Double.self) { bad = Self.decode(utf8, into: UnsafeMutableRawBufferPointer($0)) }
            case .int64: tensor = Tensor.make(result, Int64.self) { bad = Self.decode(utf8, into: UnsafeMutableRawBufferPointer($0)) }
            case .bool:
                tensor = Tensor.make(result, Bool.self) { buf in
                    let raw = UnsafeMutableRawBufferPointer(buf)
                    bad = Self.decode(utf8, into: raw)
                    // Any nonzero byte is true; only 0 and 1 are valid Bool bit patterns.
                    for k in 0..<raw.count where raw[k] > 1 { raw[k] = 1 }
                }
            }
            if let bad {
                throw .tensor("\"data_b64\" is not base64: invalid character at index \(bad)", at: b64Pointer)
            }
            return tensor
        } }
        return try decoded.get()
    }

    private static func decode(_ text: UnsafeBufferPointer<UInt8>, into raw: UnsafeMutableRawBufferPointer) -> Int? {
        guard let base = raw.baseAddress else { return text.isEmpty ? nil : 0 }
        return Base64.decode(text, to: base)
    }
}
