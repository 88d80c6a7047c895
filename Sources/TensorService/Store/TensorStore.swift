import Foundation
import TensorEngine

/// Named tensors, bounded in total bytes, kept by a backend: files in the data directory
/// (`FileTensorBackend`, the default, loaded again when the server restarts) or rows of the
/// shared PostgreSQL database (`PostgresTensorBackend`, for several nodes).
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

    /// Replaced files the file store keeps to write later uploads over (`FileTensorBackend`):
    /// the disk it may hold beyond its tensors' files.
    public struct SpareLimits: Sendable, Equatable {
        /// Spare files at most (`--max-store-spares`; 0 keeps none).
        public var files = 2
        /// Bytes of all spare files together at most (`--max-store-spare-bytes`).
        public var bytes = 256 << 20
        public init() {}
    }

    public let maxTotalBytes: Int
    let backend: TensorStoreBackend

    /// Opens (creating if needed) the store in `directory` and loads what it holds.
    public convenience init(directory: URL, maxTotalBytes: Int, spareLimits: SpareLimits = .init()) throws {
        self.init(backend: try FileTensorBackend(directory: directory, spareLimits: spareLimits), maxTotalBytes: maxTotalBytes)
    }

    init(backend: TensorStoreBackend, maxTotalBytes: Int) {
        self.backend = backend
        self.maxTotalBytes = maxTotalBytes
    }

    /// Names are 1–128 characters of letters, digits, `_`, `-` and `.` (not starting with `.`),
    /// so a name is always a safe file name.
    public static func isValid(_ name: String) -> Bool {
        guard (1...128).contains(name.utf8.count), !name.hasPrefix(".") else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45 || c == 46
        }
    }

    public func get(_ name: String) throws -> Tensor? {
        try backend.get(name)
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
        return try backend.put(items.map { ($0.name, $0.tensor.detached().contiguous()) }, maxTotalBytes: maxTotalBytes)
    }

    public func delete(_ name: String) throws {
        guard try backend.delete(name) else { throw StoreError.notFound(name) }
    }

    /// The stored tensors, sorted by name.
    public func list() throws -> [Entry] {
        try backend.list()
    }

    public var usedBytes: Int {
        get throws { try backend.usedBytes() }
    }

    /// Of `items` (a name may come twice; the last counts), the bytes the store would hold in
    /// all if they replaced what `stored` says each name holds now; `StoreError.full` if that
    /// passes `limit`. Both backends check a put with it, under their own lock.
    static func checkFits(_ items: [(name: String, tensor: Tensor)], total: Int, stored: (String) -> Int, limit: Int) throws {
        var sizes: [String: Int] = [:]
        for (name, t) in items { sizes[name] = t.count * t.dtype.byteSize }
        let previous = sizes.keys.reduce(0) { $0 + stored($1) }
        let bytes = sizes.values.reduce(0, +)
        guard total - previous + bytes <= limit else { throw StoreError.full(needed: bytes, limit: limit - (total - previous)) }
    }
}

/// Where a tensor store keeps its tensors. `put` gets detached, contiguous tensors with valid
/// names and stores all or none, checking the total against `maxTotalBytes` atomically.
protocol TensorStoreBackend: AnyObject, Sendable {
    func get(_ name: String) throws -> Tensor?
    /// Returns, for each item, whether its name was new.
    func put(_ items: [(name: String, tensor: Tensor)], maxTotalBytes: Int) throws -> [Bool]
    /// False if there was no such tensor.
    func delete(_ name: String) throws -> Bool
    /// Sorted by name.
    func list() throws -> [TensorStore.Entry]
    func usedBytes() throws -> Int
}
