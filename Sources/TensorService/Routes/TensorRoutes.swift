import HTTPServer
import TensorEngine
import TensorWire

// The tensor store: PUT/GET/DELETE /v1/tensors/{name}, GET /v1/tensors.
extension TensorService {
    func addTensorRoutes() {
        add(.put, "/v1/tensors/{name}") { [unowned self] request, params in
            let name = params["name"] ?? ""
            guard TensorStore.isValid(name) else { throw TensorService.invalidName(name) }
            let body = try RequestBody.parse(request, maxDepth: configuration.maxJSONDepth)
            let t: Tensor
            do { t = try codec.decodeTensor(.object(body.object), at: "") } catch let e as WireError { throw Problem.from(e) }
            let created: Bool
            do {
                created = try store.put(name, t)
            } catch TensorStore.StoreError.full(let needed, let available) {
                throw Problem(status: 413, code: "store_full", title: "Tensor store is full",
                              detail: "the tensor needs \(needed) bytes but the store has \(max(available, 0)) bytes left of \(store.maxTotalBytes); delete tensors first")
            }
            return .json(status: created ? .created : .ok, headers: created ? ["Location": "/v1/tensors/\(name)"] : [:]) { w in
                TensorService.writeEntry(TensorStore.Entry(name: name, shape: t.shape, dtype: t.dtype, bytes: t.count * t.dtype.byteSize), into: &w)
            }
        }
        add(.get, "/v1/tensors/{name}") { [unowned self] request, params in
            let name = params["name"] ?? ""
            guard let t = store.get(name) else { throw Problem.notFound("no tensor named '\(name)' in the store") }
            let encoding = try RequestBody.queryEncoding(request)
            return Response(json: TensorService.encodeNamed(t, name: name, encoding: encoding))
        }
        add(.delete, "/v1/tensors/{name}") { [unowned self] _, params in
            let name = params["name"] ?? ""
            do { try store.delete(name) } catch { throw Problem.notFound("no tensor named '\(name)' in the store") }
            return Response(status: .noContent)
        }
        add(.get, "/v1/tensors") { [unowned self] _, _ in
            let entries = store.list()
            return .json { w in
                w.beginObject()
                w.key("tensors")
                w.beginArray()
                for e in entries { TensorService.writeEntry(e, into: &w) }
                w.endArray()
                w.endObject()
            }
        }
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
