import TensorEngine

/// `POST /v1/eval` in one call: parse, run, pick outputs, differentiate.
public enum Evaluation {
    public struct GradRequest {
        public var of: String
        public var wrt: [String]
        public var seed: Tensor?
        public init(of: String, wrt: [String], seed: Tensor? = nil) {
            self.of = of
            self.wrt = wrt
            self.seed = seed
        }
    }

    /// A request field (`outputs`, `grad.of`, `grad.wrt`, `grad.seed`) that names something
    /// the program does not have, or cannot be differentiated; `pointer` locates the field.
    public struct RequestError: Error, Sendable {
        public enum Kind: Sendable { case unknownName, notFloating, needsSeed, seedShape }
        public let kind: Kind
        public let pointer: String
        public let message: String
    }

    public struct Result {
        /// Requested outputs (all assigned names when none were requested), in request order.
        public var outputs: [(String, EvalValue)]
        public var grads: [(String, Tensor)]
    }

    public static func run(source: String, inputs: [String: Tensor], outputs requested: [String]?,
                           grad: GradRequest?, limits: ExpressionParser.Limits = .init(),
                           check: @escaping (Tensor) throws -> Void = { _ in }) throws -> Result {
        try run(ExpressionParser.parse(source, limits: limits), inputs: inputs, outputs: requested, grad: grad, check: check)
    }

    /// Runs a parsed program (one from `ProgramCache` answers exactly as its source would).
    static func run(_ program: Program, inputs: [String: Tensor], outputs requested: [String]?,
                    grad: GradRequest?, check: @escaping (Tensor) throws -> Void = { _ in }) throws -> Result {
        let differentiates = grad != nil || program.callsGrad
        // A program that changes tensors in place works on copies: inputs may be stored tensors.
        let owned = program.changesTensorsInPlace ? inputs.mapValues { $0.copied() } : inputs
        // Floating inputs become leaves that require grad, so every name can be differentiated.
        let leaves = differentiates ? owned.mapValues { $0.dtype.isFloating ? $0.requiringGrad() : $0 } : owned
        var evaluator = Evaluator(inputs: leaves, check: check)
        try evaluator.run(program)

        let names = requested ?? program.assignedNames
        let outputs = try names.enumerated().map { i, name -> (String, EvalValue) in
            guard let v = evaluator.environment[name] else {
                throw RequestError(kind: .unknownName, pointer: "/outputs/\(i)", message: "output '\(name)' is neither an input nor assigned by the program")
            }
            return (name, v)
        }
        guard let grad else { return Result(outputs: outputs, grads: []) }
        func tensor(_ name: String, _ pointer: String) throws -> Tensor {
            guard case .tensor(let t)? = evaluator.environment[name] else {
                throw RequestError(kind: .unknownName, pointer: pointer, message: "'\(name)' is not a tensor input or a tensor assigned by the program")
            }
            guard t.dtype.isFloating else {
                throw RequestError(kind: .notFloating, pointer: pointer, message: "cannot differentiate '\(name)': it is \(t.dtype), not floating")
            }
            return t
        }
        let of = try tensor(grad.of, "/grad/of")
        let wrt = try grad.wrt.enumerated().map { try tensor($1, "/grad/wrt/\($0)") }
        if let seed = grad.seed, seed.shape != of.shape {
            throw RequestError(kind: .seedShape, pointer: "/grad/seed", message: "grad.seed has shape \(seed.shape) but '\(grad.of)' has shape \(of.shape)")
        }
        if grad.seed == nil && of.count != 1 {
            throw RequestError(kind: .needsSeed, pointer: "/grad/seed", message: "'\(grad.of)' has shape \(of.shape); give grad.seed for a tensor with more than one element")
        }
        let grads: [Tensor]
        if of.node == nil {
            grads = try wrt.map { try zerosLike($0) }
        } else {
            grads = try Autograd.gradients(of: of, wrt: wrt, seed: grad.seed)
        }
        return Result(outputs: outputs, grads: Array(zip(grad.wrt, grads.map { $0.detached() })))
    }
}

extension Program {
    static func callsGrad(_ statements: [Statement]) -> Bool {
        contains(statements) { if case .call(let name, nil, _, _, _) = $0 { name == "grad" || name == "autograd.grad" } else { false } }
    }

    static func changesTensorsInPlace(_ statements: [Statement]) -> Bool {
        func visit(_ s: Statement) -> Bool {
            switch s.kind {
            case .assign(.index, _), .augmented: true
            case .noGrad(let body): body.contains(where: visit)
            case .assign, .expression: false
            }
        }
        return statements.contains(where: visit) || contains(statements) { if case .call(let name, .some, _, _, _) = $0 { name.hasSuffix("_") } else { false } }
    }

    /// Whether any expression in `statements` satisfies `predicate`.
    static func contains(_ statements: [Statement], _ predicate: (Expr) -> Bool) -> Bool {
        func visit(_ e: Expr?) -> Bool {
            guard let e else { return false }
            if predicate(e) { return true }
            switch e {
            case .call(_, let receiver, let args, let kwargs, _):
                return visit(receiver) || args.contains(where: visit) || kwargs.contains { visit($0.1) }
            case .unary(_, let x, _), .attribute(let x, _, _): return visit(x)
            case .binary(_, let a, let b, _), .index(let a, let b, _): return visit(a) || visit(b)
            case .list(let items, _), .tuple(let items, _): return items.contains(where: visit)
            case .slice(let a, let b, let c, _): return visit(a) || visit(b) || visit(c)
            case .name, .integer, .float, .bool, .string, .none, .dtype, .ellipsis: return false
            }
        }
        func target(_ t: Target) -> Bool {
            switch t {
            case .name: false
            case .tuple(let items, _): items.contains(where: target)
            case .index(let a, let b, _): visit(a) || visit(b)
            case .attribute(let a, _, _): visit(a)
            }
        }
        func statement(_ s: Statement) -> Bool {
            switch s.kind {
            case .expression(let e): visit(e)
            case .assign(let t, let e), .augmented(let t, _, let e): target(t) || visit(e)
            case .noGrad(let body): body.contains(where: statement)
            }
        }
        return statements.contains(where: statement)
    }
}
