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
    /// Files of replaced tensors, kept under temporary names for uploads of about their size to
    /// write over (`TensorFile.write(overwriting:)`). On ext4 writing over a file's pages costs
    /// about half of writing new ones: no pages to allocate, no blocks to reserve, and the
    /// replaced file's pages need not be freed (perf, README). At most `spareLimits.files`, each
    /// of at least `minSpareBytes` and all together at most `spareLimits.bytes`: the disk space
    /// the store may hold beyond its tensors. Removed at the next start like any temporary file.
    private var spares: [(url: URL, bytes: Int)] = []
    let spareLimits: TensorStore.SpareLimits
    /// Smaller files are cheap to write new; keeping them would only take a spare's place.
    static let minSpareBytes = 1 << 20
    /// How much larger than a tensor's file a spare may be to be written over (the rest is cut).
    static let spareSlack = 1 << 20

    /// Loads what `directory` holds (creating it); temporary files a crash left are removed.
    init(directory: URL, spareLimits: TensorStore.SpareLimits = .init()) throws {
        self.directory = directory
        self.spareLimits = spareLimits
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
    /// that read other tensors: each goes to a temporary file first (a spare of about its size
    /// when there is one), and the renames over the stored names happen under the lock together
    /// with the change to the map, after the room is checked again.
    func put(_ items: [(name: String, tensor: Tensor)], maxTotalBytes: Int) throws -> [Bool] {
        let sizes = try items.map { try TensorFile.size(of: $0.tensor) }
        let (serials, reused) = try withLock {
            try checkFits(items, maxTotalBytes)
            defer { nextTemporary += items.count }
            return (nextTemporary..<nextTemporary + items.count, sizes.map(takeSpare))
        }
        let temporaries = zip(zip(items, serials), reused).map { item, spare in
            spare ?? directory.appendingPathComponent(".\(item.0.name).\(item.1)\(Self.temporarySuffix)")
        }
        var renamed = 0
        defer { for url in temporaries.dropFirst(renamed) { unlink(url.path) } }
        for ((_, t), (url, spare)) in zip(items, zip(temporaries, reused)) { try TensorFile.write(t, to: url, overwriting: spare != nil) }
        return try withLock {
            try checkFits(items, maxTotalBytes)
            var created: [Bool] = []
            for ((name, t), url) in zip(items, temporaries) {
                try moveIntoPlace(url, as: directory.appendingPathComponent("\(name).tensor"))
                renamed += 1
                let replaced = tensors.updateValue(t, forKey: name)
                totalBytes += t.count * t.dtype.byteSize - (replaced.map { $0.count * $0.dtype.byteSize } ?? 0)
                created.append(replaced == nil)
            }
            return created
        }
    }

    /// Under the lock: `temporary` becomes `target`. A file already there is swapped with it
    /// atomically, so the name always holds a whole tensor, and is kept as a spare or let go
    /// off the request path. Swapping also spares the request ext4's writeback of a file renamed
    /// over another (`auto_da_alloc`). Where the swap is not possible, a plain rename.
    private func moveIntoPlace(_ temporary: URL, as target: URL) throws {
        if RenameExchange.swap(temporary.path, target.path) {
            // `temporary` names the replaced file now.
            var info = stat()
            if stat(temporary.path, &info) == 0, keepSpare(temporary, bytes: Int(info.st_size)) { return }
            let replaced = Self.holdOpen(temporary.path)
            unlink(temporary.path)
            Self.release(replaced)
            return
        }
        let previousFile = Self.holdOpen(target.path)
        defer { Self.release(previousFile) }
        guard rename(temporary.path, target.path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Under the lock: a spare to write a file of `bytes` over, taken from the spares.
    private func takeSpare(_ bytes: Int) -> URL? {
        guard let k = spares.firstIndex(where: { $0.bytes >= bytes && $0.bytes - bytes <= Self.spareSlack }) else { return nil }
        return spares.remove(at: k).url
    }

    /// Under the lock: keeps the file at `url` as a spare if it is large enough and there is room.
    private func keepSpare(_ url: URL, bytes: Int) -> Bool {
        let held = spares.reduce(0) { $0 + $1.bytes }
        guard bytes >= Self.minSpareBytes, spares.count < spareLimits.files, held + bytes <= spareLimits.bytes else { return false }
        spares.append((url, bytes))
        return true
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
