import Dispatch
import Foundation
import Synchronization

/// An HTTP/1.1 server on POSIX sockets.
///
/// ```swift
/// var router = Router()
/// router.get("/v1/jobs/{id}") { request, parameters in
///     Response(json: #"{"id":"\#(parameters["id"]!)"}"#)
/// }
/// let server = HTTPServer(configuration: HTTPServerConfiguration(port: 8080), router: router)
/// try server.start()
/// server.installSignalHandlers()   // SIGTERM / SIGINT → graceful shutdown
/// server.waitUntilStopped()
/// ```
///
/// Concurrency model: one accept thread; `eventLoops` epoll loops that read requests and run handlers inline
/// (a small request costs one `recv` and one `send`, no thread switch); and a monitor thread enforcing what a
/// busy loop cannot: timeouts of waiting connections, and the handler budget. Whatever would block a loop — a
/// client slow to read, a streamed response, a lingering close, a handler running past `handlerBudget` — moves
/// that one connection to a thread of its own until it is idle again, so a slow handler or an event stream only
/// ever holds its own connection. Threads that finish such work are kept for the next (`ServerThread`), so none
/// is started per request in steady state. (The whole process's threads: README, "Execution model".) Threads are bounded by `maxConnections`; at that limit the oldest idle (then
/// half-sent) connections are closed to admit a new one, and only when all have requests in flight is it
/// answered 503 and closed at once, without waiting in the backlog; nothing fans out to unbounded queues.
public final class HTTPServer: @unchecked Sendable {
    /// Receives log lines (500s with their cause, stream failures, accept failures).
    public typealias Logger = @Sendable (String) -> Void
    /// Answers one request; runs on the connection's thread.
    public typealias Responder = @Sendable (Request) throws -> Response
    /// The receiver a request takes its body into, given its head (nil: into `Request.body`); see `BodyReceiver`.
    public typealias BodyReceivers = @Sendable (Request) -> (any BodyReceiver)?

    public let configuration: HTTPServerConfiguration
    let responder: Responder
    let bodyReceiver: BodyReceivers?
    let registry: ConnectionRegistry
    private(set) var eventLoops: EventLoopGroup!
    private let errorRenderer: HTTPErrorRenderer
    private let logger: Logger

    private enum Lifecycle {
        case idle
        case running(listener: Socket, acceptLoopDone: DispatchSemaphore)
        case stopping
        case stopped
    }

    private let lifecycle = Mutex<Lifecycle>(.idle)
    private let boundPort = Atomic<Int>(0)
    private let stopped = DispatchSemaphore(value: 0)
    private let signalSources = Mutex<[any DispatchSourceSignal]>([])

    public init(
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        errorRenderer: HTTPErrorRenderer = .plainText,
        logger: @escaping Logger = HTTPServer.standardErrorLogger,
        bodyReceivers: BodyReceivers? = nil,
        responder: @escaping Responder
    ) {
        self.configuration = configuration
        self.errorRenderer = errorRenderer
        self.logger = logger
        self.responder = responder
        bodyReceiver = bodyReceivers
        registry = ConnectionRegistry(maxConnections: configuration.maxConnections)
    }

    /// A server answering through `router` (404 / 405 for paths and methods it does not know), with the body
    /// receivers its routes offer.
    public convenience init(
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        router: Router,
        errorRenderer: HTTPErrorRenderer = .plainText,
        logger: @escaping Logger = HTTPServer.standardErrorLogger
    ) {
        self.init(configuration: configuration, errorRenderer: errorRenderer, logger: logger,
                  bodyReceivers: { router.bodyReceiver(for: $0) }) { request in
            try router.respond(to: request)
        }
    }

    /// Writes to standard error, in batches (`LogWriter.standardError`; flush it before the process exits).
    public static let standardErrorLogger: Logger = { line in
        LogWriter.standardError.append(line, prefix: "[http] ")
    }

    /// The bound port, once `start()` has returned (useful with port 0).
    public var port: Int { boundPort.load(ordering: .acquiring) }

