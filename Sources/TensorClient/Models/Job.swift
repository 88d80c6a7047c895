import TensorEngine
import TensorWire

/// A training job as the server describes it (`Job` in openapi.yaml).
public struct Job: Sendable {
    public var id: String
    public var name: String?
    public var status: JobStatus
    public var statusMessage: String?
    /// RFC 3339, UTC.
    public var createdAt: String
    public var startedAt: String?
    public var finishedAt: String?
    public var progress: JobProgress
    public var latestMetrics: LatestMetrics
    /// Why the job failed (`nil` unless `failed`).
    public var error: APIProblem?
    /// The submitted spec (absent in lists).
    public var spec: JSONValue?
    public var statusTransitions: [StatusTransition]
    /// The strong `ETag` of this representation, for ``TensorClient/job(_:ifNoneMatch:)``.
    public var etag: String?
    /// The job as JSON, exactly as received.
    public var json: JSONValue

    init(_ json: JSONValue, etag: String? = nil) throws(TensorClientError) {
        self.json = json
        self.etag = etag
        id = try json.string("id")
        name = try json.optionalString("name")
        let s = try json.string("status")
        guard let status = JobStatus(rawValue: s) else { throw .invalidResponse("unknown job status '\(s)'") }
        self.status = status
        statusMessage = try json.optionalString("status_message")
        createdAt = try json.string("created_at")
        startedAt = try json.optionalString("started_at")
        finishedAt = try json.optionalString("finished_at")
        progress = try JobProgress(try json.member("progress"))
        latestMetrics = try LatestMetrics(try json.member("latest_metrics"))
        error = try json.optionalMember("error").map { (e: JSONValue) throws(TensorClientError) in try APIProblem(e) }
        spec = json.optionalMember("spec")
        statusTransitions = try (json.optionalMember("status_transitions")?.arrayElements ?? []).map {
            (t: JSONValue) throws(TensorClientError) in try StatusTransition(t)
        }
    }
}

/// `queued` → `running` → `succeeded` | `failed` | `cancelled`, with `cancelling` while a
/// cancel is honoured.
public enum JobStatus: String, Sendable, CaseIterable {
    case queued, running, cancelling, succeeded, failed, cancelled

    /// Terminal states never change.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled: true
        case .queued, .running, .cancelling: false
        }
    }
}

public struct JobProgress: Sendable, Equatable {
    /// Epochs completed (`nil` for objective jobs).
    public var epoch: Int?
    public var totalEpochs: Int?
    /// Optimizer steps completed.
    public var step: Int
    public var totalSteps: Int?
    /// 0 to 100.
    public var percent: Double
    /// Estimated seconds left; `nil` when unknown.
    public var etaSeconds: Double?

    public init(epoch: Int? = nil, totalEpochs: Int? = nil, step: Int = 0, totalSteps: Int? = nil, percent: Double = 0, etaSeconds: Double? = nil) {
        self.epoch = epoch
        self.totalEpochs = totalEpochs
        self.step = step
        self.totalSteps = totalSteps
        self.percent = percent
        self.etaSeconds = etaSeconds
    }

    init(_ json: JSONValue) throws(TensorClientError) {
        self.init(epoch: try json.optionalInt("epoch"), totalEpochs: try json.optionalInt("total_epochs"),
                  step: try json.int("step"), totalSteps: try json.optionalInt("total_steps"),
                  percent: try json.optionalDouble("percent") ?? 0, etaSeconds: try json.optionalDouble("eta_seconds"))
    }
}

/// The latest value of each metric (`nil` before it is first recorded).
public struct LatestMetrics: Sendable, Equatable {
    public var loss: Double?
    public var valLoss: Double?
    public var accuracy: Double?
    public var valAccuracy: Double?
    public var lr: Double?
    public var gradNorm: Double?

    public init() {}

    init(_ json: JSONValue) throws(TensorClientError) {
        loss = try json.optionalDouble("loss")
        valLoss = try json.optionalDouble("val_loss")
        accuracy = try json.optionalDouble("accuracy")
        valAccuracy = try json.optionalDouble("val_accuracy")
        lr = try json.optionalDouble("lr")
        gradNorm = try json.optionalDouble("grad_norm")
    }

    /// Records `value` under its metric `key`; trajectory keys (`p[0]`) are not tracked here.
    mutating func record(_ key: String, _ value: Double) {
        switch key {
        case "loss": loss = value
        case "val_loss": valLoss = value
        case "accuracy": accuracy = value
        case "val_accuracy": valAccuracy = value
        case "lr": lr = value
        case "grad_norm": gradNorm = value
        default: break
        }
    }
}

public struct StatusTransition: Sendable, Equatable {
    public var status: JobStatus
    public var at: String
    public var message: String

    init(_ json: JSONValue) throws(TensorClientError) {
        let s = try json.string("status")
        guard let status = JobStatus(rawValue: s) else { throw .invalidResponse("unknown job status '\(s)'") }
        self.status = status
        at = try json.string("at")
        message = try json.optionalString("message") ?? ""
    }
}

/// One recorded metric value: `step` counts the updates the parameters had received.
public struct MetricPoint: Sendable, Equatable {
    public var key: String
    public var step: Int
    /// The 0-based epoch (`nil` for objective jobs).
    public var epoch: Int?
    public var value: Double
    public var timestamp: String

    init(_ json: JSONValue) throws(TensorClientError) {
        key = try json.string("key")
        step = try json.int("step")
        epoch = try json.optionalInt("epoch")
        value = try json.double("value")
        timestamp = try json.string("timestamp")
    }
}

public struct Checkpoint: Sendable, Equatable {
    public var step: Int
    public var epoch: Int?
    public var createdAt: String
    public var bytes: Int

    init(_ json: JSONValue) throws(TensorClientError) {
        step = try json.int("step")
        epoch = try json.optionalInt("epoch")
        createdAt = try json.string("created_at")
        bytes = try json.int("bytes")
    }
}

/// A job's trained parameters (`nn.Sequential` `state_dict()` names for a model job) and the
/// feature scaling fitted on its training data.
public struct JobModel: Sendable {
    public var params: NamedTensors
    public var scaling: FeatureScaling?
    /// The answer as JSON, exactly as received.
    public var json: JSONValue
}

/// `x' = (x − shift) / scale`, per feature.
public struct FeatureScaling: Sendable {
    /// `standardize` or `minmax`.
    public var method: String
    public var shift: Tensor
    public var scale: Tensor
}

/// One page of ``TensorClient/jobs(status:pageSize:pageToken:)``.
public struct JobPage: Sendable {
    /// Newest first, without `spec`.
    public var items: [Job]
    /// Pass to the next call for the next page; `nil` on the last page.
    public var nextPageToken: String?
}

extension APIProblem {
    init(_ json: JSONValue) throws(TensorClientError) {
        self.init(status: try json.int("status"), code: try json.string("code"), title: try json.optionalString("title") ?? "",
                  detail: try json.optionalString("detail") ?? "",
                  errors: try (json.optionalMember("errors")?.arrayElements ?? []).map { (e: JSONValue) throws(TensorClientError) in
                      FieldError(pointer: try e.string("pointer"), detail: try e.string("detail"))
                  })
    }
}
