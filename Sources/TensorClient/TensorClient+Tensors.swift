import TensorEngine
import TensorWire

// The tensor store: PUT/GET/DELETE /v1/tensors/{name}, GET /v1/tensors.
extension TensorClient {
    /// Stores `tensor` as `name` (replacing one of that name), for `.ref(name)` in later requests.
    @discardableResult
    public func putTensor(_ name: String, _ tensor: Tensor) throws(TensorClientError) -> StoredTensor {
        let body = Self.json { w in TensorCodec.encode(tensor, encoding: configuration.encoding, into: &w) }
        return try StoredTensor(try send("PUT", "/v1/tensors/\(Self.percentEncoded(name))", body: body).json())
    }

    /// The stored tensor `name` (404 `not_found` when there is none).
    public func tensor(_ name: String) throws(TensorClientError) -> Tensor {
        let query = configuration.encoding == .b64 ? [("encoding", "b64")] : []
        return try send("GET", "/v1/tensors/\(Self.percentEncoded(name))", query: query).json().tensor(at: "")
    }

    /// Every stored tensor's name, shape, dtype and size.
    public func storedTensors() throws(TensorClientError) -> [StoredTensor] {
        try send("GET", "/v1/tensors").json().array("tensors").map { (e: JSONValue) throws(TensorClientError) in try StoredTensor(e) }
    }

    public func deleteTensor(_ name: String) throws(TensorClientError) {
        _ = try send("DELETE", "/v1/tensors/\(Self.percentEncoded(name))")
    }
}

/// A tensor store entry.
public struct StoredTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var dtype: String
    /// Bytes of element data, as counted against the store's limit.
    public var bytes: Int

    init(_ json: JSONValue) throws(TensorClientError) {
        name = try json.string("name")
        shape = try json.array("shape").map { (d: JSONValue) throws(TensorClientError) in
            guard case .number(let n) = d, let i = n.integer else { throw .invalidResponse("a shape holds integers") }
            return Int(i)
        }
        dtype = try json.string("dtype")
        bytes = try json.int("bytes")
    }
}
