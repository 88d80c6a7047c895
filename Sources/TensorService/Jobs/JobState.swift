/// A job's status (api.md "Training jobs"): `queued → running → succeeded | failed |
/// cancelled`, with `cancelling` while a cancel is honoured. Terminal states never change.
public enum JobStatus: String, Sendable, CaseIterable, Codable {
    case queued, running, cancelling, succeeded, failed, cancelled

    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled: true
        case .queued, .running, .cancelling: false
        }
    }
}

/// What happens to a job.
enum JobEvent: Equatable, Sendable {
    /// A running slot is free for a queued job.
    case start
    /// The server restarted and found the job `running` or `cancelling`.
    case restart
    /// One step ran and there is more to do.
    case stepCompleted
    /// The work is done: all epochs or steps, or a stopping criterion (the message says which).
    case finished(String)
    /// A step threw.
    case failed(String)
    case cancel
}

/// What the runner must do in answer to an event.
enum JobAction: Equatable, Sendable {
    /// Record a status transition (with its event) and make it the job's status.
    case transition(JobStatus, String)
    /// Enqueue the job's next step on the engine.
    case runStep
    /// The job has reached a terminal status: release its slot, write its final parameters,
    /// and send the `end` event.
    case end
}

/// An event the current status does not allow.
enum JobLifecycleError: Error, Equatable {
    /// Cancelling a job that already succeeded or failed.
    case notCancellable(JobStatus)
    case invalid(JobEvent, JobStatus)
}

/// The job lifecycle as a pure value: `handle` maps (status, event) to the new status and
/// the actions to take, with no I/O, so every transition is testable on its own.
///
/// ```swift
/// var job = JobLifecycle()
/// job.handle(.start)            // [.transition(.running, "started"), .runStep]
/// job.handle(.cancel)           // [.transition(.cancelling, …)]
/// job.handle(.stepCompleted)    // [.transition(.cancelled, "cancelled"), .end]
/// ```
struct JobLifecycle: Equatable, Sendable {
    private(set) var status: JobStatus

    init(status: JobStatus = .queued) { self.status = status }

    mutating func handle(_ event: JobEvent) throws(JobLifecycleError) -> [JobAction] {
        switch (status, event) {
        case (.queued, .start):
            return move(.running, "started", then: [.runStep])
        case (.queued, .cancel):
            return move(.cancelled, "cancelled before it started", then: [.end])
        case (.running, .restart):
            // Same status: no transition, the runner logs the resumption instead.
            return [.runStep]
        case (.cancelling, .restart):
            return move(.cancelled, "cancelled (the server restarted while cancelling)", then: [.end])
        case (.running, .stepCompleted):
            return [.runStep]
        case (.running, .cancel):
            return move(.cancelling, "cancel requested; stopping after the current step")
        case (.cancelling, .stepCompleted), (.cancelling, .finished):
            return move(.cancelled, "cancelled", then: [.end])
        case (.running, .finished(let why)):
            return move(.succeeded, why, then: [.end])
        case (.running, .failed(let why)), (.cancelling, .failed(let why)):
            return move(.failed, why, then: [.end])
        case (.cancelling, .cancel), (.cancelled, .cancel):
            return []
        case (.succeeded, .cancel), (.failed, .cancel):
            throw .notCancellable(status)
        default:
            throw .invalid(event, status)
        }
    }

    private mutating func move(_ to: JobStatus, _ message: String, then actions: [JobAction] = []) -> [JobAction] {
        status = to
        return [.transition(to, message)] + actions
    }
}
