import HTTPServer
import TensorEngine
import TensorWire

/// How tensors travel in a body: JSON (the default), one `.npy` file, or a safetensors file
/// of named tensors.
enum TensorFormat: String, CaseIterable {
    case json, npy, safetensors

    var mediaType: String {
        switch self {
        case .json: "application/json"
        case .npy: NumpyFormat.mediaType
        case .safetensors: Safetensors.mediaType
        }
    }

    /// The format of a request's body from its `Content-Type` (no header: JSON); a type the
    /// route does not take is 415.
    static func ofBody(_ request: Request, accepted: [TensorFormat]) throws -> TensorFormat {
        guard let type = request.headers["Content-Type"] else { return .json }
        let media = mediaRange(type)
        if accepted.contains(.json), isJSON(media) { return .json }
        guard let format = accepted.first(where: { $0.mediaType == media }) else {
            throw Problem.unsupportedMediaType(type, accepted: accepted.map(\.mediaType))
        }
        return format
    }

    /// The format a response should take: `?format=` when given, else the `Accept` field's
    /// preference among `offered` (RFC 9110 §12.5.1: the highest `q`, the earlier listed on a
    /// tie). Wildcards and anything unlisted mean JSON, the default.
    static func ofResponse(_ request: Request, offered: [TensorFormat]) throws -> TensorFormat {
        if let asked = request.queryValue("format") {
            guard let format = TensorFormat(rawValue: asked), offered.contains(format) else {
                throw Problem.invalidArgument("format must be one of \(offered.map(\.rawValue).joined(separator: ", ")), got '\(asked)'", pointer: "/format")
            }
            return format
        }
        var best = (format: TensorFormat.json, q: 0.0)
        for accept in request.headers.values(for: "Accept") {
            for item in accept.split(separator: ",") {
                let parts = item.split(separator: ";")
                guard let first = parts.first, let format = offered.first(where: { $0.mediaType == mediaRange(first) }) else { continue }
                let q = parts.dropFirst().lazy.compactMap { p -> Double? in
                    let kv = p.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    return kv.count == 2 && kv[0].lowercased() == "q" ? Double(kv[1]) : nil
                }.first ?? 1
                if q > best.q { best = (format, q) }
            }
        }
        return best.format
    }

    /// The media type of a `Content-Type` value or an `Accept` item: up to the first `;`, without the
    /// surrounding whitespace, lowercased.
    static func mediaRange(_ s: some StringProtocol) -> String {
        let bytes = s.utf8.prefix { $0 != UInt8(ascii: ";") }
        // Field values are ASCII in practice: trim and lowercase the bytes. Foundation's Unicode tables
        // cost a tenth of a small op's CPU (perf, issue 19); the result is the same for ASCII, whose only
        // `.whitespaces` are space and tab.
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            return String(s.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased()
        }
        let isBlank = { (b: UInt8) in b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
        let trimmed = bytes.drop(while: isBlank).reversed().drop(while: isBlank).reversed()
        return String(decoding: trimmed.map { $0 &- UInt8(ascii: "A") < 26 ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// Whether a media type (from `mediaRange`) is JSON: `application/json` or a `+json` suffix.
    static func isJSON(_ media: String) -> Bool {
        media == "application/json" || media.hasSuffix("+json")
    }

    /// `isJSON(mediaRange(value))`, read on the bytes of an ASCII value without building the lowercased
    /// `String`, which every JSON request paid for (perf, issue 19); any other value takes that path.
    static func isJSONContentType(_ value: String) -> Bool {
        let decided: Bool?? = value.utf8.withContiguousStorageIfAvailable { bytes in
            var end = 0
            while end < bytes.count, bytes[end] != UInt8(ascii: ";") {
                if bytes[end] >= 0x80 { return nil }
                end += 1
            }
            let isBlank = { (b: UInt8) in b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
            var start = 0
            while start < end, isBlank(bytes[start]) { start += 1 }
            while end > start, isBlank(bytes[end - 1]) { end -= 1 }
            let media = UnsafeBufferPointer(rebasing: bytes[start..<end])
            return (media.count == 16 && endsWith(media, "application/json")) || endsWith(media, "+json")
        }
        return (decided ?? nil) ?? isJSON(mediaRange(value))
    }

    /// Whether ASCII `bytes` end with `lowercase`, the case of their letters ignored.
    private static func endsWith(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        let tail = bytes.count - count
        for i in 0..<count {
            let byte = bytes[tail + i]
            if (byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte) != lowercase.utf8Start[i] { return false }
        }
        return true
    }
}

extension TensorService {
    /// The tensor of an `application/x-npy` body, within the element limit: read into its
    /// storage as it arrived (`NumpyUpload`), or decoded from the body.
    func npyTensor(_ request: Request) throws -> Tensor {
        do {
            if let upload = request.bodyReceiver as? NumpyUpload, let t = try upload.tensor() { return t }
            return try request.body.withUnsafeBytes { try NumpyFormat(maxElements: configuration.maxElements).decode($0) }
        } catch let e as WireError {
            throw Problem.from(e)
        }
    }

    /// The tensors of an `application/x-safetensors` body, each within the element limit.
    func safetensorsFile(_ request: Request) throws -> Safetensors.File {
        do {
            return try request.body.withUnsafeBytes { try Safetensors(maxElements: configuration.maxElements).decode($0) }
        } catch let e as WireError {
            throw Problem.from(e)
        }
    }

    /// Named results as the binary format asked for: `.npy` takes exactly one tensor (406
    /// otherwise). Safetensors metadata is optional.
    static func binaryResponse(_ format: TensorFormat, _ tensors: [(name: String, tensor: Tensor)],
                               metadata: [(key: String, value: String)] = []) throws -> Response {
        switch format {
        case .npy:
            guard tensors.count == 1 else {
                throw Problem(status: 406, code: "not_acceptable", title: "Not acceptable",
                              detail: "application/x-npy holds one tensor but the answer has \(tensors.count) (\(tensors.map(\.name).joined(separator: ", "))); ask for application/x-safetensors")
            }
            // The elements go out from the tensor's storage, behind the file's header: no copy.
            let t = tensors[0].tensor.isContiguous ? tensors[0].tensor : tensors[0].tensor.contiguous()
            let elements = UnsafeRawBufferPointer(start: t.storage.pointer + t.offset * t.dtype.byteSize, count: t.count * t.dtype.byteSize)
            return Response(status: .ok, headers: ["Content-Type": NumpyFormat.mediaType],
                            body: .borrowed(prefix: NumpyFormat.header(of: t), memory: BorrowedBytes(elements, owner: t.storage)))
        case .safetensors:
            return Response(headers: ["Content-Type": Safetensors.mediaType], body: Safetensors.encode(tensors, metadata: metadata))
        case .json:
            throw Problem(status: 406, code: "not_acceptable", title: "Not acceptable", detail: "this answer has no binary form to give as JSON here")
        }
    }
}
