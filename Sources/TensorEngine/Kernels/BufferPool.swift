import Foundation

/// Recycles large freed tensor buffers. A fresh 40 MB output costs ~10,000 page faults
/// (about as long as the arithmetic that fills it); a training step or a repeated request
/// allocates the same sizes again and again, so freed buffers of ≥ 1 MiB are kept (at most
/// `limit` bytes, 8 buffers, oldest dropped first) and handed out again for the same byte count.
/// New large buffers ask for transparent huge pages, as NumPy does. `TENSORD_BUFFER_POOL_MB`
/// sets the limit (0 turns recycling off; default 256).
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()

    static let minBytes = 1 << 20
    let limit: Int
    private let lock = NSLock()
    private var free: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []
    private var held = 0

    private init() {
        let mb = ProcessInfo.processInfo.environment["TENSORD_BUFFER_POOL_MB"].flatMap { Int($0) } ?? 256
        limit = max(0, mb) << 20
    }

    /// An uninitialised 64-byte aligned buffer of `bytes` bytes.
    func allocate(_ bytes: Int) -> UnsafeMutableRawPointer {
        if bytes >= Self.minBytes && limit > 0 {
            lock.lock()
            if let i = free.lastIndex(where: { $0.bytes == bytes }) {
                let p = free.remove(at: i).pointer
                held -= bytes
                lock.unlock()
                return p
            }
            lock.unlock()
        }
        let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        if bytes >= Self.minBytes { Self.adviseHugePages(p, bytes) }
        return p
    }

    /// Returns a buffer from `allocate`: kept for reuse when large and within the limit.
    func release(_ p: UnsafeMutableRawPointer, _ bytes: Int) {
        guard bytes >= Self.minBytes && bytes <= limit else { p.deallocate(); return }
        var dropped: [UnsafeMutableRawPointer] = []
        lock.lock()
        while !free.isEmpty && (held + bytes > limit || free.count >= 8) {
            let old = free.removeFirst()
            held -= old.bytes
            dropped.append(old.pointer)
        }
        free.append((p, bytes))
        held += bytes
        lock.unlock()
        for d in dropped { d.deallocate() }
    }

    /// Asks the kernel to back the buffer with 2 MiB pages where it can (Linux THP in
    /// `madvise` mode): ~20 faults instead of ~10,000 for 40 MB.
    private static func adviseHugePages(_ p: UnsafeMutableRawPointer, _ bytes: Int) {
        #if os(Linux)
        let page = 4096
        let start = (Int(bitPattern: p) + page - 1) & ~(page - 1)
        let end = (Int(bitPattern: p) + bytes) & ~(page - 1)
        if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, 14 /* MADV_HUGEPAGE */) }
        #endif
    }
}
