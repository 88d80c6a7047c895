import TensorEngine

/// A value during evaluation.
public enum EvalValue {
    case tensor(Tensor)
    case scalar(Scalar)
    case string(String)
    case none
    case list([EvalValue])
    /// The results of a multi-output op, with PyTorch's names (`values`, `indices`).
    case results([Tensor], names: [String])

    var kind: String {
        switch self {
        case .tensor: "tensor"
        case .scalar: "number"
        case .string: "string"
        case .none: "None"
        case .list: "list"
        case .results: "tuple of tensors"
        }
    }
}

/// Runs a program over the op catalogue. Operators map to ops (`+` add, `@` matmul,
/// `**` pow, `==` eq …); `x.f(a)` is `f(x, a)`; `grad(y, x)` differentiates inside the
/// program (with a recorded graph, so gradients of gradients work).
public struct Evaluator {
    public private(set) var environment: [String: EvalValue]
    /// Called on every tensor an op produces (the service enforces element limits here).
    let check: (Tensor) throws -> Void

    public init(inputs: [String: Tensor], check: @escaping (Tensor) throws -> Void = { _ in }) {
        environment = inputs.mapValues { .tensor($0) }
        self.check = check
    }

    /// Runs every statement; assigned names are added to the environment.
    public mutating func run(_ program: Program) throws {
        for s in program.statements {
            let v = try evaluate(s.value)
            environment[s.target ?? "_"] = v
        }
    }

    public func tensor(named name: String) throws -> Tensor {
        guard let v = environment[name] else { throw ExpressionError(message: "unknown name '\(name)'", location: nil) }
        guard case .tensor(let t) = v else { throw ExpressionError(message: "'\(name)' is a \(v.kind), not a tensor", location: nil) }
        return t
    }

    static let binaryOps = ["+": "add", "-": "sub", "*": "mul", "/": "div", "@": "matmul", "**": "pow",
                            "==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"]

    func evaluate(_ e: Expr) throws -> EvalValue {
        switch e {
        case .integer(let v): return .scalar(.int(v))
        case .float(let v): return .scalar(.float(v))
        case .bool(let b): return .scalar(.bool(b))
        case .string(let s): return .string(s)
        case .none: return .none
        case .name(let n, let loc):
            guard let v = environment[n] else {
                throw ExpressionError(message: "unknown name '\(n)'", location: loc)
            }
            return v
        case .list(let items, _): return .list(try items.map(evaluate))
        case .unary(_, let operand, let loc):
            switch try evaluate(operand) {
            case .tensor(let t): return try callOp("neg", [.tensor(t)], [:], loc)
            case .scalar(.int(let i)): return .scalar(.int(0 &- i))
            case .scalar(.float(let d)): return .scalar(.float(-d))
            case let v: throw ExpressionError(message: "cannot negate a \(v.kind)", location: loc)
            }
        case .binary(let op, let l, let r, let loc):
            return try binary(op, try evaluate(l), try evaluate(r), loc)
        case .call(let name, let receiver, let args, let kwargs, let loc):
            var positional = try args.map(evaluate)
            if let receiver { positional.insert(try evaluate(receiver), at: 0) }
            let keywords = try Dictionary(kwargs.map { ($0.0, try evaluate($0.1)) }, uniquingKeysWith: { a, _ in a })
            if name == "grad" && receiver == nil { return try gradCall(positional, keywords, loc) }
            return try callOp(name, positional, keywords, loc)
        case .attribute(let base, let member, let loc):
            let v = try evaluate(base)
            guard case .results(let ts, let names) = v, let i = names.firstIndex(of: member), i < ts.count else {
                throw ExpressionError(message: "a \(v.kind) has no attribute '\(member)'", location: loc)
            }
            return .tensor(ts[i])
        case .index(let base, let index, let loc):
            let v = try evaluate(base)
            guard case .scalar(.int(let raw)) = try evaluate(index) else {
                throw ExpressionError(message: "an index must be an integer", location: loc)
            }
            let items: [EvalValue]
            switch v {
            case .results(let ts, _): items = ts.map { .tensor($0) }
            case .list(let l): items = l
            default: throw ExpressionError(message: "a \(v.kind) cannot be indexed; use narrow or split", location: loc)
            }
            let i = raw < 0 ? Int(raw) + items.count : Int(raw)
            guard i >= 0 && i < items.count else {
                throw ExpressionError(message: "index \(raw) is out of range for \(items.count) items", location: loc)
            }
            return items[i]
        }
    }

