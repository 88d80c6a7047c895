import Foundation

/// A pure HTTP/1.1 request parser (RFC 9112): bytes in, a request and the number of bytes it used out.
///
/// ```swift
/// var parser = RequestParser(limits: ParserLimits())
/// switch try parser.parse(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)) {
/// case .complete(let request, let consumed): …   // the next request starts at `consumed`
/// case .incomplete: …                            // call again with the same bytes and more
/// }
/// ```
///
/// It does no I/O. Once a head is parsed it remembers it (and how far a chunked body has been decoded), so a
/// large body arriving in many reads is scanned once; call `parse` again with the same bytes plus the new
/// ones. After `.complete` or a thrown error it starts afresh at the next request.
public struct RequestParser: Sendable {
    public enum Result: Sendable {
        case complete(Request, consumed: Int)
        case incomplete
    }

    public let limits: ParserLimits
    private var pending: Pending?

    /// The head of the request being read, and how far its body has arrived.
    struct Pending {
        var head: Head
        /// For a chunked body: where the next chunk-size line starts.
        var chunkOffset: Int
        var body: [UInt8] = []
    }

    /// A parsed request head: request-line and field section, with the body's framing decided.
    struct Head {
        var request: Request
        var framing: Framing
        var expectsContinue: Bool
        /// Bytes from the buffer's start to the end of the empty line closing the field section.
        var length: Int
    }

    /// How the body's length is determined (RFC 9112 §6.3).
    enum Framing: Equatable {
        case none
        case length(Int)
        case chunked
    }

    public init(limits: ParserLimits = ParserLimits()) {
        self.limits = limits
    }

    /// True while a head is parsed and its body has not fully arrived.
    public var isReadingBody: Bool { pending != nil }

    /// True when the pending request sent `Expect: 100-continue` (HTTP/1.1) and its body has not fully arrived:
    /// the server should answer `100 Continue` before the client sends it (RFC 9110 §10.1.1).
    public var isAwaitingContinue: Bool { pending?.head.expectsContinue ?? false }

    /// Parses one request from the start of `bytes`.
    public mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> Result {
        do {
            return try parseOrThrow(bytes)
        } catch {
            pending = nil
            throw error
        }
    }

    /// Parses one request from the start of `bytes`.
    public mutating func parse(_ bytes: [UInt8]) throws(HTTPError) -> Result {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Swift.Result { () throws(HTTPError) -> Result in try parse(buffer) }
        }
        return try result.get()
    }

    /// For a pending request framed by Content-Length (RFC 9112 §6.3 ¶6): the bytes of its head and of its
    /// body. The caller may then read the body itself and finish with `complete(body:)`.
    public var pendingContentLength: (headLength: Int, bodyLength: Int)? {
        guard let pending, case .length(let length) = pending.head.framing else { return nil }
        return (pending.head.length, length)
    }

    /// Completes the pending Content-Length request with its body, read by the caller rather than passed through
    /// `parse`: a large body then goes from the socket into one array of its size and into the request, with no
    /// copy (the connection's `ReadBuffer.collectBody`).
    /// A body that is not the pending request's is a framing error (a caller's bug, answered, never a trap).
    public mutating func complete(body: [UInt8]) throws(HTTPError) -> Request {
        guard let pending, case .length(let length) = pending.head.framing, body.count == length else {
            throw .badRequest(.invalidFraming, "the body does not match the pending request's Content-Length")
        }
        return finish(pending.head, body: body)
    }

    /// Completes the pending Content-Length request whose body `receiver` took (`BodyReceiver`): the request's
    /// `body` is empty and its `bodyReceiver` set.
    mutating func complete(receivedBy receiver: any BodyReceiver) throws(HTTPError) -> Request {
        guard let pending, case .length = pending.head.framing else {
            throw .badRequest(.invalidFraming, "no pending request framed by Content-Length")
        }
        var request = finish(pending.head, body: [])
        request.bodyReceiver = receiver
        return request
    }

    /// The head of the request whose body is arriving, for the route to offer a `BodyReceiver`.
    var pendingRequest: Request? { pending?.head.request }

    private mutating func parseOrThrow(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> Result {
        let head: Head
        if let pending {
            head = pending.head
        } else if let parsed = try parseHead(bytes) {
            head = parsed
        } else {
            return .incomplete
        }
        switch head.framing {
        case .none:
            return complete(head, body: [], consumed: head.length)
        case .length(let length):
            // §6.3 ¶6: with a valid Content-Length, the body is exactly that many bytes.
            guard bytes.count - head.length >= length else {
                pending = Pending(head: head, chunkOffset: head.length)
                return .incomplete
            }
            let body = Array(UnsafeBufferPointer(rebasing: bytes[head.length..<head.length + length]))
            return complete(head, body: body, consumed: head.length + length)
        case .chunked:
            var state = pending ?? Pending(head: head, chunkOffset: head.length)
            guard let (trailers, end) = try decodeChunks(bytes, into: &state) else {
                pending = state
                return .incomplete
            }
            var request = head.request
            request.trailers = trailers
            return complete(Head(request: request, framing: .chunked, expectsContinue: false, length: head.length),
                            body: state.body, consumed: end)
        }
    }

    private mutating func complete(_ head: Head, body: [UInt8], consumed: Int) -> Result {
        .complete(finish(head, body: body), consumed: consumed)
    }

    private mutating func finish(_ head: Head, body: [UInt8]) -> Request {
        pending = nil
        var request = head.request
        request.body = body
        return request
    }

    /// The index of the first LF in `bytes[from..<min(end, bytes.count)]`.
    static func firstLF(in bytes: UnsafeBufferPointer<UInt8>, from: Int, end: Int) -> Int? {
        let end = min(end, bytes.count)
        guard from < end, let base = bytes.baseAddress,
              let found = memchr(base + from, Int32(ASCII.lf), end - from)
        else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }
}
