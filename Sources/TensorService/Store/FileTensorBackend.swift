import Foundation
import TensorEngine

/// The tensor store of one node: one file per tensor in the data directory (replaced
/// atomically) and every tensor in memory, loaded when the server starts.
///
/// Durability is that of the job store (SQLite with `synchronous=NORMAL`): a stored tensor
/// survives a crash or kill of the process, and a file is never seen half-written; an OS crash
/// or power loss may lose the last writes, which nothing fsyncs (a file cut short fails its
/// length check at the next start and is skipped). An fsync would cost more than the upload.
final class FileTensorBackend: TensorStoreBackend, @unchecked Sendable {
    let directory: URL
    private let lock = NSLock()
    private var tensors: [String: Tensor] = [:]
    private var totalBytes = 0
    private var nextTemporary = 0

    /// Loads what `directory` holds (creating it); temporary files a crash left are removed.
    init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            // Tensor names never start with ".", so these are only ever the store's temporaries.
            if file.hasPrefix("."), file.hasSuffix(Self.temporarySuffix) {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(file))
            }
            guard file.hasSuffix(".tensor") else { continue }
            let name = String(file.dropLast(".tensor".count))
            guard TensorStore.isValid(name), let t = try? TensorFile.read(directory.appendingPathComponent(file)) else { continue }
            tensors[name] = t
            totalBytes += t.count * t.dtype.byteSize
        }
    }

    func get(_ name: String) -> Tensor? {
        lock.lock(); defer { lock.unlock() }
        return tensors[name]
    }

    /// The files are written outside the lock, so a large upload does not hold up the requests
    /// that read other tensors: each goes to a temporary file first, and the renames over the
    /// stored names happen under the lock together with the change to the map, after the room
    /// is checked again.
    func put(_ items: [(name: String, tensor: Tensor)], maxTotalBytes: Int) throws -> [Bool] {
        let serials = withLock {
            defer { nextTemporary += items.count }
            return nextTemporary..<nextTemporary + items.count
        }
        try withLock { try checkFits(items, maxTotalBytes) }
        let temporaries = zip(items, serials).map { item, serial in
            directory.appendingPathComponent(".\(item.name).\(serial)\(Self.temporarySuffix)")
        }
        var renamed = 0
        defer { for url in temporaries.dropFirst(renamed) { unlink(url.path) } }
        for ((_, t), url) in zip(items, temporaries) { try TensorFile.write(t, to: url) }
        return try withLock {
            try checkFits(items, maxTotalBytes)
            var created: [Bool] = []
            for ((name, t), url) in zip(items, temporaries) {
                let target = directory.appendingPathComponent("\(name).tensor").path
                let previousFile = Self.holdOpen(target)
                defer { Self.release(previousFile) }
                guard rename(url.path, target) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                renamed += 1
                let replaced = tensors.updateValue(t, forKey: name)
                totalBytes += t.count * t.dtype.byteSize - (replaced.map { $0.count * $0.dtype.byteSize } ?? 0)
                created.append(replaced == nil)
            }
            return created
        }
    }

    /// Under the lock.
    private func checkFits(_ items: [(name: String, tensor: Tensor)], _ maxTotalBytes: Int) throws {
        try TensorStore.checkFits(items, total: totalBytes, stored: { self.tensors[$0].map { $0.count * $0.dtype.byteSize } ?? 0 },
                                  limit: maxTotalBytes)
    }

    func delete(_ name: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard let t = tensors.removeValue(forKey: name) else { return false }
        totalBytes -= t.count * t.dtype.byteSize
        let path = directory.appendingPathComponent("\(name).tensor").path
        let removed = Self.holdOpen(path)
        unlink(path)
        Self.release(removed)
        return true
    }

    func list() -> [TensorStore.Entry] {
        lock.lock(); defer { lock.unlock() }
        return tensors.sorted { $0.key < $1.key }.map { n, t in
            TensorStore.Entry(name: n, shape: t.shape, dtype: t.dtype, bytes: t.count * t.dtype.byteSize)
        }
    }

    func usedBytes() -> Int {
        lock.lock(); defer { lock.unlock() }
        return totalBytes
    }

    private static let temporarySuffix = ".partial"

    /// Where replaced and deleted files are let go. The last close of a large file frees its
    /// pages and blocks, which on ext4 took 35–200 ms for 40 MB on this project's machine: a
    /// descriptor held across the rename or unlink moves that cost off the request.
    private static let reclaimer = DispatchQueue(label: "tensord.store.reclaim", qos: .background)

    /// A descriptor on the file at `path`, if there is one.
    private static func holdOpen(_ path: String) -> Int32 { open(path, O_RDONLY | O_CLOEXEC) }

    private static func release(_ fd: Int32) {
        guard fd >= 0 else { return }
        reclaimer.async { close(fd) }
    }

    private func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }
}
