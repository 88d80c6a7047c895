import TensorEngine

extension TensorCodec {
    /// Writes `tensor` as `{"shape": [...], "dtype": "...", "data": [...]}` (flat, row-major,
    /// shortest round-trip floats, non-finite values as strings), or with `data_b64` for
    /// ``TensorEncoding/b64``. `name` comes first when given (`values`, `indices`, …).
    public static func encode(_ tensor: Tensor, encoding: TensorEncoding = .json, name: String? = nil, into w: inout JSONWriter) {
        w.beginObject()
        if let name {
            w.key("name")
            w.string(name)
        }
        w.key("shape")
        w.beginArray()
        for d in tensor.shape { w.int(d) }
        w.endArray()
        w.key("dtype")
        w.string(tensor.dtype.rawValue)
        switch encoding {
        case .json:
            w.key("data")
            switch tensor.dtype {
            case .float32: tensor.withContiguousBuffer(as: Float.self) { w.floats($0) }
            case .float64: tensor.withContiguousBuffer(as: Double.self) { w.floats($0) }
            case .int64: tensor.withContiguousBuffer(as: Int64.self) { w.ints($0) }
            case .bool: tensor.withContiguousBuffer(as: Bool.self) { w.bools($0) }
            }
        case .b64:
            w.key("data_b64")
            switch tensor.dtype {
            case .float32: tensor.withContiguousBuffer(as: Float.self) { w.base64(UnsafeRawBufferPointer($0)) }
            case .float64: tensor.withContiguousBuffer(as: Double.self) { w.base64(UnsafeRawBufferPointer($0)) }
            case .int64: tensor.withContiguousBuffer(as: Int64.self) { w.base64(UnsafeRawBufferPointer($0)) }
            case .bool: tensor.withContiguousBuffer(as: Bool.self) { w.base64(UnsafeRawBufferPointer($0)) }
            }
        }
        w.endObject()
    }

    /// `tensor` as a JSON document.
    public static func encode(_ tensor: Tensor, encoding: TensorEncoding = .json) -> [UInt8] {
        let estimate = tensor.count * (encoding == .json ? 12 : tensor.dtype.byteSize * 4 / 3 + 1) + 64
        var w = JSONWriter(capacity: estimate)
        encode(tensor, encoding: encoding, into: &w)
        return w.take()
    }

    /// The `encoding` a request asks for (`"json"`, the default, or `"b64"`).
    public static func encoding(_ json: JSONValue?, at pointer: String) throws(WireError) -> TensorEncoding {
        guard let json else { return .json }
        guard case .string(let s) = json, let e = TensorEncoding(rawValue: s) else {
            throw WireError(.invalidArgument, status: 422, "\"encoding\" must be \"json\" or \"b64\"", pointer: pointer)
        }
        return e
    }
}
