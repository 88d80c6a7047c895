import TensorEngine

/// Runs a program over the op catalogue. Operators map to ops (`+` add, `@` matmul,
/// `**` pow, `==` eq …); `x.f(a)` is `f(x, a)`; `grad(y, x)` differentiates inside the
/// program (with a recorded graph, so gradients of gradients work); `manual_seed(s)` seeds
/// the program's generator, so the random ops after it draw what PyTorch draws after
/// `torch.manual_seed(s)` (before it, the generator is unseeded). Tensor attributes and
/// methods are in `Evaluator+Methods.swift`, indexing in `Evaluator+Indexing.swift`.
public struct Evaluator {
    public internal(set) var environment: [String: EvalValue]
    /// The program's generator, made by its first `manual_seed`; random ops before that draw
    /// from the process's unseeded one (a program that never seeds costs nothing here).
    let seeded = SeededGenerator()
    /// Called on every tensor an op produces (the service enforces element limits here).
    let check: (Tensor) throws -> Void

    public init(inputs: [String: Tensor], check: @escaping (Tensor) throws -> Void = { _ in }) {
        environment = inputs.mapValues { .tensor($0) }
        self.check = check
    }

    /// Runs every statement; assigned names are added to the environment.
    public mutating func run(_ program: Program) throws {
        for s in program.statements { try execute(s) }
    }

    public func tensor(named name: String) throws -> Tensor {
        guard let v = environment[name] else { throw ExpressionError(message: "unknown name '\(name)'", location: nil) }
        guard case .tensor(let t) = v else { throw ExpressionError(message: "'\(name)' is a \(v.kind), not a tensor", location: nil) }
        return t
    }

    mutating func execute(_ s: Statement) throws {
        switch s.kind {
        case .expression(let e):
            environment["_"] = try evaluate(e)
        case .assign(let target, let e):
            try assign(target, try evaluate(e), s.location)
        case .augmented(let target, let op, let e):
            try augment(target, op, try evaluate(e), s.location)
        case .noGrad(let body):
            try GradMode.withoutGrad { for b in body { try execute(b) } }
        }
    }

    private mutating func assign(_ target: Target, _ value: EvalValue, _ loc: SourcePosition) throws {
        switch target {
        case .name(let n):
            environment[n] = value
        case .tuple(let targets, let at):
            let items: [EvalValue]
            if case .tensor(let t) = value {
                // Unpacking a tensor iterates over its first dim, as in Python.
                guard t.ndim > 0 else { throw ExpressionError(message: "cannot unpack a 0-d tensor", location: at) }
                items = try (0..<t.shape[0]).map { try .tensor(index(t, [.int($0)], at)) }
            } else {
                guard let l = value.items else { throw ExpressionError(message: "cannot unpack a \(value.kind)", location: at) }
                items = l
            }
            guard items.count == targets.count else {
                let problem = items.count > targets.count ? "too many values to unpack" : "not enough values to unpack"
                throw ExpressionError(message: "\(problem) (expected \(targets.count), got \(items.count))", location: at)
            }
            for (t, v) in zip(targets, items) { try assign(t, v, loc) }
        case .index(let base, let index, let at):
            let t = try tensorValue(try evaluate(base), "indexed assignment", at)
            try assignIndexed(t, base, try indices(index, at), value, at)
        case .attribute(let base, let member, let at):
            try setAttribute(base, member, value, at)
        }
    }

    /// `x op= v`: in place on a tensor (as Python's `__iadd__`), a new value for a number.
    private mutating func augment(_ target: Target, _ op: String, _ rhs: EvalValue, _ loc: SourcePosition) throws {
        switch target {
        case .name(let n):
            guard let current = environment[n] else { throw ExpressionError(message: "unknown name '\(n)'", location: loc) }
            if case .tensor(let t) = current {
                let lhs: EvalValue = recordsInPlace(t, [rhs]) ? .tensor(t.cloned()) : current
                let result = try tensorValue(try binary(op, lhs, rhs, loc), op, loc)
                try updateInPlace(t, .name(n, loc), with: result, checkingCast: true, loc)
            } else {
                environment[n] = try binary(op, current, rhs, loc)
            }
        case .index(let base, let index, let at):
            let t = try tensorValue(try evaluate(base), "indexed assignment", at)
            let items = try indices(index, at)
            let result = try binary(op, .tensor(try self.index(t, items, at)), rhs, loc)
            try assignIndexed(t, base, items, result, at)
        case .tuple, .attribute:
            throw ExpressionError.unsupported("\(op)= is supported on names and indexed tensors", loc)
        }
    }

