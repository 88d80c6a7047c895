import TensorWire
import Foundation
import TensorEngine
import Training

/// A validated job spec (openapi.yaml `JobSpec`): a model job or an objective job, with the
/// optimizer, schedule, stopping and checkpoint settings both kinds share. Parsing checks
/// everything that can be checked before running, so that a bad spec is a `422` with a
/// pointer to the field rather than a failed job.
struct JobSpec {
    enum Kind {
        case model(ModelSpec)
        case objective(ObjectiveSpec)
    }

    var name: String?
    var kind: Kind
    var optimizer: OptimizerConfig
    var clipGradNorm: Double?
    var schedule: LRSchedule
    var maxSteps: Int?
    var maxRuntimeSeconds: Double?
    var earlyStopping: EarlyStopping?
    var checkpointEveryEpochs: Int?
    var checkpointEverySteps: Int?
    var keepCheckpoints: Int

    /// Resolves a tensor (inline or `{"ref"}`) at a pointer.
    typealias TensorSource = (JSONValue, String) throws -> Tensor

    /// Optimizer steps the job plans (stopping criteria may end it sooner); within
    /// `JobLimits.maxSteps`, checked by `parse`.
    var totalSteps: Int {
        let planned = switch kind {
        case .model(let m): m.plannedSteps
        case .objective(let o): o.steps
        }
        return min(planned, maxSteps ?? planned)
    }

    var totalEpochs: Int? {
        if case .model(let m) = kind { return m.epochs }
        return nil
    }

    /// What a spec may ask for: the job limits and the element limit (`--max-elements`),
    /// which bounds the parameter count.
    struct Bounds {
        var jobs: JobLimits
        var maxElements: Int
    }

    /// Parses and validates a spec; `tensor` resolves inline tensors and refs.
    static func parse(_ body: RequestBody, parserLimits: ExpressionParser.Limits, bounds: Bounds, tensor: TensorSource) throws -> JobSpec {
        let isObjective = body["objective"] != nil
        if isObjective && body["model"] != nil {
            throw Problem.badRequest("a job has either 'model' or 'objective', not both", pointer: "/objective")
        }
        let common: Set<String> = ["name", "optimizer", "clip_grad_norm", "lr_schedule", "stopping", "checkpoint"]
        try body.allowOnly(common.union(isObjective ? ["objective", "steps"] : ["model", "data", "loss", "epochs", "batch_size"]))
        let name = try body.string("name")
        if let name, !(1...128).contains(name.count) { throw invalid("name must have 1 to 128 characters", "/name") }

        let kind: Kind = isObjective
            ? .objective(try ObjectiveSpec.parse(body, parserLimits: parserLimits, bounds: bounds, tensor: tensor))
            : .model(try ModelSpec.parse(body, bounds: bounds, tensor: tensor))
        guard let optimizerBody = try body.object("optimizer") else { throw Problem.badRequest("missing required field 'optimizer'", pointer: "/optimizer") }
        var spec = JobSpec(name: name, kind: kind, optimizer: try optimizer(optimizerBody),
                           clipGradNorm: nil, schedule: try schedule(body.object("lr_schedule")), keepCheckpoints: 3)
        // ClipGradNorm is the one member of a spec whose schema allows `null` (no clipping).
        if !body.isNull("clip_grad_norm"), let c = try body.number("clip_grad_norm") {
            guard c > 0 && c.isFinite else { throw invalid("clip_grad_norm must be a positive number, got \(c)", "/clip_grad_norm") }
            spec.clipGradNorm = c
        }
        try spec.parseStopping(body.object("stopping"))
        try spec.parseCheckpoint(body.object("checkpoint"))
        if case .model(let m) = kind {
            let config = spec.trainerConfig(m)
            do { try config.validate() } catch let e as TensorError {
                throw invalid(e.message, e.argument == "metric" ? "/stopping/early_stopping/metric" : "")
            }
        }
        return spec
    }

    /// The `Trainer` configuration of a model job.
    func trainerConfig(_ m: ModelSpec) -> TrainerConfig {
        TrainerConfig(epochs: m.epochs, batchSize: m.batchSize, shuffle: m.shuffle, seed: m.seed, validationSplit: m.validationSplit,
                      loss: m.loss, optimizer: optimizer, schedule: schedule, clipGradNorm: clipGradNorm,
                      featureScaling: m.scaling, earlyStopping: earlyStopping)
    }

