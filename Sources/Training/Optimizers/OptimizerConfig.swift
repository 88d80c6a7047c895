import TensorEngine

/// A hyper-parameter value as a client sends it: a number, a flag, or a list (`betas`).
public enum OptimizerOption: Codable, Equatable, Sendable {
    case number(Double)
    case bool(Bool)
    case list([Double])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else { self = .list(try c.decode([Double].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let d): try c.encode(d)
        case .bool(let b): try c.encode(b)
        case .list(let l): try c.encode(l)
        }
    }
}

/// Any of the five optimizers, by PyTorch name: what a checkpoint, a job spec or the
/// stateless `POST /v1/optim/{type}` route stores and passes around.
///
/// ```swift
/// let opt = try OptimizerConfig(type: "adam", options: ["lr": .number(0.01), "betas": .list([0.9, 0.99])])
/// let (params, states) = try opt.optimizer.step(parameters: ps, gradients: gs, states: ss)
/// ```
public enum OptimizerConfig: Codable, Equatable, Sendable {
    case sgd(SGD)
    case adagrad(Adagrad)
    case rmsprop(RMSprop)
    case adam(Adam)
    case adamw(AdamW)

    /// The type names accepted by `init(type:options:)`.
    public static let types = ["sgd", "adagrad", "rmsprop", "adam", "adamw"]

    /// Builds an optimizer from PyTorch's option names (`lr`, `momentum`, `dampening`,
    /// `weight_decay`, `nesterov`, `maximize`, `lr_decay`, `initial_accumulator_value`,
    /// `eps`, `alpha`, `centered`, `betas`, `amsgrad`); missing options take PyTorch's
    /// defaults. An unknown type or option, a value of the wrong kind, or an invalid
    /// value is a value error naming it.
    public init(type: String, options: [String: OptimizerOption] = [:]) throws {
        var o = Options(options, type: type)
        switch type.lowercased() {
        case "sgd":
            self = .sgd(try SGD(lr: o.number("lr", 1e-3), momentum: o.number("momentum", 0), dampening: o.number("dampening", 0),
                                weightDecay: o.number("weight_decay", 0), nesterov: o.bool("nesterov", false), maximize: o.bool("maximize", false)))
        case "adagrad":
            self = .adagrad(try Adagrad(lr: o.number("lr", 1e-2), lrDecay: o.number("lr_decay", 0), weightDecay: o.number("weight_decay", 0),
                                        initialAccumulatorValue: o.number("initial_accumulator_value", 0), eps: o.number("eps", 1e-10),
                                        maximize: o.bool("maximize", false)))
        case "rmsprop":
            self = .rmsprop(try RMSprop(lr: o.number("lr", 1e-2), alpha: o.number("alpha", 0.99), eps: o.number("eps", 1e-8),
                                        weightDecay: o.number("weight_decay", 0), momentum: o.number("momentum", 0),
                                        centered: o.bool("centered", false), maximize: o.bool("maximize", false)))
        case "adam":
            self = .adam(try Adam(lr: o.number("lr", 1e-3), betas: o.pair("betas", (0.9, 0.999)), eps: o.number("eps", 1e-8),
                                  weightDecay: o.number("weight_decay", 0), amsgrad: o.bool("amsgrad", false), maximize: o.bool("maximize", false)))
        case "adamw":
            self = .adamw(try AdamW(lr: o.number("lr", 1e-3), betas: o.pair("betas", (0.9, 0.999)), eps: o.number("eps", 1e-8),
                                    weightDecay: o.number("weight_decay", 1e-2), amsgrad: o.bool("amsgrad", false), maximize: o.bool("maximize", false)))
        default:
            throw TensorError(.value, "unknown optimizer '\(type)'; expected one of \(Self.types.joined(separator: ", "))", argument: "type")
        }
        try o.rejectUnused()
    }

    /// The configured optimizer.
    public var optimizer: any Optimizer {
        switch self {
        case .sgd(let o): o
        case .adagrad(let o): o
        case .rmsprop(let o): o
        case .adam(let o): o
        case .adamw(let o): o
        }
    }

    /// The learning rate; setting it keeps every other hyper-parameter.
    public var lr: Double {
        get { optimizer.lr }
        set {
            switch self {
            case .sgd(var o): o.lr = newValue; self = .sgd(o)
            case .adagrad(var o): o.lr = newValue; self = .adagrad(o)
            case .rmsprop(var o): o.lr = newValue; self = .rmsprop(o)
            case .adam(var o): o.lr = newValue; self = .adam(o)
            case .adamw(var o): o.lr = newValue; self = .adamw(o)
            }
        }
    }
}

/// Reads options by name, remembering which were used so that unknown ones are rejected.
private struct Options {
    let values: [String: OptimizerOption]
    let type: String
    var used: Set<String> = []

    init(_ values: [String: OptimizerOption], type: String) {
        self.values = values
        self.type = type
    }

    mutating func number(_ name: String, _ fallback: Double) throws -> Double {
        used.insert(name)
        switch values[name] {
        case nil: return fallback
        case .number(let d): return d
        case .bool, .list: throw TensorError(.value, "option '\(name)' must be a number", argument: name)
        }
    }

    mutating func bool(_ name: String, _ fallback: Bool) throws -> Bool {
        used.insert(name)
        switch values[name] {
        case nil: return fallback
        case .bool(let b): return b
        case .number, .list: throw TensorError(.value, "option '\(name)' must be true or false", argument: name)
        }
    }

    mutating func pair(_ name: String, _ fallback: (Double, Double)) throws -> (Double, Double) {
        used.insert(name)
        switch values[name] {
        case nil: return fallback
        case .list(let l) where l.count == 2: return (l[0], l[1])
        default: throw TensorError(.value, "option '\(name)' must be a list of two numbers", argument: name)
        }
    }

    func rejectUnused() throws {
        if let name = values.keys.sorted().first(where: { !used.contains($0) }) {
            throw TensorError(.value, "unknown option '\(name)' for optimizer '\(type)'; accepted: \(used.sorted().joined(separator: ", "))", argument: name)
        }
    }
}