    func tensorValue(_ v: EvalValue, _ what: String, _ loc: SourcePosition) throws -> Tensor {
        guard case .tensor(let t) = v else { throw ExpressionError(message: "\(what) needs a tensor, got a \(v.kind)", location: loc) }
        return t
    }

    static let binaryOps = ["+": "add", "-": "sub", "*": "mul", "/": "div", "//": "floor_divide", "%": "remainder", "@": "matmul", "**": "pow",
                            "==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"]

    /// Bare dtype names: PyTorch's own, and Python's `float`, `int`, `bool`, which PyTorch
    /// reads as float64, int64 and bool (`dtype=float` is float64, as in PyTorch).
    static let bareDTypes: [String: DType] = ["float32": .float32, "float64": .float64, "double": .float64,
                                              "int64": .int64, "long": .int64, "float": .float64, "int": .int64, "bool": .bool]

    mutating func evaluate(_ e: Expr) throws -> EvalValue {
        switch e {
        case .integer(let v): return .scalar(.int(v))
        case .float(let v): return .scalar(.float(v))
        case .bool(let b): return .scalar(.bool(b))
        case .string(let s): return .string(s)
        case .none: return .none
        case .dtype(let d): return .dtype(d)
        case .name(let n, let loc):
            if let v = environment[n] { return v }
            if let d = Evaluator.bareDTypes[n] { return .dtype(d) }
            throw ExpressionError(message: "unknown name '\(n)'", location: loc)
        case .list(let items, _): return .list(try items.map { try evaluate($0) })
        case .tuple(let items, _): return .tuple(try items.map { try evaluate($0) })
        case .slice(_, _, _, let loc), .ellipsis(let loc):
            throw ExpressionError(message: "a slice or '...' can only appear inside [ ]", location: loc)
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
            if let receiver {
                let base = try evaluate(receiver)
                let positional = try args.map { try evaluate($0) }
                let keywords = try keywordValues(kwargs)
                guard case .tensor(let t) = base else {
                    throw ExpressionError.unsupported("a \(base.kind) has no method '\(name)'", loc)
                }
                return try method(name, t, receiver, positional, keywords, loc)
            }
            return try function(name, try args.map { try evaluate($0) }, try keywordValues(kwargs), loc)
        case .attribute(let base, let member, let loc):
            let v = try evaluate(base)
            switch v {
            case .tensor(let t): return try attribute(t, member, loc)
            case .results(let ts, let names):
                if let i = names.firstIndex(of: member), i < ts.count { return .tensor(ts[i]) }
            default: break
            }
            throw ExpressionError.unsupported("a \(v.kind) has no attribute '\(member)'", loc)
        case .index(let base, let index, let loc):
            let v = try evaluate(base)
            if case .tensor(let t) = v { return .tensor(try self.index(t, try indices(index, loc), loc)) }
            guard let items = v.items else { throw ExpressionError(message: "a \(v.kind) cannot be indexed", location: loc) }
            guard case .scalar(.int(let raw)) = try evaluate(index) else {
                throw ExpressionError(message: "a \(v.kind) index must be an integer", location: loc)
            }
            let i = raw < 0 ? Int(raw) + items.count : Int(raw)
            guard i >= 0 && i < items.count else {
                throw ExpressionError(message: "index \(raw) is out of range for \(items.count) items", location: loc)
            }
            return items[i]
        }
    }

    private mutating func keywordValues(_ kwargs: [(String, Expr)]) throws -> [String: EvalValue] {
        var out: [String: EvalValue] = [:]
        for (k, e) in kwargs { out[k] = try evaluate(e) }
        return out
    }