    /// `value` ≤ `limit`, else a 422 naming the flag that sets the limit.
    static func check(_ value: Int, atMost limit: Int, _ what: String, flag: String, _ pointer: String) throws {
        guard value <= limit else { throw invalid("\(what) is \(value), more than this server allows (\(limit), \(flag))", pointer) }
    }

    static func invalid(_ detail: String, _ pointer: String) -> Problem {
        Problem(status: 422, code: "invalid_job_spec", title: "Invalid job spec", detail: detail,
                errors: [.init(pointer: pointer, detail: detail)])
    }

    /// `{"type": "adam", "lr": 0.001, …}`: PyTorch's keywords beside the type.
    private static func optimizer(_ o: RequestBody) throws -> OptimizerConfig {
        guard let type = try o.string("type") else { throw Problem.badRequest("missing required field 'type'", pointer: "/optimizer/type") }
        guard OptimizerConfig.types.contains(type) else {
            throw invalid("unknown optimizer '\(type)'; expected one of \(OptimizerConfig.types.joined(separator: ", "))", "/optimizer/type")
        }
        var options: [String: OptimizerOption] = [:]
        for (key, value) in zip(o.object.keys, o.object.values) where key != "type" {
            switch value {
            case .number(let n): options[key] = .number(n.double)
            case .bool(let b): options[key] = .bool(b)
            case .numbers(let a) where a.nonFiniteStrings.isEmpty: options[key] = .list(a.doubles)
            default: throw Problem.badRequest("option '\(key)' must be a number, a boolean or a list of numbers, got \(value.typeName)", pointer: o.at(key))
            }
        }
        do {
            return try OptimizerConfig(type: type, options: options)
        } catch let e as TensorError {
            throw invalid(e.message, "/optimizer" + (e.argument.map { "/\($0)" } ?? ""))
        }
    }

    private static func schedule(_ s: RequestBody?) throws -> LRSchedule {
        guard let s else { return .constant }
        try s.allowOnly(["type", "step_size", "gamma", "t_max", "eta_min"])
        guard let type = try s.string("type") else { throw Problem.badRequest("missing required field 'type'", pointer: "/lr_schedule/type") }
        let schedule: LRSchedule
        switch type {
        case "step":
            guard let size = try s.int("step_size") else { throw Problem.badRequest("missing required field 'step_size'", pointer: "/lr_schedule/step_size") }
            schedule = .step(size: size, gamma: try s.number("gamma") ?? 0.1)
        case "exponential":
            guard let gamma = try s.number("gamma") else { throw Problem.badRequest("missing required field 'gamma'", pointer: "/lr_schedule/gamma") }
            schedule = .exponential(gamma: gamma)
        case "cosine":
            guard let tMax = try s.int("t_max") else { throw Problem.badRequest("missing required field 't_max'", pointer: "/lr_schedule/t_max") }
            schedule = .cosine(tMax: tMax, etaMin: try s.number("eta_min") ?? 0)
        default:
            throw invalid("unknown lr_schedule type '\(type)'; expected step, exponential or cosine", "/lr_schedule/type")
        }
        do { return try schedule.validated() } catch let e as TensorError {
            throw invalid(e.message, "/lr_schedule/" + (e.argument == "T_max" ? "t_max" : e.argument ?? "type"))
        }
    }

