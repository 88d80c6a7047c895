import Foundation

extension Connection {
    /// What an event loop does with the connection after handling its readiness.
    enum EventOutcome {
        /// Keep watching it until `waitDeadline`.
        case wait
        /// Close it.
        case close
        /// Give it a thread of its own: `pending` holds work that blocks.
        case needsThread
    }

    /// Handles readiness (bytes, end of stream, or a deadline the monitor enforced by shutting the read side)
    /// without ever blocking: reads once, answers every complete request inline, and leaves to a thread only
    /// what would wait. `now` is the loop's clock reading for this event.
    func handleReadable(now: ContinuousClock.Instant) -> EventOutcome {
        do {
            if let lingerDeadline { return try discard(until: lingerDeadline, now: now) }
            if now >= state.deadline { return try timedOut() }
            switch try buffer.receive(from: socket, wait: false) {
            case nil:
                return waitForBytes()
            case 0:
                return .close
            case .some:
                if state.phase == .idle {
                    server.registry.markBusy(handle)
                    state.bytesArrived(now: now)
                }
            }
            switch try processBuffered(wait: false) {
            case .needBytes: return waitForBytes()
            case .close(let linger): return linger ? startLingering() : .close
            case .blocked: return .needsThread
            }
        } catch {
            return .close  // the peer vanished: nothing can be sent
        }
    }

    /// When the loop gives up waiting: the phase's deadline, or the end of a lingering close.
    var waitDeadline: ContinuousClock.Instant { lingerDeadline ?? state.deadline }

    /// An idle connection is flagged so shutdown can close it; a server already shutting down closes it now.
    /// Its (empty) read buffer is given back while it waits: idle connections then cost next to nothing, which
    /// is what lets the server hold many of them.
    func waitForBytes() -> EventOutcome {
        if state.phase == .idle, lingerDeadline == nil {
            guard server.registry.markIdle(handle) else { return .close }
            buffer.release()
        }
        return .wait
    }

    /// Whether the registry may close the connection to admit a new one while it waits: only when nothing of a
    /// request is in flight (idle, or a head half-sent); never while a body arrives, a handler runs, a
    /// response is written, or a lingering close runs (which ends within `lingerTime`).
    var evictable: ConnectionRegistry.Evictable? {
        guard lingerDeadline == nil else { return nil }
        switch state.phase {
        case .idle: return .idle(since: state.phaseStart)
        case .readingHead: return .readingHead(since: state.phaseStart)
        case .readingBody: return nil
        }
    }

    private func timedOut() throws(SocketError) -> EventOutcome {
        guard let response = timeoutResponse() else { return .close }
        guard try emit(response, wait: false) else {
            pending!.then = .close
            return .needsThread
        }
        return startLingering()
    }

    /// RFC 9112 §9.6: half-close, then discard what the client still sends until it closes, bounded in time
    /// and bytes, so unread request bytes do not turn the close into a reset that destroys the response.
    private func startLingering() -> EventOutcome {
        socket.shutdown(reading: false, writing: true)
        lingerDeadline = .now + Self.lingerTime
        return .wait
    }

    private func discard(until deadline: ContinuousClock.Instant, now: ContinuousClock.Instant) throws(SocketError) -> EventOutcome {
        guard now < deadline, lingerDiscarded < Self.lingerBytes else { return .close }
        guard let count = try buffer.receive(from: socket, wait: false) else { return .wait }
        if count == 0 { return .close }
        lingerDiscarded += count
        buffer.removeAll()
        return .wait
    }
}
