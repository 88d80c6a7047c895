import Foundation

/// A connection's receive buffer: bytes are read in large blocks (never one per syscall) and handed to the
/// parser as one contiguous region starting at the current request. The memory is taken at the first read and
/// can be given back while empty (`release`), so a connection waiting for a request holds none.
///
/// A body with a Content-Length that the buffer cannot hold is read apart (`collectBody`): straight from the
/// socket into one array of exactly its size, which becomes the request's body. Such a body is never copied
/// between its arrival and its handler, and the buffer never grows for it. A body a `BodyReceiver` placed is
/// read the same way into the receiver's memory (`placeBody`).
struct ReadBuffer {
    private var storage: [UInt8] = []
    private var start = 0
    private var end = 0
    /// The body being read apart (into an array of its own, or into a receiver's memory), and how much of it has
    /// arrived.
    private var body: [UInt8]?
    private var placed: UnsafeMutableRawBufferPointer?
    private var bodyReceived = 0
    private let initialCapacity: Int
    /// The least free space offered to one `recv`: small enough that a head at the default limits (8 KiB
    /// request-line, 16 KiB of fields) fits the first buffer without doubling it, which a slowloris holding
    /// thousands of heads would otherwise make every connection pay.
    private static let minimumReadSize = 8 * 1024

    init(capacity: Int = 32 * 1024) {
        initialCapacity = max(capacity, Self.minimumReadSize)
    }

    /// True when nothing is buffered and no body is being read apart.
    var isEmpty: Bool { start == end && !isCollectingBody }

    /// Whether a request of `count` bytes, starting at the readable bytes, fits the memory already taken.
    func holds(_ count: Int) -> Bool { storage.count - start >= count }

    /// Reads the `length` bytes of body that follow the first `headLength` readable bytes (a head the parser
    /// holds) into an array of their own: the body bytes already here move there, the head's are dropped, and
    /// `receive` fills the rest. Its pages are taken as bytes arrive, as the buffer's would be; `length` is
    /// within the body limit the parser enforced on the head.
    mutating func collectBody(afterHead headLength: Int, length: Int) {
        let arrived = min(end - start - headLength, length)
        let readable = start + headLength
        body = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            storage.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[readable..<readable + arrived]))
            }
            initialized = length
        }
        bodyReceived = arrived
        consume(headLength + arrived)
    }

    /// Reads the body that follows the first `headLength` readable bytes, of `length` bytes, into `memory` from its
    /// offset `from` on (a receiver's placement: `memory` holds exactly `length - from` bytes, and `from` is at most
    /// the body bytes already here): those already here move there, and `receive` fills the rest.
    mutating func placeBody(afterHead headLength: Int, length: Int, from offset: Int, into memory: UnsafeMutableRawBufferPointer) {
        let arrived = min(end - start - headLength, length)
        let readable = start + headLength
        storage.withUnsafeBytes { bytes in
            memory.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[readable + offset..<readable + arrived]))
        }
        placed = memory
        bodyReceived = arrived - offset
        consume(headLength + arrived)
    }

    /// Whether a body is being read apart.
    var isCollectingBody: Bool { body != nil || placed != nil }

    /// Whether all of the body read apart has arrived.
    var collectedBodyIsComplete: Bool { bodyReceived == (body?.count ?? placed?.count) }

    /// Hands over the body read apart (all of it has arrived): the array, or nothing when it went to a receiver.
    mutating func takeBody() -> [UInt8] {
        defer { body = nil; placed = nil; bodyReceived = 0 }
        return body ?? []
    }

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

    /// Drops every readable byte, and any body being read apart.
    mutating func removeAll() {
        body = nil
        placed = nil
        bodyReceived = 0
        consume(end - start)
    }

    /// Reads what the socket has into the free space, first compacting or growing it. 0 means end of stream;
    /// nil means the receive timeout expired (or, without waiting, that nothing was there).
    mutating func receive(from socket: Socket, wait: Bool = true) throws(SocketError) -> Int? {
        if body != nil, bodyReceived < body!.count { return try receiveBody(from: socket, wait: wait) }
        if let placed, bodyReceived < placed.count {
            let count = try socket.receive(into: UnsafeMutableRawBufferPointer(rebasing: placed[bodyReceived...]), wait: wait)
            bodyReceived += count ?? 0
            return count
        }
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

    /// Reads into the rest of the body being read apart, never past its end: what follows is the next request's,
    /// which `receive` reads into the buffer.
    private mutating func receiveBody(from socket: Socket, wait: Bool) throws(SocketError) -> Int? {
        let offset = bodyReceived
        let result = body!.withUnsafeMutableBytes { bytes in
            Result { () throws(SocketError) in
                try socket.receive(into: UnsafeMutableRawBufferPointer(rebasing: bytes[offset...]), wait: wait)
            }
        }
        let count = try result.get()
        bodyReceived += count ?? 0
        return count
    }

    /// Runs `body` over the readable bytes.
    func withReadable<T, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> T) throws(E) -> T {
        let result = storage.withUnsafeBufferPointer { buffer in
            Result { () throws(E) in try body(UnsafeBufferPointer(rebasing: buffer[start..<end])) }
        }
        return try result.get()
    }
}
