import TensorEngine
import TensorWire
import Training

/// A model job's model, data and training loop settings.
struct ModelSpec {
    enum LayerSpec: Equatable {
        case linear(in: Int, out: Int, bias: Bool)
        case activation(String)
    }

    static let activations = ["relu", "sigmoid", "tanh", "leaky_relu", "gelu", "softmax", "log_softmax"]
    static let inits = ["xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal"]

    var layers: [LayerSpec]
    var initName: String?
    var seed: UInt64
    /// Explicit initial parameters by state_dict name.
    var params: [String: Tensor]?
    var x: Tensor
    var y: Tensor
    var validationSplit: Double
    var shuffle: Bool
    var scaling: FeatureScaler.Method?
    var loss: Loss
    var epochs: Int
    var batchSize: Int

    var trainCount: Int { x.shape[0] - Int(Double(x.shape[0]) * validationSplit) }
    /// ⌈trainCount / batchSize⌉, written so that no batch size can overflow it.
    var batchesPerEpoch: Int { trainCount / batchSize + (trainCount % batchSize == 0 ? 0 : 1) }
    /// epochs × batches per epoch; `Int.max` when that overflows (refused by `parse`).
    var plannedSteps: Int {
        let (steps, overflow) = epochs.multipliedReportingOverflow(by: batchesPerEpoch)
        return overflow ? Int.max : steps
    }

    /// The model's parameters in order, named as `nn.Sequential.state_dict()` names them.
    var parameterNames: [(name: String, shape: [Int])] {
        layers.enumerated().flatMap { i, layer -> [(name: String, shape: [Int])] in
            guard case .linear(let inF, let outF, let bias) = layer else { return [] }
            return [("\(i).weight", [outF, inF])] + (bias ? [("\(i).bias", [outF])] : [])
        }
    }

    var outputFeatures: Int {
        layers.reversed().compactMap { if case .linear(_, let out, _) = $0 { out } else { nil } }.first ?? x.shape[1]
    }

    static func parse(_ body: RequestBody, bounds: JobSpec.Bounds, tensor: JobSpec.TensorSource) throws -> ModelSpec {
        guard let model = try body.object("model") else { throw Problem.badRequest("missing required field 'model'", pointer: "/model") }
        try model.allowOnly(["layers", "init", "seed", "params"])
        guard let data = try body.object("data") else { throw Problem.badRequest("missing required field 'data'", pointer: "/data") }
        try data.allowOnly(["x", "y", "validation_split", "shuffle", "scaling"])
        guard let lossName = try body.string("loss") else { throw Problem.badRequest("missing required field 'loss'", pointer: "/loss") }
        guard let loss = Loss(rawValue: lossName) else {
            throw JobSpec.invalid("unknown loss '\(lossName)'; expected mse, cross_entropy, binary_cross_entropy_with_logits or nll", "/loss")
        }
        guard let epochs = try body.int("epochs") else { throw Problem.badRequest("missing required field 'epochs'", pointer: "/epochs") }
        guard epochs >= 1 else { throw JobSpec.invalid("epochs must be ≥ 1, got \(epochs)", "/epochs") }
        try JobSpec.check(epochs, atMost: bounds.jobs.maxEpochs, "epochs", flag: "--max-job-epochs", "/epochs")
        let batchSize = try body.int("batch_size") ?? 32
        guard batchSize >= 1 else { throw JobSpec.invalid("batch_size must be ≥ 1, got \(batchSize)", "/batch_size") }
        try JobSpec.check(batchSize, atMost: bounds.jobs.maxBatchSize, "batch_size", flag: "--max-job-batch-size", "/batch_size")

        let x = try tensor(data.required("x"), "/data/x")
        let y = try tensor(data.required("y"), "/data/y")
        guard x.ndim == 2, x.dtype != .bool else {
            throw JobSpec.invalid("x must be a [N, in] matrix of numbers, got shape \(x.shape) \(x.dtype)", "/data/x")
        }
        guard x.shape[0] >= 1 else { throw JobSpec.invalid("x has no examples", "/data/x") }
        guard y.ndim >= 1, y.shape[0] == x.shape[0] else {
            throw JobSpec.invalid("y must have one row per example (\(x.shape[0])), got shape \(y.shape)", "/data/y")
        }
        let split = try data.number("validation_split") ?? 0
        guard split >= 0 && split < 1 else { throw JobSpec.invalid("validation_split must be in [0, 1), got \(split)", "/data/validation_split") }
        var scaling: FeatureScaler.Method?
        switch try data.string("scaling") ?? "none" {
        case "none": scaling = nil
        case "standardize": scaling = .standardize
        case "minmax": scaling = .minMax
        case let other: throw JobSpec.invalid("scaling must be none, standardize or minmax, got '\(other)'", "/data/scaling")
        }
        let seed = try model.int("seed") ?? 0
        guard seed >= 0 else { throw JobSpec.invalid("seed must be ≥ 0, got \(seed)", "/model/seed") }
        // `"init": {"safetensors": "m."}` starts from stored tensors `m.0.weight`, `m.0.bias`, …
        // (a safetensors file imported with `?prefix=m.`); a string names an init scheme.
        let initBody = try model["init"].flatMap { v -> RequestBody? in if case .object = v { try model.object("init") } else { nil } }
        let initName = initBody == nil ? try model.string("init") : nil
        if let initName, !inits.contains(initName) {
            throw JobSpec.invalid("unknown init '\(initName)'; expected one of \(inits.joined(separator: ", "))", "/model/init")
        }
        var spec = ModelSpec(layers: try layers(model, inputs: x.shape[1], bounds: bounds), initName: initName, seed: UInt64(seed), params: nil,
                             x: x, y: y, validationSplit: split, shuffle: try data.bool("shuffle") ?? true, scaling: scaling,
                             loss: loss, epochs: epochs, batchSize: batchSize)
        guard spec.trainCount >= 1 else { throw JobSpec.invalid("no training examples are left after the validation split", "/data/validation_split") }
        try JobSpec.check(spec.plannedSteps, atMost: bounds.jobs.maxSteps, "epochs × \(spec.batchesPerEpoch) batches per epoch",
                          flag: "--max-job-steps", "/epochs")
        try spec.checkTargets()
        if model["params"] != nil { spec.params = try spec.explicitParams(model, tensor: tensor) }
        if let initBody {
            try initBody.allowOnly(["safetensors"])
            guard let prefix = try initBody.string("safetensors") else {
                throw Problem.badRequest("missing required field 'safetensors' (the ?prefix= the file was imported with)", pointer: "/model/init/safetensors")
            }
            guard spec.params == nil else { throw JobSpec.invalid("give init.safetensors or params, not both", "/model/init") }
            spec.params = try spec.checkedParams(spec.parameterNames.map { p in
                (p.name, try tensor(.object(JSONObject(keys: ["ref"], values: [.string(prefix + p.name)])), "/model/init/safetensors"), "/model/init/safetensors")
            })
        }
        return spec
    }

