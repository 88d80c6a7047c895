import Foundation

extension Connection {
    /// How a stretch on the connection's own thread ends.
    enum ThreadOutcome {
        /// Waiting for the next request again: back to an event loop.
        case idle
        /// The server closes: half-close and linger first.
        case linger
        /// Close now (the peer has gone or the socket failed).
        case closed
    }

    /// Serves on the calling thread, started for this connection, blocking where it must (bounded by the
    /// phase's deadline through SO_RCVTIMEO and by SO_SNDTIMEO), until the connection closes or is idle again.
    func runOnThread() {
        let outcome: ThreadOutcome
        do {
            outcome = try serveBlocking()
        } catch {
            outcome = .closed  // the peer vanished or a write timed out: nothing can be sent
        }
        switch outcome {
        case .idle:
            server.eventLoops.adopt(self)
        case .linger:
            lingeringClose()
            server.registry.close(handle)
        case .closed:
            server.registry.close(handle)
        }
    }

    private func serveBlocking() throws(SocketError) -> ThreadOutcome {
        if lingerDeadline != nil { return .linger }
        while true {
            if let work = pending {
                pending = nil
                if let outcome = try finish(work) { return outcome }
            }
            switch try processBuffered(wait: true) {
            case .needBytes: break
            case .close(let linger): return linger ? .linger : .closed
            case .blocked: continue
            }
            if state.phase == .idle, buffer.isEmpty { return .idle }
            let remaining = state.deadline - .now
            guard remaining > .zero else {
                if let response = timeoutResponse() { try socket.send(response) }
                return .linger
            }
            try setReceiveTimeout(remaining)
            if try buffer.receive(from: socket) == 0 { return .closed }  // nil: SO_RCVTIMEO expired, deadline decides
        }
    }

    /// Sends what an event loop could not, and writes a streamed response. Nil: keep serving.
    private func finish(_ work: Pending) throws(SocketError) -> ThreadOutcome? {
        for part in work.output { _ = try part.send(on: socket, wait: true) }
        var then = work.then
        if let stream = work.stream {
            let writer = ResponseWriter(socket: socket, chunked: stream.chunked)
            do {
                try stream.write(writer)
                try writer.finish()
            } catch let error as SocketError {
                throw error
            } catch {
                // The head is sent: the error cannot be rendered. Closing without the last chunk tells the
                // client the response is incomplete.
                server.log("stream for \(stream.request.method) \(stream.request.path) failed: \(error)")
                then = .close
            }
        }
        switch then {
        case .resume:
            return nil
        case .nextRequest:
            state.responseSent(now: .now, nextRequestBuffered: !buffer.isEmpty)
            return nil
        case .close:
            return .linger
        }
    }

    private func setReceiveTimeout(_ timeout: Duration) throws(SocketError) {
        let timeout = max(timeout, .milliseconds(1))  // 0 would mean "no timeout"
        guard timeout != receiveTimeout else { return }
        try socket.setTimeout(SO_RCVTIMEO, timeout)
        receiveTimeout = timeout
    }

    /// RFC 9112 §9.6: half-close, then read and discard until the client closes (bounded in time and bytes),
    /// so unread request bytes do not turn the close into a reset that destroys the response.
    private func lingeringClose() {
        socket.shutdown(reading: false, writing: true)
        let deadline = lingerDeadline ?? ContinuousClock.now + Self.lingerTime
        var scratch = ReadBuffer(capacity: 16 * 1024)
        while lingerDiscarded < Self.lingerBytes {
            let remaining = deadline - .now
            guard remaining > .zero,
                  (try? socket.waitReadable(milliseconds: Self.milliseconds(remaining))) == true,
                  let count = try? scratch.receive(from: socket), count > 0
            else { return }
            lingerDiscarded += count
            scratch.consume(count)
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
