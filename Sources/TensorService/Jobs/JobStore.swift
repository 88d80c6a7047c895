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
    /// The node holding the job's lease, and the lease's token: each claim increments the
    /// token, and every write of a running job names the token it was claimed with, so a
    /// node that lost the lease cannot write (see `JobStore.claim`).
    var owner: String? = nil
    var leaseToken: Int64 = 0
    /// A cancel asked on a node that does not run the job, for its owner to honour.
    var cancelRequested = false
}

struct StatusTransition: Codable, Sendable, Equatable {
    var status: JobStatus
    var at: Millis
    var message: String
}

/// A session a node left inside a transaction on a job whose lease ran out, ended by
/// `JobStore.endStalledWriters` (on PostgreSQL: its backend's pid and its node's name).
struct StalledWriter: Sendable, Equatable {
    var job: String
    var session: Int64
    var node: String
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
    enum Kind: String, Sendable, CaseIterable {
        case status, metric, checkpoint, log, end

        /// Kinds of which a job keeps only the newest `JobLimits.maxEvents`; the others are
        /// bounded by the lifecycle and the metric history, and a stream needs every one.
        var isCapped: Bool {
            switch self {
            case .checkpoint, .log: true
            case .status, .metric, .end: false
            }
        }

        /// The capped kinds as an SQL list (`'checkpoint', 'log'`), for the stores' pruning.
        static let cappedSQL = allCases.filter(\.isCapped).map { "'\($0.rawValue)'" }.joined(separator: ", ")
    }
    var id: Int64
    var kind: Kind
    var data: [UInt8]
}

struct CheckpointInfo: Sendable, Equatable {
    var step: Int
    var epoch: Int?
    var createdAt: Millis
    var bytes: Int
    /// The checkpoint's name; its bytes are the job's blob `checkpoints/<file>`.
    var file: String
    /// The metric history's state when the checkpoint was taken, to resume it exactly.
    var metricState: [String: MetricHistory.KeyState]?
}

/// What one flush writes, in one transaction, fenced by `job.leaseToken`: on resumption the
/// metric points after the checkpoint (`truncateMetrics`), the job row as it now is, the
/// metric points (per key, the stored points from `replaceMetricsFrom` on are replaced by
/// them), events, checkpoint bookkeeping and blobs (checkpoint bytes, the final parameters).
struct JobWrite: Sendable {
    var job: JobRecord
    var truncateMetrics: MetricTruncation?
    var metrics: [MetricPoint] = []
    var replaceMetricsFrom: [String: Int] = [:]
    var events: [JobEventRecord] = []
    var addCheckpoint: CheckpointInfo?
    var removeCheckpoints: [Int] = []
    var blobs: [String: [UInt8]] = [:]
    /// Keep only this many of the job's capped events (`Kind.isCapped`), the newest.
    var keepCappedEvents: Int?
    /// A clean stop: the lease ends now (another node may resume the job at once).
    var releaseLease = false
}

/// On resumption from a checkpoint: the points of each key in `keys` after its step go, and
/// those of other keys after `others`; the deterministic re-run records them again.
struct MetricTruncation: Sendable, Equatable {
    var keys: [String: Int]
    var others: Int
}

enum JobStoreError: Error, Equatable {
    /// The job's lease token is no longer the writer's: another node claimed the job (this
    /// node was paused or cut off past its lease). Nothing of the write was applied.
    case leaseLost(String)
    /// The queue has no room for the jobs of a submission; `queued` jobs wait unclaimed.
    /// Nothing of the submission was inserted.
    case queueFull(queued: Int)
}

/// What a lease holder learns at a heartbeat: the lease still held (renewed) and whether a
/// cancel was requested elsewhere. A job missing from the answer lost its lease.
struct LeaseRenewal: Sendable, Equatable {
    var cancelRequested: Bool
}

/// A job to insert with its first events and blobs (`JobStore.create`).
struct NewJob: Sendable {
    var job: JobRecord
    var events: [JobEventRecord] = []
    var blobs: [String: [UInt8]] = [:]
}

/// The outcome of creating a job with an idempotency key.
enum JobCreation: Sendable, Equatable {
    case created(JobRecord)
    /// The key was used before with the same body: the job it created.
    case existing(JobRecord)
    /// The key was used before with another body: that job's id.
    case conflict(String)
}