    func binary(_ op: String, _ l: EvalValue, _ r: EvalValue, _ loc: SourcePosition) throws -> EvalValue {
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
            return try number(out)
        default:
            throw ExpressionError(message: "operator \(op) is not defined for a \(l.kind) and a \(r.kind)", location: loc)
        }
    }

    /// The one element of a tensor as a Python number of its kind (PyTorch's `item()`).
    func number(_ t: Tensor) throws -> EvalValue {
        guard t.count == 1 else {
            throw TensorError.value("a tensor with \(t.count) elements cannot be converted to a number")
        }
        switch t.dtype {
        case .bool: return .scalar(.bool(t.scalars(as: Bool.self)[0]))
        case .int64: return .scalar(.int(t.scalars(as: Int64.self)[0]))
        case .float32, .float64: return .scalar(.float(try t.item()))
        }
    }

    /// Calls a catalogue op. `requires_grad=True` (as PyTorch's factories take it) marks the
    /// result as a leaf; sizes may be given as varargs (`zeros(2, 3)`, `x.view(2, -1)`).
    func callOp(_ name: String, _ positional: [EvalValue], _ keywords: [String: EvalValue], _ loc: SourcePosition) throws -> EvalValue {
        guard let spec = Ops.spec(name) else {
            throw ExpressionError.unsupported("unknown function '\(name)'", loc)
        }
        var keywords = keywords
        // Most calls (every operator) have no keywords: no hashing nor dictionary for them.
        let requiresGrad = keywords.isEmpty ? nil : keywords.removeValue(forKey: "requires_grad")
        var positional = positional
        // PyTorch's `*size`: the ints from a size parameter on are one shape.
        if positional.count >= 2, let p = spec.params.firstIndex(where: { if case .intList = $0.type { true } else { false } }), positional.count - p >= 2,
           positional[p...].allSatisfy({ if case .scalar(.int) = $0 { true } else { false } }) {
            positional = Array(positional[..<p]) + [.tuple(Array(positional[p...]))]
        }
        do {
            // Every operator of two operands on a binary elementwise op: no binding (issue 19).
            if positional.count == 2, keywords.isEmpty, requiresGrad == nil,
               let out = try spec.callBinary(try value(positional[0], loc), try value(positional[1], loc)) {
                try check(out)
                return .tensor(out)
            }
            var outs = try spec.forward(OpCall(spec: spec, positional: try positional.map { try value($0, loc) },
                                               keywords: keywords.isEmpty ? [:] : try keywords.mapValues { try value($0, loc) },
                                               generator: seeded.generator))
            for t in outs { try check(t) }
            if let requiresGrad {
                guard case .scalar(.bool(let flag)) = requiresGrad else {
                    throw ExpressionError(message: "requires_grad must be True or False", location: loc)
                }
                outs = try outs.map { try Evaluator.settingRequiresGrad($0, flag) }
            }
            // One result is a tensor (max(x) without dim), unless the op returns a list (split).
            if outs.count == 1 && !spec.outputs.contains(where: { $0.hasSuffix("*") }) { return .tensor(outs[0]) }
            return .results(outs, names: spec.outputs.filter { !$0.hasSuffix("*") }.count == outs.count ? spec.outputs : [])
        } catch let error as TensorError {
            throw EvaluationError(error: error, location: loc, op: name)
        }
    }

    /// PyTorch's `requires_grad_(flag)`: only floating tensors can require grad, and only a
    /// leaf can stop requiring it.
    static func settingRequiresGrad(_ t: Tensor, _ flag: Bool) throws -> Tensor {
        if flag {
            guard t.dtype.isFloating else {
                throw TensorError(.dtype, "only tensors of floating point dtype can require gradients, got \(t.dtype)")
            }
            return t.node == nil ? t.requiringGrad() : t
        }
        if let node = t.node, !node.isLeaf {
            throw TensorError.value("you can only change requires_grad flags of leaf variables")
        }
        return t.detached()
    }

    /// An evaluation value as an op argument.
    func value(_ v: EvalValue, _ loc: SourcePosition) throws -> Value {
        switch v {
        case .tensor(let t): return .tensor(t)
        case .scalar(.int(let i)): return .int(Int(i))
        case .scalar(.float(let d)): return .float(d)
        case .scalar(.bool(let b)): return .bool(b)
        case .string(let s): return .string(s)
        case .dtype(let d): return .string(d.rawValue)
        case .none: return .null
        case .results(let ts, _): return .tensorList(ts)
        case .list(let items), .tuple(let items):
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

/// Where a program's `manual_seed` keeps its generator (a reference, since evaluation is
/// non-mutating).
final class SeededGenerator {
    var generator: Generator?
}

/// An op's own error (shape, dim, dtype, value) raised inside a program, with where.
public struct EvaluationError: Error, CustomStringConvertible {
    public let error: TensorError
    public let location: SourcePosition
    public let op: String
    public var description: String { "\(location): \(op): \(error.message)" }
}
