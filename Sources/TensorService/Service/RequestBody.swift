import Foundation
import HTTPServer
import TensorEngine
import TensorWire

/// A request's JSON object body, with typed accessors whose errors point at the field.
struct RequestBody {
    let object: JSONObject
    /// The pointer of this object inside the request (`""` for the root).
    let pointer: String

    /// Parses the body as a JSON object. A content type other than JSON is 415; an empty
    /// body is an empty object (for requests whose fields are all optional).
    static func parse(_ request: Request, maxDepth: Int) throws -> RequestBody {
        try checkContentType(request)
        return try parse(request.body, maxDepth: maxDepth)
    }

    /// Refuses (415) a body that is not JSON; no `Content-Type` is taken as JSON.
    static func checkContentType(_ request: Request) throws {
        if let type = request.headers["Content-Type"], !TensorFormat.isJSONContentType(type) {
            throw Problem.unsupportedMediaType(type)
        }
    }

    /// Parses bytes whose content type was checked as a JSON object (empty: an empty object).
    static func parse(_ bytes: [UInt8], maxDepth: Int) throws -> RequestBody {
        if bytes.isEmpty { return RequestBody(object: JSONObject(), pointer: "") }
        let value: JSONValue
        do {
            value = try bytes.withUnsafeBufferPointer { try JSONParser(maxDepth: maxDepth).parse($0) }
        } catch let e as WireError {
            throw Problem.from(e)
        }
        guard case .object(let o) = value else {
            throw Problem.badRequest("the body must be a JSON object, got \(value.typeName)", pointer: "")
        }
        return RequestBody(object: o, pointer: "")
    }

    func at(_ key: String) -> String { JSONPointer.appending(pointer, key) }

    /// A member as sent. `null` is a value, not an absent member: where the schema does not
    /// allow it, the typed accessors refuse it (400) like any other wrong JSON type, so that
    /// what the server accepts (and echoes, as a job's `spec`) is what openapi.yaml describes.
    subscript(key: String) -> JSONValue? { object[key] }

    /// Whether the member is present and `null` (for the members whose schema allows it).
    func isNull(_ key: String) -> Bool {
        if case .null? = object[key] { return true }
        return false
    }

    /// Refuses fields the request does not define (a typo should not be silently ignored).
    func allowOnly(_ keys: Set<String>) throws {
        if let k = object.keys.first(where: { !keys.contains($0) }) {
            throw Problem.badRequest("unknown field '\(k)' (expected: \(keys.sorted().joined(separator: ", ")))", pointer: at(k))
        }
    }

    func required(_ key: String) throws -> JSONValue {
        guard let v = self[key] else { throw Problem.badRequest("missing required field '\(key)'", pointer: at(key)) }
        return v
    }

    func object(_ key: String) throws -> RequestBody? {
        guard let v = self[key] else { return nil }
        guard case .object(let o) = v else {
            throw Problem.badRequest("'\(key)' must be an object, got \(v.typeName)", pointer: at(key))
        }
        return RequestBody(object: o, pointer: at(key))
    }

    func string(_ key: String) throws -> String? {
        guard let v = self[key] else { return nil }
        guard case .string(let s) = v else {
            throw Problem.badRequest("'\(key)' must be a string, got \(v.typeName)", pointer: at(key))
        }
        return s
    }

    func strings(_ key: String) throws -> [String]? {
        guard let v = self[key] else { return nil }
        guard let items = v.arrayElements else {
            throw Problem.badRequest("'\(key)' must be an array of strings, got \(v.typeName)", pointer: at(key))
        }
        return try items.enumerated().map { i, item in
            guard case .string(let s) = item else {
                throw Problem.badRequest("'\(key)' must be an array of strings", pointer: JSONPointer.appending(at(key), i))
            }
            return s
        }
    }

    func array(_ key: String) throws -> [JSONValue]? {
        guard let v = self[key] else { return nil }
        guard let items = v.arrayElements else {
            throw Problem.badRequest("'\(key)' must be an array, got \(v.typeName)", pointer: at(key))
        }
        return items
    }

    /// The response encoding a GET asks for with `?encoding=json|b64`.
    static func queryEncoding(_ request: Request) throws -> TensorEncoding {
        switch request.queryValue("encoding") {
        case nil, "json": return .json
        case "b64": return .b64
        case let other?: throw Problem.invalidArgument("encoding must be 'json' or 'b64', got '\(other)'", pointer: "/encoding")
        }
    }

    /// The response encoding a request asks for with `"encoding"`.
    func encoding() throws -> TensorEncoding {
        do { return try TensorCodec.encoding(self["encoding"], at: at("encoding")) } catch { throw Problem.from(error) }
    }

    /// Every member of an object field, in order (`tensors`, `params`, …).
    func members(_ key: String) throws -> [(String, JSONValue, String)] {
        guard let o = try object(key) else { return [] }
        return zip(o.object.keys, o.object.values).map { ($0, $1, o.at($0)) }
    }
}
