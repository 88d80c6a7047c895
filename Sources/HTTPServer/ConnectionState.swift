/// The timing and keep-alive decisions of one connection, as a value type with an injected clock: which
/// deadline applies, what a timeout means, and whether to keep the connection after a response. It does no I/O.
struct ConnectionState {
    enum Phase: Equatable {
        /// Waiting for the first byte of a request (keep-alive).
        case idle
        /// Some bytes of a request head have arrived.
        case readingHead
        /// The head is parsed; the body is arriving.
        case readingBody
    }

    /// What to do when the deadline passes.
    enum TimeoutAction: Equatable {
        /// An idle keep-alive connection closes without a response (RFC 9112 §9.5).
        case close
        /// A request is half-read: answer 408 and close.
        case rejectAndClose
    }

    let configuration: HTTPServerConfiguration
    private(set) var phase: Phase = .idle
    private(set) var phaseStart: ContinuousClock.Instant
    private(set) var requestsServed = 0

    init(configuration: HTTPServerConfiguration, now: ContinuousClock.Instant) {
        self.configuration = configuration
        phaseStart = now
    }

    /// When the current phase times out.
    var deadline: ContinuousClock.Instant {
        switch phase {
        case .idle: phaseStart + configuration.idleTimeout
        case .readingHead: phaseStart + configuration.headerReadTimeout
        case .readingBody: phaseStart + configuration.bodyReadTimeout
        }
    }

    var timeoutAction: TimeoutAction {
        switch phase {
        case .idle: .close
        case .readingHead, .readingBody: .rejectAndClose
        }
    }

    /// Bytes arrived: an idle connection starts the header timer, which runs for the whole head.
    mutating func bytesArrived(now: ContinuousClock.Instant) {
        if phase == .idle { enter(.readingHead, now) }
    }

    /// The head is parsed and the body is incomplete: the body timer starts.
    mutating func headParsed(now: ContinuousClock.Instant) {
        if phase != .readingBody { enter(.readingBody, now) }
    }

    /// A request is complete and about to be answered. Returns whether the connection stays open after the
    /// response: the client asked for it (RFC 9112 §9.3), the per-connection cap is not reached, and the server
    /// is not shutting down.
    mutating func beginResponse(clientKeepsAlive: Bool, shuttingDown: Bool) -> Bool {
        requestsServed += 1
        return clientKeepsAlive && !shuttingDown && requestsServed < configuration.maxRequestsPerConnection
    }

    /// The response is sent; the next request is already buffered (pipelined) or awaited.
    mutating func responseSent(now: ContinuousClock.Instant, nextRequestBuffered: Bool) {
        enter(nextRequestBuffered ? .readingHead : .idle, now)
    }

    private mutating func enter(_ phase: Phase, _ now: ContinuousClock.Instant) {
        self.phase = phase
        phaseStart = now
    }
}
