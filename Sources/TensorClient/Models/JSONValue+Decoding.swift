import TensorEngine
import TensorWire

/// Reading a response: each accessor names what it expected, so a response that breaks the
/// contract gives ``TensorClientError/invalidResponse(_:)`` with the member at fault.
extension JSONValue {
    func member(_ key: String) throws(TensorClientError) -> JSONValue {
        guard case .object(let o) = self else { throw .invalidResponse("expected an object with '\(key)', got \(typeName)") }
        guard let v = o[key] else { throw .invalidResponse("missing '\(key)' in \(Self.abbreviated(self))") }
        return v
    }

    /// The member, or nil when it is absent or `null`.
    func optionalMember(_ key: String) -> JSONValue? {
        guard let v = self[key] else { return nil }
        if case .null = v { return nil }
        return v
    }

    func string(_ key: String) throws(TensorClientError) -> String {
        guard case .string(let s) = try member(key) else { throw .invalidResponse("'\(key)' is not a string") }
        return s
    }

    func optionalString(_ key: String) throws(TensorClientError) -> String? {
        guard let v = optionalMember(key) else { return nil }
        guard case .string(let s) = v else { throw .invalidResponse("'\(key)' is not a string") }
        return s
    }

    func int(_ key: String) throws(TensorClientError) -> Int {
        guard let i = try optionalInt(key) else { throw .invalidResponse("'\(key)' is null") }
        return i
    }

    func optionalInt(_ key: String) throws(TensorClientError) -> Int? {
        guard let v = optionalMember(key) else { return nil }
        guard case .number(let n) = v, let i = n.integer else { throw .invalidResponse("'\(key)' is not an integer") }
        return Int(i)
    }

    func optionalDouble(_ key: String) throws(TensorClientError) -> Double? {
        guard let v = optionalMember(key) else { return nil }
        guard let d = v.double else { throw .invalidResponse("'\(key)' is not a number") }
        return d
    }

    func double(_ key: String) throws(TensorClientError) -> Double {
        guard let d = try optionalDouble(key) else { throw .invalidResponse("'\(key)' is null") }
        return d
    }

    func array(_ key: String) throws(TensorClientError) -> [JSONValue] {
        guard let items = try member(key).arrayElements else { throw .invalidResponse("'\(key)' is not an array") }
        return items
    }

    func object(_ key: String) throws(TensorClientError) -> JSONObject {
        guard case .object(let o) = try member(key) else { throw .invalidResponse("'\(key)' is not an object") }
        return o
    }

    /// A number, with the non-finite strings (`"NaN"`, `"Infinity"`, `"-Infinity"`) the API uses.
    var double: Double? {
        switch self {
        case .number(let n): n.double
        case .string("NaN"): .nan
        case .string("Infinity"): .infinity
        case .string("-Infinity"): -.infinity
        default: nil
        }
    }

    /// A tensor object (`TensorOut`) as a ``Tensor``.
    func tensor(at pointer: String) throws(TensorClientError) -> Tensor {
        do { return try TensorCodec(maxElements: .max).decodeTensor(self, at: pointer) } catch {
            throw .invalidResponse("the tensor at '\(pointer)' cannot be read: \(error.message)")
        }
    }

    /// An object of tensors by name, in document order.
    func namedTensors(_ key: String) throws(TensorClientError) -> NamedTensors {
        let o = try object(key)
        var out = NamedTensors()
        for (name, value) in zip(o.keys, o.values) { out[name] = try value.tensor(at: "/\(key)/\(name)") }
        return out
    }

    static func abbreviated(_ v: JSONValue) -> String {
        var w = JSONWriter()
        w.value(v)
        let text = String(decoding: w.take(), as: UTF8.self)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    /// The value as JSON text.
    public var jsonText: String {
        var w = JSONWriter()
        w.value(self)
        return String(decoding: w.take(), as: UTF8.self)
    }
}
