/// What one job may ask for and produce: checked at submission (sizes of the work) and kept
/// while it runs (metric history, the writer's queue, restarts). Every field is a `tensord`
/// flag; the defaults let the examples of the README and a 5,000,000-step objective run.
public struct JobLimits: Sendable, Equatable {
    /// Most optimizer steps a job may plan: an objective's `steps`, or a model's
    /// `epochs` × batches per epoch.
    public var maxSteps = 100_000_000
    /// Most `epochs` of a model job.
    public var maxEpochs = 1_000_000
    /// Largest `batch_size` of a model job.
    public var maxBatchSize = 65_536
    /// Largest `in`/`out` of a linear layer (the parameter count is checked against
    /// `--max-elements` too).
    public var maxLayerWidth = 65_536
    /// Stored points per metric key of one job: a run with fewer steps keeps every step, a
    /// longer one a decimated history of at most this many points (see `MetricHistory`).
    public var maxMetricPoints = 10_000
    /// Most parameter elements (in all) of an objective job whose trajectory (every element
    /// at every step, one metric key each) is recorded; beyond it only loss, lr and grad_norm are.
    public var maxTrajectoryElements = 64
    /// Checkpoint and log events stored per job: past it the oldest of them are deleted (a
    /// tenth of the limit at a time), so a long job's event count stays flat. Status, metric
    /// and end events are always kept (metric events are bounded with the metric history).
    public var maxEvents = 10_000
    /// Flushes the job writer may hold before a job's lane waits for it (backpressure).
    public var writerQueue = 64
    /// Starts or resumes of one job in a row that may end without a clean shutdown (a crash, a
    /// kill, a lease lost) and without progress before the next claim marks it `failed` instead
    /// of resuming it again: a job that takes its node down before its next checkpoint, again
    /// and again. A start that commits a checkpoint past the newest one ends the row (the
    /// count goes back to 0), so a job that is only slow and loses its leases under load, but
    /// checkpoints in between, never reaches the limit; River likewise gives back the attempt
    /// of a job that snoozes (it decrements `attempt`), since only failures should use them up.
    public var maxAttempts = 3
    /// Seconds a node's claim of a job holds without a heartbeat (heartbeats come every
    /// third of it): how long a job waits after its node died before another resumes it.
    public var leaseSeconds = 15.0
    /// Memory for finished jobs' views (record and rendered answer) kept for reads, so that a
    /// `GET` of a finished job reads no database row (the embedded store only: with a shared
    /// database another node may delete the job).
    public var finishedCacheBytes = 32 << 20

    public init() {}
}
