import TensorWire

// Tensors as the files NumPy and PyTorch write: .npy for one, safetensors for many.
extension TensorClient {
    /// Stores the tensor of a `.npy` file (as `numpy.save` writes it) under `name`.
    @discardableResult
    public func putTensor(_ name: String, npy: [UInt8]) throws(TensorClientError) -> StoredTensor {
        try StoredTensor(try send("PUT", "/v1/tensors/\(Self.percentEncoded(name))", headers: [("Content-Type", NumpyFormat.mediaType)], body: npy).json())
    }

    /// The stored tensor `name` as a `.npy` file that `numpy.load` reads bit for bit.
    public func tensorNPY(_ name: String) throws(TensorClientError) -> [UInt8] {
        try send("GET", "/v1/tensors/\(Self.percentEncoded(name))", headers: [("Accept", NumpyFormat.mediaType)]).binary(NumpyFormat.mediaType)
    }

    /// Stores every tensor of a safetensors file under `prefix` + its name (all or none).
    @discardableResult
    public func importSafetensors(_ file: [UInt8], prefix: String = "") throws(TensorClientError) -> [StoredTensor] {
        let reply = try send("POST", "/v1/tensors", query: prefix.isEmpty ? [] : [("prefix", prefix)],
                             headers: [("Content-Type", Safetensors.mediaType)], body: file)
        return try reply.json().array("tensors").map { (e: JSONValue) throws(TensorClientError) in try StoredTensor(e) }
    }

    /// The stored tensors `names`, in that order, as one safetensors file.
    public func safetensors(_ names: [String]) throws(TensorClientError) -> [UInt8] {
        try send("GET", "/v1/tensors", query: [("names", names.joined(separator: ",")), ("format", "safetensors")])
            .binary(Safetensors.mediaType)
    }

    /// A model job's parameters as a safetensors file under `nn.Sequential`'s state_dict names,
    /// with the spec and feature scaling in its `__metadata__`.
    public func jobModelSafetensors(_ id: String) throws(TensorClientError) -> [UInt8] {
        try send("GET", "/v1/jobs/\(Self.percentEncoded(id))/model", headers: [("Accept", Safetensors.mediaType)]).binary(Safetensors.mediaType)
    }
}

extension TensorClient.Reply {
    /// The body, when the server answered with the binary type asked for.
    func binary(_ mediaType: String) throws(TensorClientError) -> [UInt8] {
        guard header("Content-Type")?.lowercased().hasPrefix(mediaType) == true else {
            throw .invalidResponse("expected \(mediaType), got \(header("Content-Type") ?? "no Content-Type")")
        }
        return body
    }
}
