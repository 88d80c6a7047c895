import Foundation
import HTTPServer

/// Everything `tensord` can be told: where it keeps data, who may call it, and every limit.
public struct ServiceConfiguration: Sendable {
    /// Tensors, jobs and checkpoints live here.
    public var dataDirectory: URL
    /// A `postgresql://` (or `postgres://`) URL: jobs, metrics, events, checkpoint records,
    /// sweeps and the tensor store live in that database, shared with other nodes, instead of
    /// SQLite files and tensor files in `dataDirectory`.
    public var databaseURL: String?
    /// PostgreSQL connections this node opens at most (with `databaseURL`); requests that need
    /// the database while all are busy wait for one.
    public var databaseConnections = 4
    /// This node's name among the nodes of one database, in the job store's leases and in
    /// GET /v1.
    public var nodeId = ServiceConfiguration.defaultNodeId
    /// When set, every `/v1` request needs `Authorization: Bearer <token>`.
    public var token: String?
    /// Compute lanes (threads) of the shared engine; the cores by default.
    public var lanes: Int
    /// Most elements one tensor in a request or one result may have.
    public var maxElements: Int
    /// Most bytes the tensor store may hold.
    public var maxStoreBytes: Int
    /// Replaced tensor files the store keeps to write uploads over (without `databaseURL`).
    public var storeSpares = TensorStore.SpareLimits()
    /// Deepest JSON nesting a request may use.
    public var maxJSONDepth: Int
    /// Interactive requests waiting for a lane before new ones get 429.
    public var maxQueuedRequests: Int
    /// Size and nesting limits of `/v1/eval` programs.
    public var expressionLimits: ExpressionParser.Limits
    /// Bytes of `/v1/eval` program text whose parsed programs are kept for reuse (`ProgramCache`); 0: none.
    public var programCacheBytes = 262_144
    /// One log line per request (method, path, status, duration).
    public var logRequests: Bool
    /// The HTTP layer's own limits (connections, header and body bytes, timeouts).
    public var http: HTTPServerConfiguration
    /// Lanes that may run job steps at once; nil: all lanes but one (at least 1), so one is
    /// always free for interactive requests.
    public var jobLanes: Int?
    /// Training jobs running at once; the others wait `queued`.
    public var maxRunningJobs: Int
    /// Jobs that may wait `queued` before a submission gets 429.
    public var maxQueuedJobs: Int
    /// Jobs one sweep's grid may make (a larger grid is 422 before any is created).
    public var maxSweepJobs: Int
    /// Grid points one loss-surface request may evaluate (`n²` of `GET /v1/jobs/{id}/surface`).
    public var maxSurfacePoints: Int
    /// Chart.js as Debian's `libjs-chart.js` installs it; the dashboard serves it from here.
    public var chartJSPath: String
    /// Longest time a running job's metrics and events stay buffered before they are
    /// written to the job store (checkpoints and status changes are written at once).
    public var jobFlushInterval: Double
    /// Seconds between `: heartbeat` comments on an idle event stream.
    public var eventHeartbeatSeconds: Double
    /// Event streams (`GET /v1/jobs/{id}/events`) open at once; each holds a thread while it
    /// follows its job, so more are refused (503 with `Retry-After`).
    public var maxEventStreams = 1_024
    /// What one job may ask for and produce (steps, epochs, sizes, metric history, restarts).
    public var jobLimits = JobLimits()

    /// `databaseURL` with its password (if any) replaced by `***`, for logs.
    public var redactedDatabaseURL: String? { databaseURL.map(PostgresConnection.redacted) }

    /// The host name and the process id, unique among the nodes of one database.
    public static var defaultNodeId: String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    public init(dataDirectory: URL = URL(fileURLWithPath: "tensord-data"), token: String? = nil,
                lanes: Int = ProcessInfo.processInfo.activeProcessorCount,
                maxElements: Int = 16_777_216, maxStoreBytes: Int = 1 << 30, maxJSONDepth: Int = 512,
                maxQueuedRequests: Int = 1024, expressionLimits: ExpressionParser.Limits = .init(),
                logRequests: Bool = true, http: HTTPServerConfiguration = HTTPServerConfiguration(),
                jobLanes: Int? = nil, maxRunningJobs: Int = 2, maxQueuedJobs: Int = 64, maxSweepJobs: Int = 64, maxSurfacePoints: Int = 10_000,
                chartJSPath: String = "/usr/share/javascript/chart.js/chart.min.js", jobFlushInterval: Double = 0.05,
                eventHeartbeatSeconds: Double = 15) {
        self.jobLanes = jobLanes
        self.maxRunningJobs = maxRunningJobs
        self.maxQueuedJobs = maxQueuedJobs
        self.maxSweepJobs = maxSweepJobs
        self.maxSurfacePoints = maxSurfacePoints
        self.chartJSPath = chartJSPath
        self.jobFlushInterval = jobFlushInterval
        self.eventHeartbeatSeconds = eventHeartbeatSeconds
        self.logRequests = logRequests
        self.dataDirectory = dataDirectory
        self.token = token
        self.lanes = lanes
        self.maxElements = maxElements
        self.maxStoreBytes = maxStoreBytes
        self.maxJSONDepth = maxJSONDepth
        self.maxQueuedRequests = maxQueuedRequests
        self.expressionLimits = expressionLimits
        self.http = http
    }
}
