import Foundation
import TensorEngine

/// The on-disk form of a tensor: a one-line JSON header (`{"dtype":…,"shape":[…]}`)
/// followed by the raw little-endian elements.
enum TensorFile {
    struct Header: Codable { let dtype: DType; let shape: [Int] }

    static func encode(_ t: Tensor) throws -> Data {
        var data = Data(try header(t))
        withElements(of: t) { data.append(contentsOf: $0) }
        return data
    }

    static func decode(_ data: Data) throws -> Tensor {
        guard let nl = data.firstIndex(of: 0x0A) else { throw CocoaError(.fileReadCorruptFile) }
        let header = try JSONDecoder().decode(Header.self, from: data[data.startIndex..<nl])
        let n = header.shape.reduce(1, *)
        let body = data[(nl + 1)...]
        guard header.shape.allSatisfy({ $0 >= 0 }), body.count == n * header.dtype.byteSize else { throw CocoaError(.fileReadCorruptFile) }
        let storage = Storage(count: n, dtype: header.dtype)
        body.withUnsafeBytes { storage.pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return Tensor(storage: storage, shape: header.shape, strides: Tensor.contiguousStrides(header.shape))
    }

    /// Writes the header, then the elements straight from the tensor's storage (no copy in
    /// between), to `url`, replacing it. Callers that must never leave half a tensor write to a
    /// temporary name and rename it over the target. `overwriting` writes over the file's
    /// pages in place and cuts what is left beyond the tensor, instead of emptying it first.
    static func write(_ t: Tensor, to url: URL, overwriting: Bool = false) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_CLOEXEC | (overwriting ? 0 : O_TRUNC), 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let head = try header(t)
        try head.withUnsafeBytes { try writeAll(fd, $0) }
        try withElements(of: t) { try writeAll(fd, $0) }
        if overwriting, ftruncate(fd, off_t(head.count + t.count * t.dtype.byteSize)) != 0 {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    /// The bytes of `t`'s file.
    static func size(of t: Tensor) throws -> Int {
        try header(t).count + t.count * t.dtype.byteSize
    }

    /// The header line: `{"dtype":…,"shape":[…]}` and a newline.
    private static func header(_ t: Tensor) throws -> [UInt8] {
        try [UInt8](JSONEncoder().encode(Header(dtype: t.dtype, shape: t.shape))) + [0x0A]
    }

    /// The elements' bytes, row-major, where the (contiguous) tensor keeps them.
    private static func withElements<R>(of t: Tensor, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let c = t.contiguous()
        return try body(UnsafeRawBufferPointer(start: c.storage.pointer + c.offset * c.dtype.byteSize, count: c.count * c.dtype.byteSize))
    }

    static func read(_ url: URL) throws -> Tensor {
        try decode(Data(contentsOf: url))
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            offset += n
        }
    }
}
