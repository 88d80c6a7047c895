import Foundation
import TensorEngine

/// Named tensors kept in the data directory (one file each, written atomically), bounded
/// in total bytes, and loaded again when the server restarts.
public final class TensorStore: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let dtype: DType
        public let bytes: Int
    }

    public enum StoreError: Error, Equatable {
        case invalidName(String)
        case notFound(String)
        case full(needed: Int, limit: Int)
    }

    public let directory: URL
    public let maxTotalBytes: Int
    private let lock = NSLock()
    private var tensors: [String: Tensor] = [:]
    private var totalBytes = 0

    /// Opens (creating if needed) the store in `directory` and loads what it holds.
    public init(directory: URL, maxTotalBytes: Int) throws {
        self.directory = directory
        self.maxTotalBytes = maxTotalBytes
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".tensor") {
            let name = String(file.dropLast(".tensor".count))
            guard TensorStore.isValid(name), let t = try? TensorFile.read(directory.appendingPathComponent(file)) else { continue }
            tensors[name] = t
            totalBytes += t.count * t.dtype.byteSize
        }
    }

    /// Names are 1–128 characters of letters, digits, `_`, `-` and `.` (not starting with `.`),
    /// so a name is always a safe file name.
    public static func isValid(_ name: String) -> Bool {
        guard (1...128).contains(name.utf8.count), !name.hasPrefix(".") else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45 || c == 46
        }
    }

    public func get(_ name: String) -> Tensor? {
        lock.lock(); defer { lock.unlock() }
        return tensors[name]
    }

    /// Stores `tensor` under `name`, replacing any previous one. Returns true if it was new.
    @discardableResult
    public func put(_ name: String, _ tensor: Tensor) throws -> Bool {
        try put([(name, tensor)])[0]
    }

    /// Stores every tensor, or none of them when they do not fit together (a name given
    /// twice keeps the last). Returns, for each, whether its name was new.
    @discardableResult
    public func put(_ items: [(name: String, tensor: Tensor)]) throws -> [Bool] {
        if let bad = items.first(where: { !TensorStore.isValid($0.name) }) { throw StoreError.invalidName(bad.name) }
        let tensors = items.map { ($0.name, $0.tensor.detached().contiguous()) }
        lock.lock(); defer { lock.unlock() }
        var sizes: [String: Int] = [:]
        for (name, t) in tensors { sizes[name] = t.count * t.dtype.byteSize }
        let previous = sizes.keys.reduce(0) { $0 + (self.tensors[$1].map { $0.count * $0.dtype.byteSize } ?? 0) }
        let bytes = sizes.values.reduce(0, +)
        guard totalBytes - previous + bytes <= maxTotalBytes else {
            throw StoreError.full(needed: bytes, limit: maxTotalBytes - (totalBytes - previous))
        }
        var created: [Bool] = []
        for (name, t) in tensors {
            try TensorFile.write(t, to: directory.appendingPathComponent("\(name).tensor"))
            let replaced = self.tensors.updateValue(t, forKey: name)
            totalBytes += t.count * t.dtype.byteSize - (replaced.map { $0.count * $0.dtype.byteSize } ?? 0)
            created.append(replaced == nil)
        }
        return created
    }

    public func delete(_ name: String) throws {
        lock.lock(); defer { lock.unlock() }
        guard let t = tensors.removeValue(forKey: name) else { throw StoreError.notFound(name) }
        totalBytes -= t.count * t.dtype.byteSize
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(name).tensor"))
    }

    public func list() -> [Entry] {
        lock.lock(); defer { lock.unlock() }
        return tensors.keys.sorted().map { n in
            let t = tensors[n]!
            return Entry(name: n, shape: t.shape, dtype: t.dtype, bytes: t.count * t.dtype.byteSize)
        }
    }

    public var usedBytes: Int {
        lock.lock(); defer { lock.unlock() }
        return totalBytes
    }
}

/// The on-disk form of a tensor: a one-line JSON header (`{"dtype":…,"shape":[…]}`)
/// followed by the raw little-endian elements.
enum TensorFile {
    struct Header: Codable { let dtype: DType; let shape: [Int] }

    static func encode(_ t: Tensor) throws -> Data {
        var data = try JSONEncoder().encode(Header(dtype: t.dtype, shape: t.shape))
        data.append(0x0A)
        let c = t.contiguous()
        data.append(Data(bytes: c.storage.pointer + c.offset * c.dtype.byteSize, count: c.count * c.dtype.byteSize))
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

    /// Writes to a temporary file and renames it over the target, so a crash never leaves
    /// half a tensor.
    static func write(_ t: Tensor, to url: URL) throws {
        try encode(t).write(to: url, options: .atomic)
    }

    static func read(_ url: URL) throws -> Tensor {
        try decode(Data(contentsOf: url))
    }
}