    /// The number of open connections.
    public var connectionCount: Int { registry.count }

    /// The connection limit in force: `maxConnections`, or fewer when RLIMIT_NOFILE's hard limit forbids it
    /// (known once `start()` has returned).
    public var connectionLimit: Int { registry.limit }

    /// Binds, listens and starts accepting on a background thread; returns at once.
    public func start() throws {
        let listener = try Socket.listen(host: configuration.host, port: configuration.port,
                                         backlog: Int32(clamping: configuration.backlog))
        let acceptLoopDone = DispatchSemaphore(value: 0)
        let started = lifecycle.withLock { state in
            guard case .idle = state else { return false }
            state = .running(listener: listener, acceptLoopDone: acceptLoopDone)
            return true
        }
        guard started else {
            listener.close()
            throw SocketError("start (already started)", code: EALREADY)
        }
        registry.setLimit(DescriptorLimit.fit(
            maxConnections: configuration.maxConnections, reserved: configuration.reservedDescriptors, log: logger))
        do {
            eventLoops = try EventLoopGroup(server: self)
        } catch {
            lifecycle.withLock { $0 = .idle }
            listener.close()
            throw error
        }
        eventLoops.start()
        boundPort.store(listener.localPort, ordering: .releasing)
        ServerThread.start(name: "http-accept") { [self] in
            acceptLoop(listener)
            acceptLoopDone.signal()
        }
    }

    /// Stops gracefully: stops accepting, closes idle connections, lets in-flight requests finish until
    /// `deadline` (their responses carry `Connection: close`), then shuts the rest down. Blocks until done;
    /// a second call waits for the first.
    public func shutdown(deadline: ContinuousClock.Instant) {
        let running = lifecycle.withLock { state -> (Socket, DispatchSemaphore)? in
            guard case .running(let listener, let done) = state else { return nil }
            state = .stopping
            return (listener, done)
        }
        guard let (listener, acceptLoopDone) = running else {
            waitUntilStopped()
            return
        }
        registry.beginShutdown()  // from here on, new connections are refused
        listener.shutdown()  // wakes the blocked accept()
        acceptLoopDone.wait()
        listener.close()
        if !registry.waitUntilEmpty(deadline: deadline) {
            logger("shutdown: closing \(registry.count) connection(s) still open after the grace period")
            registry.closeAll()
            // A handler still computing keeps its thread; its connection closes when it returns.
            _ = registry.waitUntilEmpty(deadline: .now + .seconds(1))
        }
        eventLoops.stop()
        lifecycle.withLock { $0 = .stopped }
        stopped.signal()
    }

    /// `shutdown(deadline:)` with the configured `shutdownGracePeriod`.
    public func shutdown() {
        shutdown(deadline: .now + configuration.shutdownGracePeriod)
    }

    /// Blocks until `shutdown` has completed.
    public func waitUntilStopped() {
        stopped.wait()
        stopped.signal()
    }

    /// Shuts the server down gracefully on any of `signals` (default SIGTERM and SIGINT), using Dispatch signal
    /// sources (the signals' default actions are disabled). Registration completes asynchronously, within
    /// milliseconds: install the handlers at startup.
    public func installSignalHandlers(_ signals: [Int32] = [SIGTERM, SIGINT]) {
        signalSources.withLock { sources in
            for number in signals {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { [weak self] in
                    self?.logger("signal \(number): shutting down")
                    self?.shutdown()
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    func log(_ line: String) { logger(line) }

    /// The response for an error, through the renderer. Unexpected errors are logged here, once; the error's
    /// own headers (`Allow`, `Retry-After`) are added unless the renderer set them.
    func render(_ error: HTTPError, for request: Request?) -> Response {
        if error.kind == .internalError {
            let what = request.map { "\($0.method) \($0.path)" } ?? "request"
            logger("500 for \(what): \(error.underlying.map { String(describing: $0) } ?? error.message)")
        }
        var response = errorRenderer.render(error)
        for field in error.headers where !response.headers.contains(field.name) {
            response.headers.add(field.name, field.value)
        }
        return response
    }
}
