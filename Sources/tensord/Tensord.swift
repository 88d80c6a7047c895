import ArgumentParser
import Foundation
import HTTPServer
import TensorService

/// `tensord`: the Tensord server. Every option also reads an environment variable
/// (`--port` ← `TENSORD_PORT`); a flag on the command line wins.
@main
struct Tensord: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tensord: PyTorch tensor semantics over an HTTP/1.1 JSON API.",
        discussion: "Every option can also be set by the environment variable named in its help (the flag wins).")

    @Option(help: "Address to listen on (TENSORD_HOST).") var host = env("TENSORD_HOST") ?? "127.0.0.1"
    @Option(help: "Port to listen on; 0 picks a free one (TENSORD_PORT).") var port = env("TENSORD_PORT").flatMap(Int.init) ?? 8080
    @Option(help: "Data directory for tensors and jobs (TENSORD_DATA_DIR).") var dataDir = env("TENSORD_DATA_DIR") ?? "tensord-data"
    @Option(help: "PostgreSQL URL (postgresql://user[:password]@host:port/db; the password may come from PGPASSWORD) shared by several nodes for jobs, sweeps and tensors; without it, SQLite in the data directory (TENSORD_DATABASE_URL).")
    var database: String?
    @Option(help: "PostgreSQL connections this node opens at most, with --database (TENSORD_DATABASE_CONNECTIONS).")
    var databaseConnections = envInt("TENSORD_DATABASE_CONNECTIONS") ?? ServiceConfiguration().databaseConnections
    @Option(help: "This node's name among the nodes of one database; default host name and pid (TENSORD_NODE_ID).")
    var nodeId = env("TENSORD_NODE_ID") ?? ServiceConfiguration.defaultNodeId
    @Option(help: "Bearer token every /v1 request must carry (TENSORD_TOKEN).") var token: String?
    @Option(help: "Compute lanes of the shared engine (TENSORD_LANES).") var lanes = envInt("TENSORD_LANES") ?? ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Most elements of one tensor or result (TENSORD_MAX_ELEMENTS).") var maxElements = envInt("TENSORD_MAX_ELEMENTS") ?? 16_777_216
    @Option(help: "Most bytes the tensor store holds (TENSORD_MAX_STORE_BYTES).") var maxStoreBytes = envInt("TENSORD_MAX_STORE_BYTES") ?? 1 << 30
    @Option(help: "Replaced tensor files kept to write later uploads over; 0 keeps none (TENSORD_MAX_STORE_SPARES).") var maxStoreSpares = envInt("TENSORD_MAX_STORE_SPARES") ?? TensorStore.SpareLimits().files
    @Option(help: "Most bytes of all kept spare tensor files together (TENSORD_MAX_STORE_SPARE_BYTES).") var maxStoreSpareBytes = envInt("TENSORD_MAX_STORE_SPARE_BYTES") ?? TensorStore.SpareLimits().bytes
    @Option(help: "Most bytes of a request body (TENSORD_MAX_BODY_BYTES).") var maxBodyBytes = envInt("TENSORD_MAX_BODY_BYTES") ?? 64 << 20
    @Option(help: "Deepest JSON nesting of a request (TENSORD_MAX_JSON_DEPTH).") var maxJSONDepth = envInt("TENSORD_MAX_JSON_DEPTH") ?? 512
    @Option(help: "Interactive requests queued for a lane before 429 (TENSORD_MAX_QUEUED_REQUESTS).") var maxQueuedRequests = envInt("TENSORD_MAX_QUEUED_REQUESTS") ?? 1024
    @Option(help: "Most bytes of a /v1/eval or objective program (TENSORD_MAX_EXPRESSION_BYTES).") var maxExpressionBytes = envInt("TENSORD_MAX_EXPRESSION_BYTES") ?? ExpressionParser.Limits().maxSourceBytes
    @Option(help: "Most tokens of a /v1/eval or objective program (TENSORD_MAX_EXPRESSION_TOKENS).") var maxExpressionTokens = envInt("TENSORD_MAX_EXPRESSION_TOKENS") ?? ExpressionParser.Limits().maxTokens
    @Option(help: "Most open connections; at the limit the oldest idle ones are closed to admit a new one (TENSORD_MAX_CONNECTIONS).") var maxConnections = envInt("TENSORD_MAX_CONNECTIONS") ?? HTTPServerConfiguration().maxConnections
    @Option(help: "Descriptors kept for files and databases when --max-connections is fitted to RLIMIT_NOFILE (TENSORD_RESERVED_FDS).") var reservedFds = envInt("TENSORD_RESERVED_FDS") ?? HTTPServerConfiguration().reservedDescriptors
    @Option(help: "Event-loop threads reading requests and running handlers inline; default twice the cores (TENSORD_EVENT_LOOPS).") var eventLoops = envInt("TENSORD_EVENT_LOOPS") ?? HTTPServerConfiguration().eventLoops
    @Option(help: "Milliseconds a handler may hold its event loop before the loop moves to another thread (TENSORD_HANDLER_BUDGET_MS).") var handlerBudgetMs = envInt("TENSORD_HANDLER_BUDGET_MS") ?? 10
    @Option(help: "Most bytes of the request line (TENSORD_MAX_REQUEST_LINE_BYTES).") var maxRequestLineBytes = envInt("TENSORD_MAX_REQUEST_LINE_BYTES") ?? 8 * 1024
    @Option(help: "Most bytes of the request headers (TENSORD_MAX_HEADER_BYTES).") var maxHeaderBytes = envInt("TENSORD_MAX_HEADER_BYTES") ?? 16 * 1024
    @Option(help: "Most request header fields (TENSORD_MAX_HEADER_COUNT).") var maxHeaderCount = envInt("TENSORD_MAX_HEADER_COUNT") ?? 100
    @Option(help: "Seconds to receive the request headers (TENSORD_HEADER_TIMEOUT).") var headerTimeout = envInt("TENSORD_HEADER_TIMEOUT") ?? 10
    @Option(help: "Seconds to receive the request body (TENSORD_BODY_TIMEOUT).") var bodyTimeout = envInt("TENSORD_BODY_TIMEOUT") ?? 30
    @Option(help: "Seconds an idle keep-alive connection stays open (TENSORD_IDLE_TIMEOUT).") var idleTimeout = envInt("TENSORD_IDLE_TIMEOUT") ?? 30
    @Option(help: "Seconds one send may wait for a client that does not read, then the connection closes (TENSORD_WRITE_TIMEOUT).") var writeTimeout = envInt("TENSORD_WRITE_TIMEOUT") ?? 30
    @Option(help: "Requests served on one connection before it closes (TENSORD_MAX_REQUESTS_PER_CONNECTION).") var maxRequestsPerConnection = envInt("TENSORD_MAX_REQUESTS_PER_CONNECTION") ?? 10_000
    @Option(help: "Seconds in-flight requests get to finish on shutdown (TENSORD_SHUTDOWN_GRACE).") var shutdownGrace = envInt("TENSORD_SHUTDOWN_GRACE") ?? 10
    @Option(help: "Lanes that may run job steps at once; default all but one (TENSORD_JOB_LANES).") var jobLanes: Int?
    @Option(help: "Training jobs running at once (TENSORD_MAX_RUNNING_JOBS).") var maxRunningJobs = envInt("TENSORD_MAX_RUNNING_JOBS") ?? 2
    @Option(help: "Jobs waiting in 'queued' before a submission gets 429 (TENSORD_MAX_QUEUED_JOBS).") var maxQueuedJobs = envInt("TENSORD_MAX_QUEUED_JOBS") ?? 64
    @Option(help: "Jobs one sweep's grid may make (TENSORD_MAX_SWEEP_JOBS).") var maxSweepJobs = envInt("TENSORD_MAX_SWEEP_JOBS") ?? 64
    @Option(help: "Grid points one loss-surface request may evaluate (TENSORD_MAX_SURFACE_POINTS).") var maxSurfacePoints = envInt("TENSORD_MAX_SURFACE_POINTS") ?? 10_000
    @Option(help: "Chart.js file the dashboard serves, from Debian's libjs-chart.js (TENSORD_CHART_JS).") var chartJS = env("TENSORD_CHART_JS") ?? "/usr/share/javascript/chart.js/chart.min.js"
    @Option(help: "Seconds a running job's metrics may stay buffered before they are written (TENSORD_JOB_FLUSH_INTERVAL).") var jobFlushInterval = env("TENSORD_JOB_FLUSH_INTERVAL").flatMap(Double.init) ?? 0.05
    @Option(help: "Event streams open at once; more are 503 (TENSORD_MAX_EVENT_STREAMS).") var maxEventStreams = envInt("TENSORD_MAX_EVENT_STREAMS") ?? ServiceConfiguration().maxEventStreams
    @Option(help: "Seconds between heartbeat comments on an idle event stream (TENSORD_EVENT_HEARTBEAT).") var eventHeartbeat = env("TENSORD_EVENT_HEARTBEAT").flatMap(Double.init) ?? 15
    @Option(help: "Most optimizer steps one job may plan (TENSORD_MAX_JOB_STEPS).") var maxJobSteps = envInt("TENSORD_MAX_JOB_STEPS") ?? JobLimits().maxSteps
    @Option(help: "Most epochs of a model job (TENSORD_MAX_JOB_EPOCHS).") var maxJobEpochs = envInt("TENSORD_MAX_JOB_EPOCHS") ?? JobLimits().maxEpochs
    @Option(help: "Largest batch_size of a model job (TENSORD_MAX_JOB_BATCH_SIZE).") var maxJobBatchSize = envInt("TENSORD_MAX_JOB_BATCH_SIZE") ?? JobLimits().maxBatchSize
    @Option(help: "Largest in/out of a linear layer; the parameter count is held to --max-elements (TENSORD_MAX_LAYER_WIDTH).") var maxLayerWidth = envInt("TENSORD_MAX_LAYER_WIDTH") ?? JobLimits().maxLayerWidth
    @Option(help: "Stored points per metric of one job; longer runs keep a decimated history (TENSORD_MAX_METRIC_POINTS).") var maxMetricPoints = envInt("TENSORD_MAX_METRIC_POINTS") ?? JobLimits().maxMetricPoints
    @Option(help: "Most parameter elements of an objective job whose trajectory is recorded (TENSORD_MAX_TRAJECTORY_ELEMENTS).") var maxTrajectoryElements = envInt("TENSORD_MAX_TRAJECTORY_ELEMENTS") ?? JobLimits().maxTrajectoryElements
    @Option(help: "Checkpoint and log events stored per job; past it the oldest are deleted (TENSORD_MAX_JOB_EVENTS).") var maxJobEvents = envInt("TENSORD_MAX_JOB_EVENTS") ?? JobLimits().maxEvents
    @Option(help: "Flushes the job writer holds before a job waits for it (TENSORD_JOB_WRITER_QUEUE).") var jobWriterQueue = envInt("TENSORD_JOB_WRITER_QUEUE") ?? JobLimits().writerQueue
    @Option(help: "Starts of a job that may end in a crash before a restart fails it instead of resuming it (TENSORD_MAX_JOB_ATTEMPTS).") var maxJobAttempts = envInt("TENSORD_MAX_JOB_ATTEMPTS") ?? JobLimits().maxAttempts
    @Option(help: "Seconds a node's claim of a running job holds without a heartbeat; another node resumes the job after it (TENSORD_LEASE_SECONDS).") var leaseSeconds = env("TENSORD_LEASE_SECONDS").flatMap(Double.init) ?? JobLimits().leaseSeconds
    @Option(help: "Bytes of finished jobs kept in memory for reads, with the embedded store (TENSORD_JOB_CACHE_BYTES).") var jobCacheBytes = envInt("TENSORD_JOB_CACHE_BYTES") ?? JobLimits().finishedCacheBytes
    @Option(help: "Bytes of /v1/eval program text whose parsed programs are kept for reuse; 0: none (TENSORD_PROGRAM_CACHE_BYTES).") var programCacheBytes = envInt("TENSORD_PROGRAM_CACHE_BYTES") ?? ServiceConfiguration().programCacheBytes
    @Flag(help: "Do not log one line per request (TENSORD_QUIET=1).") var quiet = env("TENSORD_QUIET") == "1"

    // Options without a default are read here, so the environment fills in only what the command line left out.
    var databaseURL: String? { database ?? env("TENSORD_DATABASE_URL") }
    var bearerToken: String? { token ?? env("TENSORD_TOKEN") }
    var jobLaneCount: Int? { jobLanes ?? envInt("TENSORD_JOB_LANES") }

    func validate() throws {
        if let databaseURL, !(databaseURL.hasPrefix("postgresql://") || databaseURL.hasPrefix("postgres://")) {
            throw ValidationError("--database must be a postgresql:// or postgres:// URL")
        }
        guard !nodeId.isEmpty else { throw ValidationError("--node-id must not be empty") }
        guard eventLoops >= 1 else { throw ValidationError("--event-loops must be at least 1") }
        guard handlerBudgetMs >= 1 else { throw ValidationError("--handler-budget-ms must be at least 1") }
        for (flag, value, least) in [("--max-job-steps", maxJobSteps, 1), ("--max-job-epochs", maxJobEpochs, 1),
                                     ("--max-job-batch-size", maxJobBatchSize, 1), ("--max-layer-width", maxLayerWidth, 1),
                                     ("--max-metric-points", maxMetricPoints, 8), ("--max-job-events", maxJobEvents, 1),
                                     ("--max-trajectory-elements", maxTrajectoryElements, 0), ("--job-writer-queue", jobWriterQueue, 1),
                                     ("--max-job-attempts", maxJobAttempts, 1), ("--job-cache-bytes", jobCacheBytes, 0), ("--program-cache-bytes", programCacheBytes, 0),
                                     ("--max-connections", maxConnections, 1), ("--max-event-streams", maxEventStreams, 1), ("--reserved-fds", reservedFds, 0),
                                     ("--write-timeout", writeTimeout, 1), ("--max-store-spares", maxStoreSpares, 0),
                                     ("--max-store-spare-bytes", maxStoreSpareBytes, 0), ("--max-expression-bytes", maxExpressionBytes, 1),
                                     ("--max-expression-tokens", maxExpressionTokens, 1), ("--database-connections", databaseConnections, 1)] where value < least {
            throw ValidationError("\(flag) must be at least \(least)")
        }
        guard leaseSeconds >= 0.3 && leaseSeconds <= 86_400 else { throw ValidationError("--lease-seconds must be in 0.3…86400") }
    }

    func run() throws {
        defer { LogWriter.standardError.flush() }
        var http = HTTPServerConfiguration()
        http.host = host
        http.port = port
        http.maxConnections = maxConnections
        http.reservedDescriptors = reservedFds
        http.eventLoops = eventLoops
        http.handlerBudget = .milliseconds(handlerBudgetMs)
        http.maxRequestLineBytes = maxRequestLineBytes
        http.maxHeaderBytes = maxHeaderBytes
        http.maxHeaderCount = maxHeaderCount
        http.maxBodyBytes = maxBodyBytes
        http.headerReadTimeout = .seconds(headerTimeout)
        http.bodyReadTimeout = .seconds(bodyTimeout)
        http.idleTimeout = .seconds(idleTimeout)
        http.writeTimeout = .seconds(writeTimeout)
        http.maxRequestsPerConnection = maxRequestsPerConnection
        http.shutdownGracePeriod = .seconds(shutdownGrace)
        var configuration = ServiceConfiguration(
            dataDirectory: URL(fileURLWithPath: dataDir), token: bearerToken, lanes: lanes, maxElements: maxElements,
            maxStoreBytes: maxStoreBytes, maxJSONDepth: maxJSONDepth, maxQueuedRequests: maxQueuedRequests,
            logRequests: !quiet, http: http, jobLanes: jobLaneCount, maxRunningJobs: maxRunningJobs, maxQueuedJobs: maxQueuedJobs,
            maxSweepJobs: maxSweepJobs, maxSurfacePoints: maxSurfacePoints, chartJSPath: chartJS, jobFlushInterval: jobFlushInterval, eventHeartbeatSeconds: eventHeartbeat)
        configuration.databaseURL = databaseURL
        configuration.nodeId = nodeId
        configuration.databaseConnections = databaseConnections
        configuration.maxEventStreams = maxEventStreams
        configuration.storeSpares.files = maxStoreSpares
        configuration.storeSpares.bytes = maxStoreSpareBytes
        configuration.expressionLimits.maxSourceBytes = maxExpressionBytes
        configuration.expressionLimits.maxTokens = maxExpressionTokens
        configuration.programCacheBytes = programCacheBytes
        configuration.jobLimits.maxSteps = maxJobSteps
        configuration.jobLimits.maxEpochs = maxJobEpochs
        configuration.jobLimits.maxBatchSize = maxJobBatchSize
        configuration.jobLimits.maxLayerWidth = maxLayerWidth
        configuration.jobLimits.maxMetricPoints = maxMetricPoints
        configuration.jobLimits.maxEvents = maxJobEvents
        configuration.jobLimits.writerQueue = jobWriterQueue
        configuration.jobLimits.maxTrajectoryElements = maxTrajectoryElements
        configuration.jobLimits.maxAttempts = maxJobAttempts
        configuration.jobLimits.leaseSeconds = leaseSeconds
        configuration.jobLimits.finishedCacheBytes = jobCacheBytes
        let service = try TensorService(configuration: configuration)
        let server = service.makeServer()
        try server.start()
        server.installSignalHandlers()
        HTTPServer.standardErrorLogger(
            "tensord \(TensorService.version) listening on http://\(host):\(server.port) (data \(dataDir)\(configuration.redactedDatabaseURL.map { ", database \($0)" } ?? ""), node \(nodeId), \(lanes) lanes, \(maxRunningJobs) running jobs, \(server.connectionLimit) connections\(bearerToken == nil ? "" : ", token required"))")
        server.waitUntilStopped()
        service.shutdown()
        HTTPServer.standardErrorLogger("tensord stopped")
    }
}

private func env(_ name: String) -> String? { ProcessInfo.processInfo.environment[name] }
private func envInt(_ name: String) -> Int? { env(name).flatMap(Int.init) }
