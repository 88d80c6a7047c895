import Foundation

/// A connection's receive buffer: bytes are read in large blocks (never one per syscall) and handed to the
/// parser as one contiguous region starting at the current request. The memory is taken at the first read and
/// can be given back while empty (`release`), so a connection waiting for a request holds none.
struct ReadBuffer {
    private var storage: [UInt8] = []
    private var start = 0
    private var end = 0
    private let initialCapacity: Int
    /// The least free space offered to one `recv`: small enough that a head at the default limits (8 KiB
    /// request-line, 16 KiB of fields) fits the first buffer without doubling it, which a slowloris holding
    /// thousands of heads would otherwise make every connection pay.
    private static let minimumReadSize = 8 * 1024

    init(capacity: Int = 32 * 1024) {
        initialCapacity = max(capacity, Self.minimumReadSize)
    }

    var isEmpty: Bool { start == end }

    /// Drops the first `count` readable bytes (a request the parser consumed).
    mutating func consume(_ count: Int) {
        start += count
        if start == end {
            start = 0
            end = 0
            // Give back the memory a large body needed.
            if storage.count > initialCapacity * 4 { storage = Self.allocate(initialCapacity) }
        }
    }

    /// Gives the memory back when nothing is buffered; the next `receive` takes it again.
    mutating func release() {
        if isEmpty { storage = [] }
    }

    /// Bytes `recv` will overwrite: not zeroed, so a buffer costs only the pages a request touches.
    private static func allocate(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Drops every readable byte.
    mutating func removeAll() {
        consume(end - start)
    }

    /// Reads what the socket has into the free space, first compacting or growing it. 0 means end of stream;
    /// nil means the receive timeout expired (or, without waiting, that nothing was there).
    mutating func receive(from socket: Socket, wait: Bool = true) throws(SocketError) -> Int? {
        if storage.count - end < Self.minimumReadSize {
            if start > 0 {
                storage.withUnsafeMutableBytes { bytes in
                    _ = memmove(bytes.baseAddress!, bytes.baseAddress! + start, end - start)
                }
                end -= start
                start = 0
            }
            if storage.isEmpty {
                storage = Self.allocate(initialCapacity)
            } else if storage.count - end < Self.minimumReadSize {
                storage.append(contentsOf: repeatElement(0, count: storage.count))
            }
        }
        let freeStart = end
        let result = storage.withUnsafeMutableBytes { bytes in
            Result { () throws(SocketError) in
                try socket.receive(into: UnsafeMutableRawBufferPointer(rebasing: bytes[freeStart...]), wait: wait)
            }
        }
        let count = try result.get()
        end += count ?? 0
        return count
    }

    /// Runs `body` over the readable bytes.
    func withReadable<T>(_ body: (UnsafeBufferPointer<UInt8>) throws(HTTPError) -> T) throws(HTTPError) -> T {
        let result = storage.withUnsafeBufferPointer { buffer in
            Result { () throws(HTTPError) in try body(UnsafeBufferPointer(rebasing: buffer[start..<end])) }
        }
        return try result.get()
    }
}
