/// The declaration of one op: everything the catalogue, the HTTP API, argument
/// validation, the expression language and the gradient check need to know.
/// The op's maths (forward and its vector-Jacobian product) sits in the same file.
/// A class: every call passes its declaration along (lookup, binding, the forward), and a
/// reference is one retain where this struct's seven fields were seven (issue 19).
public final class OpSpec: Sendable {
    public let name: String
    public let summary: String
    /// Parameters in PyTorch's order. Positional values bind to them first, then keywords.
    public let params: [Param]
    /// Result names in PyTorch's order (`values`, `indices`); a name ending in `*` is a
    /// list of any length (the pieces of `split`).
    public let outputs: [String]
    /// Calls for the finite-difference gradient check and the documentation example.
    /// A differentiable op must have at least one; a non-differentiable op lists its
    /// examples under `examples` instead.
    public let gradchecks: [Example]
    public let examples: [Example]
    public let forward: @Sendable (OpCall) throws -> [Tensor]

    public init(_ name: String, _ summary: String, params: [Param], outputs: [String] = ["output"],
                gradchecks: [Example] = [], examples: [Example] = [],
                forward: @escaping @Sendable (OpCall) throws -> [Tensor]) {
        self.name = name
        self.summary = summary
        self.params = params
        self.outputs = outputs
        self.gradchecks = gradchecks
        self.examples = examples
        self.forward = forward
    }

    public var isDifferentiable: Bool { !gradchecks.isEmpty }

    /// The leading tensor parameters (what the HTTP API calls `inputs`).
    public var tensorInputs: [Param] { Array(params.prefix { $0.type.isTensorLike }) }
}

/// One parameter of an op.
public struct Param: Sendable {
    public let name: String
    public let type: ParamType
    /// nil: required.
    public let defaultValue: Value?

    public init(_ name: String, _ type: ParamType, default defaultValue: Value? = nil) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
    }

    public static func tensor(_ name: String = "input") -> Param { Param(name, .tensor) }
}

public indirect enum ParamType: Sendable, Equatable {
    case tensor, tensorList, int, float, bool, intList, string
    /// An int or a list of ints (`dim` of sum, mean, squeeze).
    case dims
    /// An int or float scalar; its spelling decides result dtypes.
    case number
    /// A tensor, or a number that acts as a 0-rank scalar operand.
    case tensorOrNumber
    /// One of the listed strings.
    case choice([String])
    /// A number or one of the listed strings (`norm`'s p: 2, 1, 'fro', inf).
    case numberOrChoice([String])
    case dtype
    case optional(ParamType)

    public var isTensorLike: Bool {
        switch self {
        case .tensor, .tensorList, .tensorOrNumber: true
        case .optional(let t): t.isTensorLike
        default: false
        }
    }

    /// The name used in the catalogue and error messages.
    public var displayName: String {
        switch self {
        case .tensor: "tensor"
        case .tensorList: "tensor[]"
        case .int: "int"
        case .float: "float"
        case .bool: "bool"
        case .intList: "int[]"
        case .string: "string"
        case .dims: "int | int[]"
        case .number: "number"
        case .tensorOrNumber: "tensor | number"
        case .choice(let c): c.map { "'\($0)'" }.joined(separator: " | ")
        case .numberOrChoice(let c): (["number"] + c.map { "'\($0)'" }).joined(separator: " | ")
        case .dtype: "dtype"
        case .optional(let t): "\(t.displayName) | null"
        }
    }
}

/// A decoded argument value.
public enum Value: Sendable {
    case tensor(Tensor)
    case tensorList([Tensor])
    case int(Int)
    case float(Double)
    case bool(Bool)
    case string(String)
    case intList([Int])
    case null

    public var typeName: String {
        switch self {
        case .tensor: "tensor"
        case .tensorList: "tensor list"
        case .int: "int"
        case .float: "float"
        case .bool: "bool"
        case .string: "string"
        case .intList: "int list"
        case .null: "null"
        }
    }
}