    /// The layers, each width within `maxLayerWidth` and the parameter count within the
    /// element limit (summed with checked arithmetic).
    private static func layers(_ model: RequestBody, inputs: Int, bounds: JobSpec.Bounds) throws -> [LayerSpec] {
        guard let items = try model.array("layers") else { throw Problem.badRequest("missing required field 'layers'", pointer: "/model/layers") }
        guard !items.isEmpty else { throw JobSpec.invalid("a model needs at least one layer", "/model/layers") }
        var width = inputs, widthFrom = "the data (x has \(inputs) features)", parameters = 0
        return try items.enumerated().map { i, item in
            let at = "/model/layers/\(i)"
            switch item {
            case .string(let name):
                guard activations.contains(name) else {
                    throw JobSpec.invalid("unknown activation '\(name)'; expected one of \(activations.joined(separator: ", "))", at)
                }
                return .activation(name)
            case .object(let o):
                let layer = RequestBody(object: o, pointer: at)
                try layer.allowOnly(["linear"])
                guard let linear = try layer.object("linear") else { throw Problem.badRequest("missing required field 'linear'", pointer: at + "/linear") }
                try linear.allowOnly(["in", "out", "bias"])
                guard let inF = try linear.int("in") else { throw Problem.badRequest("missing required field 'in'", pointer: at + "/linear/in") }
                guard let outF = try linear.int("out") else { throw Problem.badRequest("missing required field 'out'", pointer: at + "/linear/out") }
                guard inF >= 1, outF >= 1 else { throw JobSpec.invalid("linear sizes must be ≥ 1, got \(inF)→\(outF)", at + "/linear") }
                try JobSpec.check(inF, atMost: bounds.jobs.maxLayerWidth, "in", flag: "--max-layer-width", at + "/linear/in")
                try JobSpec.check(outF, atMost: bounds.jobs.maxLayerWidth, "out", flag: "--max-layer-width", at + "/linear/out")
                guard inF == width else { throw JobSpec.invalid("layer \(i) takes \(inF) inputs but \(widthFrom) gives \(width)", at + "/linear/in") }
                (width, widthFrom) = (outF, "layer \(i)")
                let bias = try linear.bool("bias") ?? true
                let (weights, o1) = inF.multipliedReportingOverflow(by: outF)
                let (count, o2) = weights.addingReportingOverflow(bias ? outF : 0)
                let (sum, o3) = parameters.addingReportingOverflow(count)
                guard !o1, !o2, !o3, sum <= bounds.maxElements else {
                    throw JobSpec.invalid("the model has more than \(bounds.maxElements) parameters up to layer \(i) (--max-elements)", at + "/linear")
                }
                parameters = sum
                return .linear(in: inF, out: outF, bias: bias)
            default:
                throw Problem.badRequest("a layer is an activation name or {\"linear\": {…}}, got \(item.typeName)", pointer: at)
            }
        }
    }

