import Foundation

/// Every limit of the server, by name. The defaults suit a service on 127.0.0.1; each one bounds a resource a
/// slow or hostile client could otherwise hold.
public struct HTTPServerConfiguration: Sendable {
    /// IPv4 address to bind.
    public var host: String
    /// Port to bind; 0 picks an ephemeral port (read it back from `HTTPServer.port`).
    public var port: Int
    /// The kernel's queue of connections not yet accepted.
    public var backlog: Int
    /// Open connections at most. At the limit a new connection is admitted by closing the oldest idle
    /// keep-alive connections, then the oldest holding a half-sent head (as nginx does); only when every
    /// connection has a request in flight is it answered 503 and closed. An idle connection costs a few KiB
    /// (README, Limits); each holds a thread only while it must block (a streamed response, a client slow to
    /// read, a handler over `handlerBudget`). `start()` raises the soft RLIMIT_NOFILE to fit it, or serves fewer
    /// when the hard limit forbids (`HTTPServer.connectionLimit`).
    public var maxConnections: Int
    /// Descriptors kept for the rest of the process (files, databases, epoll) when the connection limit is
    /// fitted to RLIMIT_NOFILE.
    public var reservedDescriptors: Int
    /// Threads running event loops, which read requests and run handlers inline. More loops than cores, so a
    /// loop the scheduler preempts holds up only a small share of the connections.
    public var eventLoops: Int
    /// How long a handler may run on an event loop before the loop moves to another thread, leaving the handler's
    /// connection to finish on its own thread (so one slow handler never delays the loop's other connections
    /// by more than this).
    public var handlerBudget: Duration
    /// Longest request-line; longer → 414.
    public var maxRequestLineBytes: Int
    /// Most bytes in the header section; more → 431.
    public var maxHeaderBytes: Int
    /// Most header fields; more → 431.
    public var maxHeaderCount: Int
    /// Largest request body; larger → 413 (before reading it when `Content-Length` announces it).
    public var maxBodyBytes: Int
    /// Time allowed for a whole request head, from its first byte; then 408 and close (cuts off slowloris).
    public var headerReadTimeout: Duration
    /// Time allowed for a whole body once the head is read; then 408 and close.
    public var bodyReadTimeout: Duration
    /// Time a keep-alive connection may wait for its next request; then it is closed silently.
    public var idleTimeout: Duration
    /// Time one `send` may block on a client that does not read.
    public var writeTimeout: Duration
    /// Requests served on one connection; the last one is answered with `Connection: close`.
    public var maxRequestsPerConnection: Int
    /// How long `shutdown()` lets in-flight requests finish before closing their connections.
    public var shutdownGracePeriod: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        backlog: Int = 256,
        maxConnections: Int = 16_384,
        reservedDescriptors: Int = 256,
        eventLoops: Int = 2 * ProcessInfo.processInfo.activeProcessorCount,
        handlerBudget: Duration = .milliseconds(10),
        maxRequestLineBytes: Int = 8 * 1024,
        maxHeaderBytes: Int = 16 * 1024,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 16 * 1024 * 1024,
        headerReadTimeout: Duration = .seconds(10),
        bodyReadTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(30),
        writeTimeout: Duration = .seconds(30),
        maxRequestsPerConnection: Int = 10_000,
        shutdownGracePeriod: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.backlog = backlog
        self.maxConnections = maxConnections
        self.reservedDescriptors = reservedDescriptors
        self.eventLoops = eventLoops
        self.handlerBudget = handlerBudget
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.headerReadTimeout = headerReadTimeout
        self.bodyReadTimeout = bodyReadTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.maxRequestsPerConnection = maxRequestsPerConnection
        self.shutdownGracePeriod = shutdownGracePeriod
    }

    /// The parser's share of the limits.
    public var parserLimits: ParserLimits {
        ParserLimits(maxRequestLineBytes: maxRequestLineBytes, maxHeaderBytes: maxHeaderBytes,
                     maxHeaderCount: maxHeaderCount, maxBodyBytes: maxBodyBytes)
    }
}
