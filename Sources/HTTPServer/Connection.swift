import Foundation

/// One client connection: a read buffer, the parser, the timing state, and what it could not send yet.
///
/// A connection lives on an event loop (`Connection+Event.swift`), which reads what arrived, runs the handlers
/// inline and answers without ever waiting. When answering would wait — a client that does not read, a
/// streamed response, a lingering close, a handler that outlived the loop's budget — the connection moves to a
/// thread of its own (`Connection+Thread.swift`), which blocks where it must and hands the connection back to
/// a loop once it is idle again. Both paths share the request processing below, so pipelined requests are
/// answered in order (RFC 9112 §9.3.2) whichever path serves them.
///
/// Unchecked `Sendable`: exactly one thread touches a connection at a time (its loop or its own thread), and
/// every hand-over between them goes through a lock or a thread start.
final class Connection: @unchecked Sendable {
    let socket: Socket
    let handle: ConnectionRegistry.Handle
    let server: HTTPServer
    var buffer = ReadBuffer()
    var parser: RequestParser
    var state: ConnectionState
    var continueSent = false
    var date = HTTPDate()
    /// The SO_RCVTIMEO currently set on the socket (thread mode).
    var receiveTimeout: Duration?
    /// Work that would have blocked an event loop, for the connection's thread to finish first.
    var pending: Pending?
    /// Set once the connection has half-closed and only discards what the client still sends.
    var lingerDeadline: ContinuousClock.Instant?
    var lingerDiscarded = 0

    /// What remains of a response (or of a `100 Continue`) and what follows it.
    struct Pending {
        /// Unsent output, in order: slices of the arrays emitted, so what a socket did not take is never copied.
        var output: [ArraySlice<UInt8>] = []
        var stream: (write: @Sendable (ResponseWriter) throws -> Void, request: Request, chunked: Bool)?
        var then: Then = .resume

        enum Then {
            /// Nothing was answered (a `100 Continue`): carry on reading the request.
            case resume
            /// The response is complete once sent: wait for the next request.
            case nextRequest
            /// The response is the last one.
            case close
        }
    }

    /// What the buffered bytes lead to.
    enum Step {
        /// No complete request is buffered: read more.
        case needBytes
        /// Close, half-closing and lingering first when `linger` (the server closes; the client may still send).
        case close(linger: Bool)
        /// `pending` holds work that blocks.
        case blocked
    }

    /// How long a closing connection keeps reading (and discarding) what the client still sends, so the
    /// client sees the response rather than a reset (RFC 9112 §9.6), and how much it discards at most.
    static let lingerTime: Duration = .seconds(1)
    static let lingerBytes = 4 * 1024 * 1024
    private static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    /// The largest body copied behind its response head to leave in one send.
    static let coalescedBodyBytes = 64 * 1024

    init(handle: ConnectionRegistry.Handle, server: HTTPServer) {
        socket = handle.socket
        self.handle = handle
        self.server = server
        parser = RequestParser(limits: server.configuration.parserLimits)
        state = ConnectionState(configuration: server.configuration, now: .now)
    }

    /// Parses and answers every complete request in the buffer. With `wait` false nothing blocks: output the
    /// socket does not take at once, and streamed responses, are left in `pending` (`.blocked`).
    func processBuffered(wait: Bool) throws(SocketError) -> Step {
        while !buffer.isEmpty {
            let request: Request
            if buffer.isCollectingBody {
                guard buffer.collectedBodyIsComplete else { return .needBytes }
                request = parser.complete(body: buffer.takeBody())
            } else {
                let result: RequestParser.Result
                do {
                    result = try buffer.withReadable { bytes throws(HTTPError) in try parser.parse(bytes) }
                } catch {
                    // A malformed request: answer it and close, never read past it (RFC 9112 §9.3; the bytes
                    // after a framing error cannot be trusted to start a request).
                    guard try emit(errorResponse(error), wait: wait) else { return blocked(then: .close) }
                    return .close(linger: true)
                }
                guard case .complete(let parsed, let consumed) = result else {
                    return try awaitBody(wait: wait)
                }
                buffer.consume(consumed)
                request = parsed
            }
            continueSent = false
            let keepAlive = try respond(to: request, wait: wait)
            if pending != nil { return blocked(then: keepAlive ? .nextRequest : .close) }
            guard keepAlive else { return .close(linger: true) }
            state.responseSent(now: .now, nextRequestBuffered: !buffer.isEmpty)
        }
        return .needBytes
    }