    /// The targets must suit the loss and the model's output.
    private func checkTargets() throws {
        let out = outputFeatures, n = x.shape[0]
        switch loss {
        case .crossEntropy, .nll:
            if y.dtype.isFloating && y.shape == [n, out] && loss == .crossEntropy { return }
            guard y.dtype == .int64, y.ndim == 1 else {
                throw JobSpec.invalid("\(loss.rawValue) needs int64 class indices [N]\(loss == .crossEntropy ? " or class probabilities [N, \(out)]" : ""), got \(y.dtype) \(y.shape)", "/data/y")
            }
            let bad = y.withContiguousBuffer(as: Int64.self) { $0.first { $0 < 0 || $0 >= Int64(out) } }
            if let bad { throw JobSpec.invalid("class index \(bad) is out of range for a model with \(out) outputs", "/data/y") }
        case .meanSquaredError, .binaryCrossEntropyWithLogits:
            guard y.dtype != .bool, y.shape == [n, out] || (out == 1 && y.shape == [n]) else {
                throw JobSpec.invalid("\(loss.rawValue) needs targets of the model output's shape [\(n), \(out)], got \(y.shape)", "/data/y")
            }
            if loss == .binaryCrossEntropyWithLogits {
                let values = try y.cast(to: .float64)
                if values.withContiguousBuffer(as: Double.self, { $0.contains { !($0 >= 0 && $0 <= 1) } }) {
                    throw JobSpec.invalid("binary_cross_entropy_with_logits needs targets in [0, 1]", "/data/y")
                }
            }
        }
    }

    private func explicitParams(_ model: RequestBody, tensor: JobSpec.TensorSource) throws -> [String: Tensor] {
        try checkedParams(try model.members("params").map { name, json, pointer in (name, try tensor(json, pointer), pointer) })
    }

    /// Parameters by state_dict name: every one the model has, each of its shape and floating.
    private func checkedParams(_ given: [(name: String, tensor: Tensor, pointer: String)]) throws -> [String: Tensor] {
        let expected = parameterNames
        var out: [String: Tensor] = [:]
        for (name, t, pointer) in given {
            guard let shape = expected.first(where: { $0.name == name })?.shape else {
                throw JobSpec.invalid("the model has no parameter '\(name)'; it has \(expected.map(\.name).joined(separator: ", "))", pointer)
            }
            guard t.shape == shape, t.dtype.isFloating else {
                throw JobSpec.invalid("'\(name)' must be a floating tensor of shape \(shape), got \(t.dtype) \(t.shape)", pointer)
            }
            out[name] = t
        }
        if let missing = expected.first(where: { out[$0.name] == nil }) {
            throw JobSpec.invalid("params must give every parameter; '\(missing.name)' is missing", "/model/params")
        }
        return out
    }

    /// Runs the first training step on a copy with the first two examples, so that a model
    /// the checks above pass but that cannot run is a 422 pointing at `/model` at submission
    /// rather than a job that fails at step 0.
    func dryRun(_ job: JobSpec) throws {
        var tiny = self
        let k = min(2, x.shape[0])
        tiny.x = try x.narrow(0, start: 0, length: k)
        tiny.y = try y.narrow(0, start: 0, length: k)
        (tiny.epochs, tiny.batchSize) = (1, k)
        do {
            _ = try ModelWork(job, tiny, checkpoint: nil).step()
        } catch {
            throw Problem.converting(error, locate: { _ in "/model" })
                ?? JobSpec.invalid("the model cannot run its first step: \(error)", "/model")
        }
    }

    /// A fresh model: explicit params, or what PyTorch draws after `torch.manual_seed(seed)`
    /// for `nn.Sequential(...)` (each `nn.Linear` initialising itself in order) and then, with
    /// `init`, for `nn.init.<init>_(layer.weight)` and `nn.init.zeros_(layer.bias)` layer by layer.
    func makeModel() throws -> Sequential {
        let generator = Generator(seed: seed)
        let weightInit: Initializer? = switch initName {
        case "xavier_uniform": .xavierUniform(gain: 1)
        case "xavier_normal": .xavierNormal(gain: 1)
        case "kaiming_uniform": .kaimingUniform()
        case "kaiming_normal": .kaimingNormal()
        default: nil
        }
        let built: [any Layer] = try layers.enumerated().map { i, layer in
            switch layer {
            case .linear(let inF, let outF, let bias):
                if let params {
                    return try Linear(weight: params["\(i).weight"]!, bias: bias ? params["\(i).bias"] : nil)
                }
                return try Linear(inF, outF, bias: bias, generator: generator)
            case .activation(let name):
                return switch name {
                case "relu": ReLU()
                case "sigmoid": Sigmoid()
                case "tanh": Tanh()
                case "leaky_relu": LeakyReLU()
                case "gelu": GELU()
                case "softmax": Softmax()
                default: LogSoftmax()
                }
            }
        }
        guard let weightInit, params == nil else { return Sequential(built) }
        return Sequential(try built.map { layer in
            guard let linear = layer as? Linear else { return layer }
            return try Linear(weight: try weightInit.make(linear.weight.shape, generator: generator),
                              bias: try linear.bias.map { try zerosLike($0) })
        })
    }
}
