import Foundation

/// Milliseconds since 1970 (UTC): how the job system keeps time.
typealias Millis = Int64

/// A job as stored: everything the job resource shows, plus the raw spec.
struct JobRecord: Sendable, Equatable {
    var id: String
    /// Creation order (newest first in listings).
    var seq: Int64 = 0
    var name: String?
    var isObjective: Bool
    var status: JobStatus
    var statusMessage: String?
    var createdAt: Millis
    var startedAt: Millis?
    var finishedAt: Millis?
    var step = 0
    /// Epochs completed (nil for objective jobs).
    var epoch: Int?
    var totalSteps: Int?
    var totalEpochs: Int?
    var latest = LatestMetrics()
    var error: JobProblem?
    var transitions: [StatusTransition] = []
    /// Starts and resumes since the job last stopped cleanly (see `JobLimits.maxAttempts`).
    var attempts = 0
    /// Running time so far (time spent queued does not count).
    var runtimeSeconds = 0.0
    /// The request body that created the job, byte for byte.
    var spec: [UInt8]
    var idempotencyKey: String?
    /// The sweep that created the job, and the JSON object of its grid values there.
    var sweepId: String? = nil
    var grid: [UInt8]? = nil
}

struct StatusTransition: Codable, Sendable, Equatable {
    var status: JobStatus
    var at: Millis
    var message: String
}

/// The latest value of each metric the job resource shows.
struct LatestMetrics: Codable, Sendable, Equatable {
    static let keys = ["loss", "val_loss", "accuracy", "val_accuracy", "lr", "grad_norm"]
    var values: [String: Double] = [:]
}

/// A problem as a failed job keeps it (`error` of the job resource, `end` event).
struct JobProblem: Codable, Sendable, Equatable {
    var status: Int
    var code: String
    var title: String
    var detail: String
    var pointer: String?

    init(_ p: Problem) {
        status = p.statusCode
        code = p.code
        title = p.title
        detail = p.detail
        pointer = p.errors.first?.pointer
    }
}

/// One recorded value: step `k` is the value with the parameters after `k` updates.
struct MetricPoint: Codable, Sendable, Equatable {
    var key: String
    var step: Int
    var epoch: Int?
    var value: Double
    var timestamp: Millis
}

/// One stored event of a job's stream; `data` is the event's JSON.
struct JobEventRecord: Sendable, Equatable {
    enum Kind: String, Sendable { case status, metric, checkpoint, log, end }
    var id: Int64
    var kind: Kind
    var data: [UInt8]
}

struct CheckpointInfo: Sendable, Equatable {
    var step: Int
    var epoch: Int?
    var createdAt: Millis
    var bytes: Int
    /// The file name inside the job's checkpoint directory.
    var file: String
    /// The metric history's state when the checkpoint was taken, to resume it exactly.
    var metricState: [String: MetricHistory.KeyState]?
}

/// What one flush writes, in one transaction: the job row as it now is, the metric points
/// (per key, the stored points from `replaceMetricsFrom` on are replaced by them), events,
/// and checkpoint bookkeeping.
struct JobWrite: Sendable {
    var job: JobRecord
    var metrics: [MetricPoint] = []
    var replaceMetricsFrom: [String: Int] = [:]
    var events: [JobEventRecord] = []
    var addCheckpoint: CheckpointInfo?
    var removeCheckpoints: [Int] = []
}

/// The outcome of creating a job with an idempotency key.
enum JobCreation: Sendable, Equatable {
    case created(JobRecord)
    /// The key was used before with the same body: the job it created.
    case existing(JobRecord)
    /// The key was used before with another body: that job's id.
    case conflict(String)
}

/// Where jobs, their status transitions, metric history, events and checkpoint records
/// live. SQLite in the data directory by default; a shared database can implement the same
/// protocol so several servers serve one queue.
protocol JobStore: AnyObject, Sendable {
    /// Inserts a job unless its idempotency key was already used; assigns `seq`.
    func create(_ job: JobRecord) throws -> JobCreation
    func job(_ id: String) throws -> JobRecord?
    func job(idempotencyKey: String) throws -> JobRecord?
    /// Jobs newest first, optionally with one status, older than `beforeSeq`.
    func list(status: JobStatus?, beforeSeq: Int64?, limit: Int) throws -> [JobRecord]
    /// The jobs of a sweep, oldest first.
    func jobs(sweep: String) throws -> [JobRecord]
    /// Jobs that were not terminal when the server stopped, oldest first.
    func unfinished() throws -> [JobRecord]
    func count(status: JobStatus) throws -> Int
    /// Applies a flush atomically.
    func commit(_ write: JobWrite) throws
    /// Points sorted by key, then step; `keys` nil means all.
    func metrics(job: String, keys: [String]?, from: Int, through: Int?) throws -> [MetricPoint]
    /// Removes, on resumption from a checkpoint, the points of each key in `keys` after its
    /// step, and those of other keys after `others`.
    func truncateMetrics(job: String, keys: [String: Int], others: Int) throws
    /// Persists a job's attempt count before a start or resume runs its first step.
    func recordAttempt(job: String, attempts: Int) throws
    func events(job: String, after id: Int64, limit: Int) throws -> [JobEventRecord]
    func lastEventId(job: String) throws -> Int64
    /// Kept checkpoints, oldest first.
    func checkpoints(job: String) throws -> [CheckpointInfo]
    /// Deletes the job with everything recorded about it.
    func delete(_ id: String) throws
}
