import Foundation

/// One client connection: its buffer, parser and timers. A worker calls `resume()` whenever epoll reports the
/// socket; it serves every complete request (pipelined requests are answered in order, RFC 9112 §9.3.2), reads
/// until nothing more has arrived, and returns whether to keep waiting for more.
///
/// Unchecked `Sendable`: epoll's one-shot mode hands the connection to one worker at a time, and the
/// `epoll_ctl` that re-arms it orders one worker's writes before the next worker's reads.
final class Connection: @unchecked Sendable {
    let socket: Socket
    private let handle: ConnectionRegistry.Handle
    private let server: HTTPServer
    private var buffer = ReadBuffer()
    private var parser: RequestParser
    private var state: ConnectionState
    private var continueSent = false
    private var date = HTTPDate()

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

    /// Serves what has arrived. True: wait in epoll for more (the deadline is registered). False: the
    /// connection is finished; call `close()`.
    func resume() -> Bool {
        server.registry.setDeadline(handle, nil)
        do {
            switch try serve() {
            case .wait:
                server.registry.setDeadline(handle, state.deadline)
                return true
            case .closeLingering:
                lingeringClose()
                return false
            case .closed:
                return false
            }
        } catch {
            // The peer vanished or a write timed out: nothing can be sent.
            return false
        }
    }

    func close() {
        server.registry.close(handle)
    }

    private enum Outcome {
        /// Nothing more to read now; wait in epoll.
        case wait
        /// The server ends the connection (after a `Connection: close` response, an error or a timeout).
        case closeLingering
        /// The peer has closed.
        case closed
    }

    private func serve() throws(SocketError) -> Outcome {
        while true {
            if !buffer.isEmpty {
                let result: RequestParser.Result
                do {
                    result = try buffer.withReadable { bytes throws(HTTPError) in try parser.parse(bytes) }
                } catch {
                    // A malformed request: answer it and close, never read past it (RFC 9112 §9.3; the bytes
                    // after a framing error cannot be trusted to start a request).
                    try sendError(error)
                    return .closeLingering
                }
                switch result {
                case .complete(let request, let consumed):
                    buffer.consume(consumed)
                    continueSent = false
                    guard try respond(to: request) else { return .closeLingering }
                    state.responseSent(now: .now, nextRequestBuffered: !buffer.isEmpty)
                    // Usually the client is now waiting for this response: skip a `recv` that would find
                    // nothing; epoll (level-triggered) reports the next request.
                    if buffer.isEmpty { return try park() }
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
            switch try buffer.receive(from: socket, wait: false) {
            case let count? where count > 0:
                if state.phase == .idle {
                    server.registry.markBusy(handle)
                    state.bytesArrived(now: .now)
                }
            case .some:
                // End of stream: the client closed, or the deadline sweep or shutdown shut our reading side.
                return try timedOut() ?? .closed
            case nil:
                return try park()
            }
        }
    }

    /// Nothing more has arrived: wait in epoll, unless the deadline has passed or the server is shutting down.
    private func park() throws(SocketError) -> Outcome {
        if let outcome = try timedOut() { return outcome }
        if state.phase == .idle, !server.registry.markIdle(handle) { return .closeLingering }
        return .wait
    }

    /// After the phase's deadline: close an idle connection, answer 408 to a half-read request.
    private func timedOut() throws(SocketError) -> Outcome? {
        guard ContinuousClock.now >= state.deadline else { return nil }
        switch state.timeoutAction {
        case .close:
            return .closeLingering
        case .rejectAndClose:
            try sendError(HTTPError(.requestTimeout, status: .requestTimeout, message: "the request did not arrive in time"))
            return .closeLingering
        }
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
