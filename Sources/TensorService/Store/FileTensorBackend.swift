import Foundation
import TensorEngine

/// The tensor store of one node: one file per tensor in the data directory (written
/// atomically) and every tensor in memory, loaded when the server starts.
final class FileTensorBackend: TensorStoreBackend, @unchecked Sendable {
    let directory: URL
    private let lock = NSLock()
    private var tensors: [String: Tensor] = [:]
    private var totalBytes = 0

    init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".tensor") {
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

    func put(_ items: [(name: String, tensor: Tensor)], maxTotalBytes: Int) throws -> [Bool] {
        lock.lock(); defer { lock.unlock() }
        try TensorStore.checkFits(items, total: totalBytes, stored: { self.tensors[$0].map { $0.count * $0.dtype.byteSize } ?? 0 },
                                  limit: maxTotalBytes)
        var created: [Bool] = []
        for (name, t) in items {
            try TensorFile.write(t, to: directory.appendingPathComponent("\(name).tensor"))
            let replaced = tensors.updateValue(t, forKey: name)
            totalBytes += t.count * t.dtype.byteSize - (replaced.map { $0.count * $0.dtype.byteSize } ?? 0)
            created.append(replaced == nil)
        }
        return created
    }

    func delete(_ name: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard let t = tensors.removeValue(forKey: name) else { return false }
        totalBytes -= t.count * t.dtype.byteSize
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(name).tensor"))
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
}
