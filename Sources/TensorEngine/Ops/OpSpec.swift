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
    /// For a binary elementwise op (`input`, `other`, then parameters that all have defaults): the op on
    /// its first two arguments with the others at their defaults, the same method `forward` calls.
    /// `callBinary` runs it without binding (issue 19); `OpSpecBinaryTests` checks it answers as `forward`.
    public let binary: (@Sendable (Tensor, Operand) throws -> Tensor)?

    public init(_ name: String, _ summary: String, params: [Param], outputs: [String] = ["output"],
                gradchecks: [Example] = [], examples: [Example] = [],
                binary: (@Sendable (Tensor, Operand) throws -> Tensor)? = nil,
                forward: @escaping @Sendable (OpCall) throws -> [Tensor]) {
        self.name = name
        self.summary = summary
        self.params = params
        self.outputs = outputs
        self.gradchecks = gradchecks
        self.examples = examples
        self.binary = binary
        binaryFitsParameters = params.count >= 2 && params[0].type == .tensor
            && (params[1].type == .tensor || params[1].type == .tensorOrNumber)
            && params.dropFirst(2).allSatisfy { $0.defaultValue != nil } && outputs == ["output"]
        self.forward = forward
        tensorInputCount = params.prefix { $0.type.isTensorLike }.count
        takesTensorList = params.first?.type == .tensorList
    }

    /// A binary elementwise op of exactly `input` and `other`: `forward` is `binary` on them.
    public convenience init(_ name: String, _ summary: String, other: ParamType = .tensorOrNumber,
                            gradchecks: [Example] = [], examples: [Example] = [],
                            binary: @escaping @Sendable (Tensor, Operand) throws -> Tensor) {
        self.init(name, summary, params: [.tensor(), Param("other", other)], gradchecks: gradchecks, examples: examples,
                  binary: binary) { c in [try binary(c.tensor("input"), c.operand("other"))] }
    }

    /// `forward` of two positional values and no keywords, through `binary` without binding its arguments
    /// when the op has one and they are what binding would accept as they are: a tensor, then a tensor (or a
    /// number, where `other` takes one). nil: call `forward` (whose binding gives every error).
    /// The values are borrowed, read by borrowing switches: `if case` and an owned parameter copied each tensor
    /// out of its value (issue 19).
    public func callBinary(_ input: borrowing Value, _ other: borrowing Value) throws -> Tensor? {
        guard let binary, binaryFitsParameters else { return nil }
        switch input {
        case .tensor(let x):
            switch other {
            case .tensor(let t): return try binary(x, .tensor(t))
            case .int(let i) where params[1].type == .tensorOrNumber: return try binary(x, .scalar(.int(Int64(i))))
            case .float(let d) where params[1].type == .tensorOrNumber: return try binary(x, .scalar(.float(d)))
            case .bool(let b) where params[1].type == .tensorOrNumber: return try binary(x, .scalar(.bool(b)))
            default: return nil
            }
        default: return nil
        }
    }

    /// Whether the op's declaration fits `binary`: a tensor, then `other` (a tensor, or a tensor or number),
    /// then parameters that all have defaults, and one output. A property of the catalogue, asked by
    /// `OpSpecBinaryTests` for every op that declares `binary` rather than trapped on at start.
    /// `callBinary` uses `binary` only where it fits.
    public let binaryFitsParameters: Bool

    public var isDifferentiable: Bool { !gradchecks.isEmpty }

    /// The leading tensor parameters (what the HTTP API calls `inputs`).
    public var tensorInputs: [Param] { Array(params.prefix { $0.type.isTensorLike }) }
    /// How many they are, and whether the first is a tensor list: every op request asks (issue 19).
    public let tensorInputCount: Int
    public let takesTensorList: Bool
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
