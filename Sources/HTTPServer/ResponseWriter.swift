/// Writes a streamed response body, such as Server-Sent Events. Bytes are buffered until `flush()` (or until
/// 64 KiB accumulate) and then sent as one chunk (RFC 9112 §7.1). When the client has gone, `write` or `flush`
/// throws a `SocketError`, which ends a streaming loop.
///
/// A writer belongs to the connection's thread: use it only inside the stream closure.
public final class ResponseWriter {
    private let socket: Socket
    private let chunked: Bool
    private var pending: [UInt8] = []
    private static let flushThreshold = 64 * 1024

    init(socket: Socket, chunked: Bool) {
        self.socket = socket
        self.chunked = chunked
    }

    public func write(_ bytes: some Sequence<UInt8>) throws(SocketError) {
        pending.append(contentsOf: bytes)
        if pending.count >= Self.flushThreshold { try flush() }
    }

    public func write(_ text: String) throws(SocketError) {
        try write(text.utf8)
    }

    /// Sends what has been written so far.
    public func flush() throws(SocketError) {
        guard !pending.isEmpty else { return }
        var frame: [UInt8] = []
        appendChunk(to: &frame)
        try socket.send(frame)
    }

    /// Sends the rest and, when chunked, the last-chunk with an empty trailer section, in one `send`.
    func finish() throws(SocketError) {
        var frame: [UInt8] = []
        appendChunk(to: &frame)
        if chunked { frame.append(contentsOf: "0\r\n\r\n".utf8) }
        if !frame.isEmpty { try socket.send(frame) }
    }

    /// chunk = chunk-size CRLF chunk-data CRLF (RFC 9112 §7.1).
    private func appendChunk(to frame: inout [UInt8]) {
        guard !pending.isEmpty else { return }
        if chunked {
            frame.reserveCapacity(pending.count + 32)
            frame.append(contentsOf: "\(String(pending.count, radix: 16))\r\n".utf8)
            frame.append(contentsOf: pending)
            frame.append(contentsOf: "\r\n".utf8)
        } else {
            frame.append(contentsOf: pending)
        }
        pending.removeAll(keepingCapacity: true)
    }
}
