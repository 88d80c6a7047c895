import Foundation
import HTTPServer
import Synchronization
import TensorEngine
import TensorWire

/// The Tensord API: routes over the shared compute engine, the tensor store and metrics.
/// `makeServer()` gives the HTTP server that serves it.
public final class TensorService: @unchecked Sendable {
    public static let version = "0.1.0"

    public let configuration: ServiceConfiguration
    public let engine: ComputeEngine
    public let store: TensorStore
    public let metrics = Metrics()
    /// The training jobs: their store and the runner that schedules their steps.
    private(set) var jobs: JobRunner!
    /// Sweeps: sets of jobs over a grid of spec values.
    let sweeps: SweepStore
    /// The event streams open now, bounded by `maxEventStreams`.
    let streams: StreamSlots
    /// The server `makeServer` made (held weakly: it holds this service), for the connection
    /// limit it fitted to RLIMIT_NOFILE when it started.
    private let madeServer = Mutex(WeakServer())
    private struct WeakServer { weak var server: HTTPServer? }
    let codec: TensorCodec
    /// `/v1/eval`'s parsed programs, by their text.
    let programs: ProgramCache
    let log: HTTPServer.Logger
    private let stopping = Atomic<Bool>(false)
    /// With PostgreSQL: wake this node's event streams when any node writes a job, and its
    /// claims when any node queues a job or releases one.
    private var listeners: [PostgresListener] = []
    public private(set) var router = Router()
    /// Every (method, path template) registered, for the OpenAPI coverage test.
    public private(set) var routes: [(method: String, pattern: String)] = []

    public init(configuration: ServiceConfiguration, logger: @escaping HTTPServer.Logger = HTTPServer.standardErrorLogger) throws {
        self.configuration = configuration
        self.log = logger
        codec = TensorCodec(maxElements: configuration.maxElements)
        programs = ProgramCache(capacityBytes: configuration.programCacheBytes, limits: configuration.expressionLimits)
        streams = StreamSlots(limit: configuration.maxEventStreams)
        engine = ComputeEngine(lanes: configuration.lanes, interactiveCapacity: configuration.maxQueuedRequests,
                               backgroundLanes: configuration.jobLanes)
        let jobStore: JobStore
        // Each session names its node in `pg_stat_activity`, for whoever looks at the database.
        let naming = PostgresConnection.naming("tensord \(configuration.nodeId)")
        if let url = configuration.databaseURL {
            // A node paused inside a transaction (SIGSTOP, a stall) would keep its row locks, and
            // with them its jobs, from every other node; the server ends such a session after one
            // lease, so the jobs are claimed once their leases expire, as if the node had died (a
            // session paused in the middle of a statement is not idle: the claimers end it, see
            // `PostgresJobStore.endStalledWriters`).
            let leaseMillis = Int64(configuration.jobLimits.leaseSeconds * 1000)
            let pool = try PostgresPool(url: url, size: configuration.databaseConnections,
                                        setup: ["SET idle_in_transaction_session_timeout = \(leaseMillis)", naming])
            try pool.with { try PostgresMigrations.run($0) }
            store = TensorStore(backend: PostgresTensorBackend(pool: pool, cacheBytes: configuration.maxStoreBytes),
                                maxTotalBytes: configuration.maxStoreBytes)
            sweeps = PostgresSweepStore(pool: pool)
            jobStore = PostgresJobStore(pool: pool)
        } else {
            store = try TensorStore(directory: configuration.dataDirectory.appendingPathComponent("tensors"),
                                    maxTotalBytes: configuration.maxStoreBytes, spareLimits: configuration.storeSpares)
            sweeps = try SQLiteSweepStore(path: configuration.dataDirectory.appendingPathComponent("sweeps.sqlite").path)
            let sqlite = try SQLiteJobStore(path: configuration.dataDirectory.appendingPathComponent("jobs.sqlite").path)
            try sqlite.importJobFiles(from: configuration.dataDirectory.appendingPathComponent("jobs"))
            jobStore = sqlite
        }
        let limits = JobRunner.Limits(maxRunning: max(1, configuration.maxRunningJobs), maxQueued: max(0, configuration.maxQueuedJobs),
                                      flushInterval: configuration.jobFlushInterval, maxElements: configuration.maxElements,
                                      jobs: configuration.jobLimits,
                                      keptJobBytes: configuration.databaseURL == nil ? configuration.jobLimits.finishedCacheBytes : 0)
        jobs = try JobRunner(store: jobStore, engine: engine, node: configuration.nodeId, limits: limits, log: logger) { [unowned self] record in
            try storedJobSpec(record, store: jobStore)
        }
        if let url = configuration.databaseURL {
            // A listener that reconnected (nil) may have missed notifications: it wakes its waiters too.
            listeners = [PostgresListener(url: url, channel: PostgresJobStore.channel, setup: [naming]) { [weak self] _ in self?.jobs?.notify() },
                         PostgresListener(url: url, channel: PostgresJobStore.queueChannel, setup: [naming]) { [weak self] _ in
                             self?.jobs?.wakeClaims()
                         }]
            listeners.forEach { $0.start() }
        }
        addServiceRoutes()
        addOpRoutes()
        addEvalRoutes()
        addTensorRoutes()
        addOptimRoutes()
        addJobRoutes()
        addSweepRoutes()
        addSurfaceRoutes()
        addDashboardRoutes()
    }

