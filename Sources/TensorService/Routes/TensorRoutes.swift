import HTTPServer
import TensorEngine
import TensorWire

// The tensor store: PUT/GET/DELETE /v1/tensors/{name}, GET and POST /v1/tensors; tensors as
// JSON, .npy (one) or safetensors (many).
extension TensorService {
    func addTensorRoutes() {
        add(.put, "/v1/tensors/{name}", receiver: { [unowned self] request, params in
            // A .npy upload to a valid name goes straight into the tensor's storage.
            guard TensorStore.isValid(params["name"] ?? ""), (try? TensorFormat.ofBody(request, accepted: [.npy])) == .npy else { return nil }
            return NumpyUpload(NumpyFormat(maxElements: configuration.maxElements))
        }) { [unowned self] request, params in
            let name = params["name"] ?? ""
            guard TensorStore.isValid(name) else { throw TensorService.invalidName(name) }
            let t: Tensor
            switch try TensorFormat.ofBody(request, accepted: [.json, .npy]) {
            case .npy:
                t = try npyTensor(request)
            case .json, .safetensors:
                let body = try RequestBody.parse(request, maxDepth: configuration.maxJSONDepth)
                do { t = try codec.decodeTensor(.object(body.object), at: "") } catch let e as WireError { throw Problem.from(e) }
            }
            let created = try storeAll([(name, t)])[0]
            return .json(status: created ? .created : .ok, headers: created ? ["Location": "/v1/tensors/\(name)"] : [:]) { w in
                TensorService.writeEntry(TensorStore.Entry(name: name, shape: t.shape, dtype: t.dtype, bytes: t.count * t.dtype.byteSize), into: &w)
            }
        }
        add(.post, "/v1/tensors") { [unowned self] request, _ in
            _ = try TensorFormat.ofBody(request, accepted: [.safetensors])
            let prefix = request.queryValue("prefix") ?? ""
            let file = try safetensorsFile(request)
            let items = try file.tensors.map { item in
                let name = prefix + item.name
                guard TensorStore.isValid(name) else {
                    throw Problem.invalidArgument("'\(name)' is not a valid tensor name: use 1–128 letters, digits, '_', '-' or '.', not starting with '.' (rename the tensor or change ?prefix=)",
                                                  pointer: JSONPointer.appending("", item.name))
                }
                return (name: name, tensor: item.tensor)
            }
            try storeAll(items)
            return .json(status: .created) { w in
                TensorService.writeEntries(items.map { TensorStore.Entry(name: $0.name, shape: $0.tensor.shape, dtype: $0.tensor.dtype, bytes: $0.tensor.count * $0.tensor.dtype.byteSize) }, into: &w)
            }
        }
        add(.get, "/v1/tensors/{name}") { [unowned self] request, params in
            let name = params["name"] ?? ""
            guard let t = try store.get(name) else { throw Problem.notFound("no tensor named '\(name)' in the store") }
            let format = try TensorFormat.ofResponse(request, offered: [.json, .npy, .safetensors])
            guard format == .json else { return try TensorService.binaryResponse(format, [(name, t)]) }
            let encoding = try RequestBody.queryEncoding(request)
            return Response(json: TensorService.encodeNamed(t, name: name, encoding: encoding))
        }
        add(.delete, "/v1/tensors/{name}") { [unowned self] _, params in
            let name = params["name"] ?? ""
            do { try store.delete(name) } catch { throw Problem.notFound("no tensor named '\(name)' in the store") }
            return Response(status: .noContent)
        }
        add(.get, "/v1/tensors") { [unowned self] request, _ in
            let format = try TensorFormat.ofResponse(request, offered: [.json, .safetensors])
            let names = request.queryValue("names").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            guard format == .json else {
                guard let names else { throw Problem.badRequest("format=safetensors needs names=a,b,… of the tensors to export", pointer: "/names") }
                return try TensorService.binaryResponse(.safetensors, names.map { name in
                    guard let t = try store.get(name) else { throw Problem.notFound("no tensor named '\(name)' in the store") }
                    return (name, t)
                })
            }
            let entries = try store.list().filter { e in names?.contains(e.name) ?? true }
            return .json { w in TensorService.writeEntries(entries, into: &w) }
        }
    }

    /// Stores tensors together (all or none), mapping a full store to 413 `store_full`.
    @discardableResult
    private func storeAll(_ items: [(name: String, tensor: Tensor)]) throws -> [Bool] {
        do {
            return try store.put(items)
        } catch TensorStore.StoreError.full(let needed, let available) {
            throw Problem(status: 413, code: "store_full", title: "Tensor store is full",
                          detail: "the tensors need \(needed) bytes but the store has \(max(available, 0)) bytes left of \(store.maxTotalBytes); delete tensors first")
        }
    }

    /// `{"tensors": [entry, …]}`.
    static func writeEntries(_ entries: [TensorStore.Entry], into w: inout JSONWriter) {
        w.beginObject()
        w.key("tensors")
        w.beginArray()
        for e in entries { writeEntry(e, into: &w) }
        w.endArray()
        w.endObject()
    }

    static func invalidName(_ name: String) -> Problem {
        Problem.invalidArgument("'\(name)' is not a valid tensor name: use 1–128 letters, digits, '_', '-' or '.', not starting with '.'", pointer: "/name")
    }

    static func encodeNamed(_ t: Tensor, name: String, encoding: TensorEncoding) -> [UInt8] {
        var w = JSONWriter(capacity: t.count * 12 + 128)
        TensorCodec.encode(t, encoding: encoding, name: name, into: &w)
        return w.take()
    }

    static func writeEntry(_ e: TensorStore.Entry, into w: inout JSONWriter) {
        w.beginObject()
        w.key("name"); w.string(e.name)
        w.key("shape"); w.beginArray(); for d in e.shape { w.int(d) }; w.endArray()
        w.key("dtype"); w.string(e.dtype.rawValue)
        w.key("bytes"); w.int(e.bytes)
        w.endObject()
    }
}