/// Where jobs, their status transitions, metric history, events, checkpoints and the blobs
/// of a job (its refs, checkpoint bytes, final parameters) live, so that any node can resume
/// or serve any job. SQLite in the data directory by default; a shared database implements
/// the same protocol so several servers serve one queue.
///
/// Claiming follows the database-backed queues (River, Oban, Solid Queue): a node takes the
/// oldest claimable job in one atomic statement, holding a lease (owner, an incrementing
/// token, an expiry by the store's clock) that it renews by heartbeat; every write of the
/// job is fenced by the token, so a node that lost its lease cannot write.
protocol JobStore: AnyObject, Sendable {
    /// Inserts jobs with their first events and blobs in one transaction and assigns their
    /// `seq`; a job whose idempotency key was used before is not inserted (its outcome names
    /// the job that has the key) and takes no place in the queue. With `maxQueued`, the new
    /// jobs go in, all of them or none (`JobStoreError.queueFull`), only if the queue
    /// (`unclaimedCount`) then holds at most `maxQueued`: the count and the inserts are one,
    /// and submissions on every node sharing the store take their turns at it, so two nodes
    /// cannot both take the last place.
    func create(_ jobs: [NewJob], maxQueued: Int?) throws -> [JobCreation]
    func job(_ id: String) throws -> JobRecord?
    func job(idempotencyKey: String) throws -> JobRecord?
    /// Jobs newest first, optionally with one status, older than `beforeSeq`.
    func list(status: JobStatus?, beforeSeq: Int64?, limit: Int) throws -> [JobRecord]
    /// The jobs of a sweep, oldest first.
    func jobs(sweep: String) throws -> [JobRecord]
    func count(status: JobStatus) throws -> Int
    /// Queued jobs that no node has claimed: the queue `--max-queued-jobs` bounds.
    func unclaimedCount() throws -> Int
    /// Applies a flush atomically if `write.job.leaseToken` is still the job's token;
    /// throws `JobStoreError.leaseLost` (applying nothing) otherwise. Only a claim raises the
    /// job's `attempts`: a write may lower it (a clean stop writes 0), never raise it, and a
    /// write whose checkpoint is past every stored one sets it to 0, since that start made
    /// progress (see `JobLimits.maxAttempts`).
    func commit(_ write: JobWrite) throws
    /// Claims for `node` the oldest job (by `seq`) that is not terminal and has no owner or
    /// an expired lease (a job stays `queued` until its first write after the claim), or
    /// exactly the job `id` if it is claimable: owner, token + 1, expiry now + `leaseMillis`,
    /// attempts + 1. Atomic: two nodes never claim one job with one token. Nil when nothing
    /// is claimable.
    func claim(node: String, leaseMillis: Millis, job id: String?) throws -> JobRecord?
    /// Extends the leases `node` holds (job id → token) to now + `leaseMillis`; the answer
    /// names the jobs whose lease was still held.
    func renew(node: String, leases: [String: Int64], leaseMillis: Millis) throws -> [String: LeaseRenewal]
    /// Frees the jobs whose lease ran out but which a stalled writer still holds, so that a
    /// claim can take them: on a shared store, the sessions whose transaction has held such a
    /// job's row for at least `leaseMillis`, waiting for their node in the middle of a statement,
    /// are ended (their transactions roll back). Returns
    /// what was ended. The embedded store has one writer, in this process: nothing to end.
    func endStalledWriters(leaseMillis: Millis) throws -> [StalledWriter]
    /// Records a cancel for the node that runs the job; returns the job (nil if unknown).
    func requestCancel(_ id: String) throws -> JobRecord?
    /// A node starts: the leases it can know to be dead end now. The embedded store (one
    /// process per data directory) ends every lease; a shared store those held under `node`.
    func startNode(_ node: String) throws
    /// A blob of the job (`refs/<name>.tensor`, `checkpoints/<file>`, `final.ckpt`).
    func blob(job: String, name: String) throws -> [UInt8]?
    /// Points sorted by key, then step; `keys` nil means all.
    func metrics(job: String, keys: [String]?, from: Int, through: Int?) throws -> [MetricPoint]
    func events(job: String, after id: Int64, limit: Int) throws -> [JobEventRecord]
    func lastEventId(job: String) throws -> Int64
    /// Kept checkpoints, oldest first.
    func checkpoints(job: String) throws -> [CheckpointInfo]
    /// Deletes the job with everything recorded about it.
    func delete(_ id: String) throws
}