    /// The HTTP server for this service, configured with its limits and problem+json errors.
    public func makeServer() -> HTTPServer {
        let server = HTTPServer(configuration: configuration.http, errorRenderer: ProblemRenderer.renderer, logger: log,
                                bodyReceivers: { [router] in router.bodyReceiver(for: $0) }) { [self] request in
            try respond(request)
        }
        madeServer.withLock { $0.server = server }
        return server
    }

    /// The connections the server serves at most: as configured, or fewer when it had to fit
    /// them to RLIMIT_NOFILE at start.
    var connectionLimit: Int { madeServer.withLock { $0.server?.connectionLimit } ?? configuration.http.maxConnections }

    /// Marks the service as stopping (readiness turns 503), lets the job steps under way end
    /// (within the shutdown grace period) and stops the engine's lanes.
    public func shutdown() {
        stopping.store(true, ordering: .releasing)
        listeners.forEach { $0.stop() }
        jobs.shutdown(timeout: configuration.http.shutdownGracePeriod)
        engine.shutdown()
    }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Routes a request; requests no route matches are counted and logged here.
    public func respond(_ request: Request) throws -> Response {
        BackgroundPriority.noteRequest()
        let start = ContinuousClock.now
        do {
            return try router.respond(to: request)
        } catch let e as HTTPError where e.kind == .notFound || e.kind == .methodNotAllowed {
            finish(request, route: metrics.unmatched, status: e.status.code, since: start)
            throw e
        }
    }

    /// Registers a handler with authentication, metrics and the request log around it, and the
    /// receiver its bodies may go into (`BodyReceiver`), offered only to an authorized request.
    func add(_ method: HTTPMethod, _ pattern: String, open: Bool = false, receiver: Router.Receiver? = nil,
             _ handler: @escaping @Sendable (Request, PathParameters) throws -> Response) {
        routes.append((method.rawValue, pattern))
        let slot = metrics.route(pattern)
        let authorizedReceiver: Router.Receiver? = receiver.map { receiver in
            { @Sendable [unowned self] (request: Request, params: PathParameters) -> (any BodyReceiver)? in
                open || (try? authorize(request)) != nil ? receiver(request, params) : nil
            }
        }
        router.add(method, pattern, receiver: authorizedReceiver) { [unowned self] request, params in
            let start = ContinuousClock.now
            do {
                if !open { try authorize(request) }
                let response = try handler(request, params)
                finish(request, route: slot, status: response.status.code, since: start)
                return response
            } catch {
                // An engine or wire error no route located still answers its own 4xx, not a 500.
                let error = Problem.converting(error) ?? error
                finish(request, route: slot, status: HTTPError(wrapping: error).status.code, since: start)
                throw error
            }
        }
    }

    private func finish(_ request: Request, route: Metrics.Route, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        metrics.record(route, method: request.method.rawValue, status: status, seconds: seconds)
        if configuration.logRequests {
            // Milliseconds to the microsecond from integers: describing a Double was most of the line's cost (perf).
            log(RequestLogLine.make(method: request.method.rawValue, path: request.path, status: status, micros: Int(seconds * 1e6)))
        }
    }

    /// Bearer-token check, compared in constant time so the token cannot be guessed byte by byte.
    private func authorize(_ request: Request) throws {
        guard let token = configuration.token else { return }
        let given = request.headers["Authorization"] ?? ""
        let expected = "Bearer " + token
        guard ConstantTime.equal(Array(given.utf8), Array(expected.utf8)) else { throw Problem.unauthorized }
    }

    /// Runs compute on an engine lane with the element limit in force.
    func compute<T>(_ body: () throws -> T) throws -> T {
        let limit = configuration.maxElements
        do {
            return try engine.run(.interactive) { try ElementLimit.with(limit) { try body() } }
        } catch is ComputeEngine.QueueFull {
            throw Problem.queueFull(retryAfter: 1)
        } catch is ComputeEngine.Stopped {
            throw Problem.shuttingDown
        }
    }

    /// A tensor (or `{"ref"}` to a stored one) at `pointer` in a request.
    func tensor(_ json: JSONValue, at pointer: String) throws -> Tensor {
        do { return try codec.tensor(json, at: pointer, resolve: storedTensor) } catch let e as WireError { throw Problem.from(e) }
    }

    /// An op argument at `pointer` (numbers keep their spelling; tensors and refs resolved).
    func argument(_ json: JSONValue, at pointer: String) throws -> Value {
        do { return try codec.argument(json, at: pointer, resolve: storedTensor) } catch let e as WireError { throw Problem.from(e) }
    }

    /// The stored tensor a `{"ref": name}` names.
    private func storedTensor(_ name: String, _ pointer: String) throws -> Tensor {
        guard let t = try store.get(name) else { throw Problem.unknownRef(name, pointer: pointer) }
        return t
    }
}

/// Comparison whose time does not depend on where the inputs differ.
enum ConstantTime {
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return diff == 0
    }
}

extension Response {
    /// A JSON response written by `body` into a fresh writer.
    static func json(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], capacity: Int = 1024, _ body: (inout JSONWriter) -> Void) -> Response {
        var w = JSONWriter(capacity: capacity)
        body(&w)
        // Most answers have no headers of their own: one shared list instead of a new one each, which already
        // names the JSON type, so it is not searched for one (issue 19).
        if headers.isEmpty { return Response(status: status, headers: jsonHeaders, body: .bytes(w.take())) }
        return Response(status: status, headers: headers, json: w.take())
    }

    private static let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json"]
}