    private mutating func parseStopping(_ s: RequestBody?) throws {
        guard let s else { return }
        try s.allowOnly(["max_steps", "max_runtime_seconds", "early_stopping"])
        if let n = try s.int("max_steps") {
            guard n >= 1 else { throw Self.invalid("max_steps must be ≥ 1, got \(n)", "/stopping/max_steps") }
            maxSteps = n
        }
        if let t = try s.number("max_runtime_seconds") {
            guard t > 0 && t.isFinite else { throw Self.invalid("max_runtime_seconds must be positive, got \(t)", "/stopping/max_runtime_seconds") }
            maxRuntimeSeconds = t
        }
        guard let e = try s.object("early_stopping") else { return }
        guard case .model = kind else { throw Self.invalid("early stopping is checked per epoch: model jobs only", "/stopping/early_stopping") }
        try e.allowOnly(["metric", "patience", "min_delta", "mode"])
        guard let patience = try e.int("patience") else { throw Problem.badRequest("missing required field 'patience'", pointer: "/stopping/early_stopping/patience") }
        guard patience >= 1 else { throw Self.invalid("patience must be ≥ 1, got \(patience)", "/stopping/early_stopping/patience") }
        let minDelta = try e.number("min_delta") ?? 0
        guard minDelta >= 0 else { throw Self.invalid("min_delta must be ≥ 0, got \(minDelta)", "/stopping/early_stopping/min_delta") }
        var metric: EarlyStopping.Metric?
        if let m = try e.string("metric") {
            guard let parsed = EarlyStopping.Metric(rawValue: m) else {
                throw Self.invalid("unknown metric '\(m)'; expected loss, val_loss, accuracy or val_accuracy", "/stopping/early_stopping/metric")
            }
            metric = parsed
        }
        var mode: EarlyStopping.Mode?
        if let m = try e.string("mode") {
            guard let parsed = EarlyStopping.Mode(rawValue: m) else { throw Self.invalid("mode must be 'min' or 'max', got '\(m)'", "/stopping/early_stopping/mode") }
            mode = parsed
        }
        earlyStopping = EarlyStopping(patience: patience, minDelta: minDelta, metric: metric, mode: mode)
    }

    /// An objective job's checkpoint interval when the spec gives none: every 100 steps, or
    /// every thousandth of the run when that is more, so that a long fast run writes ~1,000
    /// checkpoints rather than one per 100 steps (the writer's pace would set the job's).
    private var defaultCheckpointSteps: Int { max(100, totalSteps / 1000) }

    private mutating func parseCheckpoint(_ c: RequestBody?) throws {
        guard let c else {
            if case .objective = kind { checkpointEverySteps = defaultCheckpointSteps } else { checkpointEveryEpochs = 1 }
            return
        }
        try c.allowOnly(["every_epochs", "every_steps", "keep_last"])
        if let n = try c.int("every_epochs") {
            guard case .model = kind else { throw Self.invalid("objective jobs have no epochs; use every_steps", "/checkpoint/every_epochs") }
            guard n >= 1 else { throw Self.invalid("every_epochs must be ≥ 1, got \(n)", "/checkpoint/every_epochs") }
            checkpointEveryEpochs = n
        }
        if let n = try c.int("every_steps") {
            guard n >= 1 else { throw Self.invalid("every_steps must be ≥ 1, got \(n)", "/checkpoint/every_steps") }
            checkpointEverySteps = n
        }
        if checkpointEveryEpochs == nil && checkpointEverySteps == nil {
            if case .objective = kind { checkpointEverySteps = defaultCheckpointSteps } else { checkpointEveryEpochs = 1 }
        }
        if let n = try c.int("keep_last") {
            guard n >= 1 else { throw Self.invalid("keep_last must be ≥ 1, got \(n)", "/checkpoint/keep_last") }
            keepCheckpoints = n
        }
    }
}

extension RequestBody {
    /// An integer member (a JSON number without fraction); other JSON types are 400, an
    /// integer beyond 64 bits is 422.
    func int(_ key: String) throws -> Int? {
        guard let v = self[key] else { return nil }
        guard case .number(let n) = v, n.isInteger else {
            throw Problem.badRequest("'\(key)' must be an integer, got \(v.typeName)", pointer: at(key))
        }
        guard let i = n.integer, let small = Int(exactly: i) else {
            throw JobSpec.invalid("'\(key)' is out of range (\(n.double))", at(key))
        }
        return small
    }

    func number(_ key: String) throws -> Double? {
        guard let v = self[key] else { return nil }
        guard case .number(let n) = v else { throw Problem.badRequest("'\(key)' must be a number, got \(v.typeName)", pointer: at(key)) }
        return n.double
    }

    func bool(_ key: String) throws -> Bool? {
        guard let v = self[key] else { return nil }
        guard case .bool(let b) = v else { throw Problem.badRequest("'\(key)' must be true or false, got \(v.typeName)", pointer: at(key)) }
        return b
    }
}