    private func binary(_ op: String, _ l: EvalValue, _ r: EvalValue, _ loc: SourcePosition) throws -> EvalValue {
        guard let name = Evaluator.binaryOps[op] else { throw ExpressionError(message: "unknown operator \(op)", location: loc) }
        switch (l, r) {
        case (.tensor, .tensor), (.tensor, .scalar):
            return try callOp(name, [l, r], [:], loc)
        case (.scalar(let s), .tensor(let t)):
            // A scalar on the left becomes a 0-d tensor of the promoted dtype, which gives
            // the same result dtype as PyTorch's reflected operator.
            let dtype = Promotion.resultType([.scalar(s), .tensor(t)])
            return try callOp(name, [.tensor(Tensor.full(scalar: s, dtype: dtype)), r], [:], loc)
        case (.scalar(let a), .scalar(let b)):
            let ta = Tensor.full(scalar: a, dtype: Promotion.resultType([.scalar(a)]))
            guard case .tensor(let out) = try callOp(name, [.tensor(ta), .scalar(b)], [:], loc) else {
                throw ExpressionError(message: "\(op) of two numbers failed", location: loc)
            }
            let d = try out.item()
            switch out.dtype {
            case .bool: return .scalar(.bool(d != 0))
            case .int64: return .scalar(.int(out.scalars(as: Int64.self)[0]))
            default: return .scalar(.float(d))
            }
        default:
            throw ExpressionError(message: "operator \(op) is not defined for a \(l.kind) and a \(r.kind)", location: loc)
        }
    }

    private func callOp(_ name: String, _ positional: [EvalValue], _ keywords: [String: EvalValue], _ loc: SourcePosition) throws -> EvalValue {
        guard let spec = Ops.spec(name) else {
            throw ExpressionError(message: "unknown function '\(name)'", location: loc)
        }
        do {
            let outs = try spec.forward(OpCall(spec: spec, positional: try positional.map { try value($0, loc) },
                                               keywords: try keywords.mapValues { try value($0, loc) }))
            for t in outs { try check(t) }
            if outs.count == 1 && spec.outputs.count == 1 && !spec.outputs[0].hasSuffix("*") { return .tensor(outs[0]) }
            return .results(outs, names: spec.outputs.filter { !$0.hasSuffix("*") }.count == outs.count ? spec.outputs : [])
        } catch let error as TensorError {
            throw EvaluationError(error: error, location: loc, op: name)
        }
    }

    private func gradCall(_ positional: [EvalValue], _ keywords: [String: EvalValue], _ loc: SourcePosition) throws -> EvalValue {
        guard positional.count == 2, keywords.isEmpty, case .tensor(let y) = positional[0], case .tensor(let x) = positional[1] else {
            throw ExpressionError(message: "grad takes two tensors: grad(output, input)", location: loc)
        }
        do {
            guard y.node != nil else { return .tensor(try zerosLike(x)) }
            return .tensor(try Autograd.gradients(of: y, wrt: [x], createGraph: true)[0])
        } catch let error as TensorError {
            throw EvaluationError(error: error, location: loc, op: "grad")
        }
    }

    /// An evaluation value as an op argument.
    private func value(_ v: EvalValue, _ loc: SourcePosition) throws -> Value {
        switch v {
        case .tensor(let t): return .tensor(t)
        case .scalar(.int(let i)): return .int(Int(i))
        case .scalar(.float(let d)): return .float(d)
        case .scalar(.bool(let b)): return .bool(b)
        case .string(let s): return .string(s)
        case .none: return .null
        case .results(let ts, _): return .tensorList(ts)
        case .list(let items):
            if items.isEmpty { return .intList([]) }
            var ints: [Int] = [], tensors: [Tensor] = []
            for item in items {
                switch item {
                case .scalar(.int(let i)): ints.append(Int(i))
                case .tensor(let t): tensors.append(t)
                default: throw ExpressionError(message: "a list must hold only integers or only tensors, found a \(item.kind)", location: loc)
                }
            }
            if tensors.isEmpty { return .intList(ints) }
            if ints.isEmpty { return .tensorList(tensors) }
            throw ExpressionError(message: "a list must hold only integers or only tensors", location: loc)
        }
    }
}

/// An op's own error (shape, dim, dtype, value) raised inside a program, with where.
public struct EvaluationError: Error, CustomStringConvertible {
    public let error: TensorError
    public let location: SourcePosition
    public let op: String
    public var description: String { "\(location): \(op): \(error.message)" }
}
