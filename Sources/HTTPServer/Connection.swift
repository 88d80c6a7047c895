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
    /// Where the route's `BodyReceiver` stands on the body arriving now.
    var bodyOffer = BodyOffer.unasked
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
        /// Unsent output, in order: slices of the arrays emitted and of borrowed memory, so what a socket did not
        /// take is never copied.
        var output: [Output] = []
        var stream: (write: @Sendable (ResponseWriter) throws -> Void, request: Request, chunked: Bool)?
        var then: Then = .resume

        enum Output {
            case bytes(ArraySlice<UInt8>)
            case borrowed(BorrowedBytes)

            var count: Int {
                switch self {
                case .bytes(let bytes): bytes.count
                case .borrowed(let memory): memory.bytes.count
                }
            }

            /// Sends it (waiting, or as much as the socket takes at once); returns how many bytes went.
            func send(on socket: Socket, wait: Bool) throws(SocketError) -> Int {
                switch self {
                case .bytes(let bytes): try socket.send(bytes, wait: wait)
                case .borrowed(let memory): try socket.send(memory.bytes, wait: wait)
                }
            }

            func dropFirst(_ count: Int) -> Output {
                switch self {
                case .bytes(let bytes): .bytes(bytes.dropFirst(count))
                case .borrowed(let memory): .borrowed(memory.dropFirst(count))
                }
            }
        }

        enum Then {
            /// Nothing was answered (a `100 Continue`): carry on reading the request.
            case resume
            /// The response is complete once sent: wait for the next request.
            case nextRequest
            /// The response is the last one.
            case close
        }
    }

    /// The body of the request being read and the route's receiver (`BodyReceiver`).
    enum BodyOffer {
        /// Not offered yet (or no body is arriving).
        case unasked
        /// The receiver needs more of the body's first bytes before it places it.
        case waiting(any BodyReceiver)
        /// The receiver placed the body: it arrives in its memory.
        case taken(any BodyReceiver)
        /// No receiver, or it declined: the body is read as usual.
        case declined
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
                let body = buffer.takeBody()
                do {
                    if case .taken(let receiver) = bodyOffer {
                        request = try parser.complete(receivedBy: receiver)
                    } else {
                        request = try parser.complete(body: body)
                    }
                } catch {
                    return try refuse(error, wait: wait)
                }
            } else {
                let result: RequestParser.Result
                do {
                    result = try buffer.withReadable { bytes throws(HTTPError) in try parser.parse(bytes) }
                } catch {
                    return try refuse(error, wait: wait)
                }
                guard case .complete(let parsed, let consumed) = result else {
                    return try awaitBody(wait: wait)
                }
                buffer.consume(consumed)
                request = parsed
            }
            continueSent = false
            bodyOffer = .unasked
            let keepAlive = try respond(to: request, wait: wait)
            if pending != nil { return blocked(then: keepAlive ? .nextRequest : .close) }
            guard keepAlive else { return .close(linger: true) }
            state.responseSent(now: .now, nextRequestBuffered: !buffer.isEmpty)
        }
        return .needBytes
    }

    /// The buffered bytes end inside a request: note a parsed head, answer `Expect: 100-continue`, and read the
    /// body into the route's receiver or, when it is large, apart.
    private func awaitBody(wait: Bool) throws(SocketError) -> Step {
        guard parser.isReadingBody else { return .needBytes }
        state.headParsed(now: .now)
        // RFC 9110 §10.1.1: the client waits for 100 before sending the body.
        if parser.isAwaitingContinue, !continueSent {
            continueSent = true
            guard try emit(Self.continueResponse, wait: wait) else { return blocked(then: .resume) }
        }
        if let (headLength, bodyLength) = parser.pendingContentLength,
           !offerBody(headLength: headLength, bodyLength: bodyLength), !buffer.holds(headLength + bodyLength) {
            buffer.collectBody(afterHead: headLength, length: bodyLength)
        }
        return .needBytes
    }

    /// Offers the arriving body (`bodyLength` bytes after a head of `headLength`) to the route's receiver, which
    /// sees its first bytes and is asked again as more arrive while it needs more. True while the receiver waits
    /// or has placed the body (it is then read into the receiver's memory); false once there is none or it
    /// declined, or placed the body against the rules.
    private func offerBody(headLength: Int, bodyLength: Int) -> Bool {
        let receiver: any BodyReceiver
        switch bodyOffer {
        case .declined, .taken: return false
        case .waiting(let waiting): receiver = waiting
        case .unasked:
            guard let request = parser.pendingRequest, let offered = server.bodyReceiver?(request) else {
                bodyOffer = .declined
                return false
            }
            receiver = offered
        }
        let (arrived, placement) = buffer.withReadable { bytes in
            let arrived = min(bytes.count - headLength, bodyLength)
            let prefix = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[headLength..<headLength + arrived]))
            return (arrived, receiver.place(prefix: prefix, bodyLength: bodyLength))
        }
        switch placement {
        case .needMore where arrived < BodyPlacement.maxPrefixBytes:
            bodyOffer = .waiting(receiver)
            return true
        case .into(let memory, let from) where (0...arrived).contains(from) && memory.count == bodyLength - from:
            bodyOffer = .taken(receiver)
            buffer.placeBody(afterHead: headLength, length: bodyLength, from: from, into: memory)
            return true
        case .needMore, .into, .decline:
            bodyOffer = .declined
            return false
        }
    }

    private func blocked(then: Pending.Then) -> Step {
        pending?.then = then
        return .blocked
    }

    /// Sends `bytes` (waiting, or as far as the socket takes them at once, keeping the rest in `pending`);
    /// false when some are left.
    func emit(_ bytes: [UInt8], wait: Bool) throws(SocketError) -> Bool {
        try emit(.bytes(bytes[...]), wait: wait)
    }

    /// `emit` for an array slice or borrowed memory.
    func emit(_ part: Pending.Output, wait: Bool) throws(SocketError) -> Bool {
        guard pending == nil else {
            pending!.output.append(part)
            return false
        }
        let sent = try part.send(on: socket, wait: wait)
        if sent == part.count { return true }
        pending = Pending(output: [part.dropFirst(sent)])
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
        switch response.body {
        case .bytes(let body):
            // A small body goes out with the head in one send; a large one is sent from its own array.
            let coalesced = body.count <= Self.coalescedBodyBytes
            try emit(response, to: request, keepAlive: keepAlive, length: body.count,
                     prefix: coalesced ? body : [], rest: coalesced ? nil : .bytes(body[...]), wait: wait)
            return keepAlive
        case .borrowed(let prefix, let memory):
            let length = prefix.count + memory.bytes.count
            let coalesced = length <= Self.coalescedBodyBytes
            try emit(response, to: request, keepAlive: keepAlive, length: length,
                     prefix: coalesced ? prefix + memory.bytes : prefix, rest: coalesced ? nil : .borrowed(memory), wait: wait)
            return keepAlive
        case .stream(let write):
            // RFC 9112 §7.1: chunked is HTTP/1.1 only; an HTTP/1.0 client reads until close (§6.3 ¶8).
            let chunked = request.version == .http1_1
            if !chunked { keepAlive = false }
            var head: [UInt8] = []
            response.appendHead(to: &head, framing: chunked ? .chunked : .untilClose,
                                connection: connectionHeader(request, keepAlive), date: date.current())
            _ = try emit(head, wait: false)
            if request.method != .head { pending = pending ?? Pending(); pending!.stream = (write, request, chunked) }
            return keepAlive
        }
    }

    /// Sends the head of a response whose body is `length` bytes, with `prefix` (the body's first bytes) behind it in
    /// the same send, then `rest`: no body for HEAD (RFC 9110 §9.3.2: the same fields as GET) or a status without
    /// content.
    private func emit(_ response: Response, to request: Request, keepAlive: Bool, length: Int, prefix: [UInt8],
                      rest: Pending.Output?, wait: Bool) throws(SocketError) {
        let sendsBody = request.method != .head && !response.status.forbidsContent
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + (sendsBody ? prefix.count : 0))
        response.appendHead(to: &bytes, framing: response.status.forbidsContent ? .none : .length(length),
                            connection: connectionHeader(request, keepAlive), date: date.current())
        if sendsBody { bytes.append(contentsOf: prefix) }
        _ = try emit(bytes, wait: wait)
        if sendsBody, let rest { _ = try emit(rest, wait: wait) }  // after the head, or queued behind it
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

    /// A malformed request: answer it and close, never read past it (RFC 9112 §9.3; the bytes after a
    /// framing error cannot be trusted to start a request).
    private func refuse(_ error: HTTPError, wait: Bool) throws(SocketError) -> Step {
        guard try emit(errorResponse(error), wait: wait) else { return blocked(then: .close) }
        return .close(linger: true)
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
