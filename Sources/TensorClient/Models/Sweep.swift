import TensorWire

/// A sweep as the server describes it (`Sweep` in openapi.yaml): its jobs, one per grid
/// combination, with their grid values and metrics, and the best of them.
public struct Sweep: Sendable {
    public var id: String
    public var name: String?
    /// The sweep's status, derived from its jobs'.
    public var status: JobStatus
    /// The grid as submitted (`{"optimizer.lr": [0.01, 0.1]}`).
    public var grid: JSONValue
    /// Steps done of all steps planned, 0 to 100.
    public var percent: Double
    /// The metric and the summary (`final` or `best`) the best job was chosen by.
    public var metric: String
    public var rankBy: String
    public var best: (jobId: String, value: Double)?
    public var jobs: [SweepJob]
    /// The sweep as JSON, exactly as received.
    public var json: JSONValue

    init(_ json: JSONValue) throws(TensorClientError) {
        self.json = json
        id = try json.string("id")
        name = try json.optionalString("name")
        let s = try json.string("status")
        guard let status = JobStatus(rawValue: s) else { throw .invalidResponse("unknown sweep status '\(s)'") }
        self.status = status
        grid = try json.member("grid")
        percent = try json.member("progress").optionalDouble("percent") ?? 0
        metric = try json.string("metric")
        rankBy = try json.string("rank_by")
        best = try json.optionalMember("best").map { (b: JSONValue) throws(TensorClientError) in (try b.string("job_id"), try b.double("value")) }
        jobs = try json.array("jobs").map { (j: JSONValue) throws(TensorClientError) in try SweepJob(j) }
    }
}

/// One job of a sweep.
public struct SweepJob: Sendable {
    public var id: String
    public var status: JobStatus
    /// This job's value of each grid path (`{"optimizer.lr": 0.1}`).
    public var grid: JSONValue
    public var step: Int
    public var totalSteps: Int?
    public var etaSeconds: Double?
    public var latestMetrics: LatestMetrics
    /// The last values, once the job has ended.
    public var finalMetrics: LatestMetrics?
    /// The best value of each ranked metric over the job's history (from ``TensorClient/sweep(_:metric:rankBy:)``).
    public var bestMetrics: LatestMetrics?

    init(_ json: JSONValue) throws(TensorClientError) {
        id = try json.string("id")
        let s = try json.string("status")
        guard let status = JobStatus(rawValue: s) else { throw .invalidResponse("unknown job status '\(s)'") }
        self.status = status
        grid = try json.member("grid")
        step = try json.int("step")
        totalSteps = try json.optionalInt("total_steps")
        etaSeconds = try json.optionalDouble("eta_seconds")
        latestMetrics = try LatestMetrics(try json.member("latest_metrics"))
        finalMetrics = try json.optionalMember("final_metrics").map { (m: JSONValue) throws(TensorClientError) in try LatestMetrics(m) }
        bestMetrics = try json.optionalMember("best_metrics").map { (m: JSONValue) throws(TensorClientError) in try LatestMetrics(m) }
    }
}