    /// The buffered bytes end inside a request: note a parsed head, read a large body apart, and answer
    /// `Expect: 100-continue`.
    private func awaitBody(wait: Bool) throws(SocketError) -> Step {
        guard parser.isReadingBody else { return .needBytes }
        state.headParsed(now: .now)
        // RFC 9110 §10.1.1: the client waits for 100 before sending the body.
        if parser.isAwaitingContinue, !continueSent {
            continueSent = true
            guard try emit(Self.continueResponse, wait: wait) else { return blocked(then: .resume) }
        }
        if let (headLength, bodyLength) = parser.pendingContentLength, !buffer.holds(headLength + bodyLength) {
            buffer.collectBody(afterHead: headLength, length: bodyLength)
        }
        return .needBytes
    }

    private func blocked(then: Pending.Then) -> Step {
        pending?.then = then
        return .blocked
    }

    /// Sends `bytes` (waiting, or as far as the socket takes them at once, keeping the rest in `pending`);
    /// false when some are left.
    func emit(_ bytes: [UInt8], wait: Bool) throws(SocketError) -> Bool {
        if pending == nil {
            let sent = try socket.send(bytes, wait: wait)
            if sent == bytes.count { return true }
            pending = Pending(output: [bytes[sent...]])
        } else {
            pending!.output.append(bytes[...])
        }
        return false
    }

    /// Calls the responder and sends its response (or the rendered error). A streamed response is left in
    /// `pending`: it is written on the connection's thread. Returns whether to keep the connection open.
    private func respond(to request: Request, wait: Bool) throws(SocketError) -> Bool {
        var response: Response
        do {
            response = try server.responder(request)
        } catch {
            response = server.render(HTTPError(wrapping: error), for: request)
        }
        var keepAlive = state.beginResponse(
            clientKeepsAlive: request.wantsKeepAlive, shuttingDown: server.registry.isShuttingDown)
        if response.headers.containsToken("close", in: "Connection") { keepAlive = false }
        let isHead = request.method == .head
        switch response.body {
        case .bytes(let body):
            let framing: Response.Framing = response.status.forbidsContent ? .none : .length(body.count)
            // RFC 9110 §9.3.2: HEAD gets the same header fields as GET, without content.
            let sendsBody = !isHead && !response.status.forbidsContent
            // A small body goes out with the head in one send; a large one is sent from its own array.
            let coalesced = sendsBody && body.count <= Self.coalescedBodyBytes
            var bytes: [UInt8] = []
            bytes.reserveCapacity(256 + (coalesced ? body.count : 0))
            response.appendHead(to: &bytes, framing: framing, connection: connectionHeader(request, keepAlive),
                                date: date.current())
            if coalesced { bytes.append(contentsOf: body) }
            _ = try emit(bytes, wait: wait)
            if sendsBody, !coalesced { _ = try emit(body, wait: wait) }  // after the head, or queued behind it
            return keepAlive
        case .stream(let write):
            // RFC 9112 §7.1: chunked is HTTP/1.1 only; an HTTP/1.0 client reads until close (§6.3 ¶8).
            let chunked = request.version == .http1_1
            if !chunked { keepAlive = false }
            var head: [UInt8] = []
            response.appendHead(to: &head, framing: chunked ? .chunked : .untilClose,
                                connection: connectionHeader(request, keepAlive), date: date.current())
            _ = try emit(head, wait: false)
            if !isHead { pending = pending ?? Pending(); pending!.stream = (write, request, chunked) }
            return keepAlive
        }
    }

    /// RFC 9112 §9.6: `close` when this is the last response; `keep-alive` to an HTTP/1.0 client that asked.
    private func connectionHeader(_ request: Request, _ keepAlive: Bool) -> String? {
        if !keepAlive { return "close" }
        return request.version == .http1_0 ? "keep-alive" : nil
    }

    /// The phase's deadline has passed: close an idle connection, answer 408 to a half-read request.
    func timeoutResponse() -> [UInt8]? {
        switch state.timeoutAction {
        case .close:
            return nil
        case .rejectAndClose:
            return errorResponse(HTTPError(.requestTimeout, status: .requestTimeout,
                                           message: "the request did not arrive in time"))
        }
    }

    func errorResponse(_ error: HTTPError) -> [UInt8] {
        var bytes: [UInt8] = []
        let response = server.render(error, for: nil)
        let body = response.bodyBytes ?? []
        response.appendHead(to: &bytes, framing: .length(body.count), connection: "close", date: date.current())
        bytes.append(contentsOf: body)
        return bytes
    }
}
