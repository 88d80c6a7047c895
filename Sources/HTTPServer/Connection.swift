import Foundation

/// Serves one client connection on its own thread: reads into a buffer (blocking `recv` bounded by the current
/// phase's deadline), parses requests, calls the responder, writes responses in order (so pipelined requests
/// are answered in order, RFC 9112 §9.3.2), and closes on `Connection: close`, a bad request, a timeout, or
/// shutdown.
///
/// Unchecked `Sendable`: it is created on the accept thread and handed once to its own thread, the only one
/// that touches its state afterwards.
final class Connection: @unchecked Sendable {
    private let socket: Socket
    private let handle: ConnectionRegistry.Handle
    private let server: HTTPServer
    private var buffer = ReadBuffer()
    private var parser: RequestParser
    private var state: ConnectionState
    private var continueSent = false
    private var date = HTTPDate()
    /// The SO_RCVTIMEO currently set on the socket.
    private var receiveTimeout: Duration?

    /// How long a closing connection keeps reading (and discarding) what the client still sends, so the
    /// client sees the response rather than a reset (RFC 9112 §9.6), and how much it discards at most.
    private static let lingerTime: Duration = .seconds(1)
    private static let lingerBytes = 4 * 1024 * 1024
    private static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    init(handle: ConnectionRegistry.Handle, server: HTTPServer) {
        socket = handle.socket
        self.handle = handle
        self.server = server
        parser = RequestParser(limits: server.configuration.parserLimits)
        state = ConnectionState(configuration: server.configuration, now: .now)
    }

    func run() {
        defer { server.registry.close(handle) }
        do {
            if try serve() { lingeringClose() }
        } catch {
            // The peer vanished or a write timed out: nothing can be sent; just close.
        }
    }

    /// Serves requests until the connection should close. Returns true when the server closes it (and should
    /// linger), false when the peer already has.
    private func serve() throws(SocketError) -> Bool {
        while true {
            if !buffer.isEmpty {
                let result: RequestParser.Result
                do {
                    result = try buffer.withReadable { bytes throws(HTTPError) in try parser.parse(bytes) }
                } catch {
                    // A malformed request: answer it and close, never read past it (RFC 9112 §9.3; the bytes
                    // after a framing error cannot be trusted to start a request).
                    try sendError(error)
                    return true
                }
                switch result {
                case .complete(let request, let consumed):
                    buffer.consume(consumed)
                    continueSent = false
                    guard try respond(to: request) else { return true }
                    state.responseSent(now: .now, nextRequestBuffered: !buffer.isEmpty)
                    continue
                case .incomplete:
                    if parser.isReadingBody { state.headParsed(now: .now) }
                    // RFC 9110 §10.1.1: the client waits for 100 before sending the body.
                    if parser.isAwaitingContinue, !continueSent {
                        try socket.send(Self.continueResponse)
                        continueSent = true
                    }
                }
            }
            if state.phase == .idle, !server.registry.markIdle(handle) { return true }
            let remaining = state.deadline - .now
            guard remaining > .zero else { return try timedOut() }
            // A blocking `recv` bounded by SO_RCVTIMEO: one syscall per read. Idle waits use the constant idle
            // timeout, so on a busy keep-alive connection the option is set once, not once per request.
            try setReceiveTimeout(state.phase == .idle ? server.configuration.idleTimeout : remaining)
            switch try buffer.receive(from: socket) {
            case nil:
                continue  // SO_RCVTIMEO expired; the deadline check decides
            case 0:
                return false
            case .some:
                if state.phase == .idle {
                    server.registry.markBusy(handle)
                    state.bytesArrived(now: .now)
                }
            }
        }
    }

    /// The phase's deadline has passed: close an idle connection, answer 408 to a half-read request.
    private func timedOut() throws(SocketError) -> Bool {
        switch state.timeoutAction {
        case .close:
            break
        case .rejectAndClose:
            try sendError(HTTPError(.requestTimeout, status: .requestTimeout, message: "the request did not arrive in time"))
        }
        return true
    }

    private func setReceiveTimeout(_ timeout: Duration) throws(SocketError) {
        let timeout = max(timeout, .milliseconds(1))  // 0 would mean "no timeout"
        guard timeout != receiveTimeout else { return }
        try socket.setTimeout(SO_RCVTIMEO, timeout)
        receiveTimeout = timeout
    }

    /// Calls the responder and writes its response (or the rendered error). Returns whether to keep the
    /// connection open.
    private func respond(to request: Request) throws(SocketError) -> Bool {
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
            var bytes: [UInt8] = []
            bytes.reserveCapacity(256 + body.count)
            response.appendHead(to: &bytes, framing: framing, connection: connectionHeader(request, keepAlive),
                                date: date.current())
            // RFC 9110 §9.3.2: HEAD gets the same header fields as GET, without content.
            if !isHead, !response.status.forbidsContent { bytes.append(contentsOf: body) }
            try socket.send(bytes)
            return keepAlive
        case .stream(let write):
            // RFC 9112 §7.1: chunked is HTTP/1.1 only; an HTTP/1.0 client reads until close (§6.3 ¶8).
            let chunked = request.version == .http1_1
            if !chunked { keepAlive = false }
            var head: [UInt8] = []
            response.appendHead(to: &head, framing: chunked ? .chunked : .untilClose,
                                connection: connectionHeader(request, keepAlive), date: date.current())
            try socket.send(head)
            guard !isHead else { return keepAlive }
            let writer = ResponseWriter(socket: socket, chunked: chunked)
            do {
                try write(writer)
                try writer.finish()
            } catch let error as SocketError {
                throw error
            } catch {
                // The head is sent: the error cannot be rendered. Closing without the last chunk tells the
                // client the response is incomplete.
                server.log("stream for \(request.method) \(request.path) failed: \(error)")
                return false
            }
            return keepAlive
        }
    }

    /// RFC 9112 §9.6: `close` when this is the last response; `keep-alive` to an HTTP/1.0 client that asked.
    private func connectionHeader(_ request: Request, _ keepAlive: Bool) -> String? {
        if !keepAlive { return "close" }
        return request.version == .http1_0 ? "keep-alive" : nil
    }

    private func sendError(_ error: HTTPError) throws(SocketError) {
        var bytes: [UInt8] = []
        let response = server.render(error, for: nil)
        let body = response.bodyBytes ?? []
        response.appendHead(to: &bytes, framing: .length(body.count), connection: "close", date: date.current())
        bytes.append(contentsOf: body)
        try socket.send(bytes)
    }

    /// RFC 9112 §9.6: half-close, then read and discard until the client closes (bounded in time and bytes),
    /// so unread request bytes do not turn the close into a reset that destroys the response.
    private func lingeringClose() {
        socket.shutdown(reading: false, writing: true)
        let deadline = ContinuousClock.now + Self.lingerTime
        var discarded = 0
        var scratch = ReadBuffer(capacity: 16 * 1024)
        while discarded < Self.lingerBytes {
            let remaining = deadline - .now
            guard remaining > .zero,
                  (try? socket.waitReadable(milliseconds: Self.milliseconds(remaining))) == true,
                  let count = try? scratch.receive(from: socket), count > 0
            else { return }
            discarded += count
            scratch.consume(count)
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
