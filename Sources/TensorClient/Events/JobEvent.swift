import TensorWire

/// One event of a job's stream (`GET /v1/jobs/{id}/events`).
public struct JobEvent: Sendable {
    public enum Kind: Sendable {
        /// A status change.
        case status(StatusTransition)
        /// A recorded metric point.
        case metric(MetricPoint)
        /// A checkpoint was written.
        case checkpoint(Checkpoint)
        /// A message worth a person's attention (epoch summaries, warnings, errors).
        case log(JobLog)
        /// The job reached a terminal status; the stream ends.
        case end(status: JobStatus, error: APIProblem?)
        /// An event type this client does not know.
        case other
    }

    /// The event's `id` (monotonic per job, from 1).
    public var id: String
    public var kind: Kind
    /// The event as it came off the wire.
    public var raw: ServerSentEvent

    init(_ event: ServerSentEvent) throws(TensorClientError) {
        id = event.lastEventID
        raw = event
        let known = ["status", "metric", "checkpoint", "log", "end"]
        guard known.contains(event.type) else {
            kind = .other
            return
        }
        let data: JSONValue
        do { data = try JSONParser().parse(event.data) } catch {
            throw .invalidResponse("the data of '\(event.type)' event \(event.lastEventID) is not JSON: \(error.message)")
        }
        switch event.type {
        case "status": kind = .status(try StatusTransition(data))
        case "metric": kind = .metric(try MetricPoint(data))
        case "checkpoint": kind = .checkpoint(try Checkpoint(data))
        case "log": kind = .log(JobLog(level: try data.string("level"), message: try data.string("message"), at: try data.string("at")))
        default:
            let s = try data.string("status")
            guard let status = JobStatus(rawValue: s), status.isTerminal else { throw .invalidResponse("an end event with status '\(s)'") }
            kind = .end(status: status, error: try data.optionalMember("error").map { (e: JSONValue) throws(TensorClientError) in try APIProblem(e) })
        }
    }
}

/// The data of a `log` event.
public struct JobLog: Sendable, Equatable {
    /// `info`, `warning` or `error`.
    public var level: String
    public var message: String
    public var at: String
}

/// What an event handler wants next.
public enum EventStreamAction: Sendable {
    case proceed
    case stop
}
