import TensorEngine

// Tensor attributes (`x.shape`, `x.T`, `x.grad`) and the methods PyTorch users reach for
// that are not catalogue ops: sizes, casts, `item()`, autograd (`backward`, `detach`,
// `requires_grad_`) and in-place methods (`add_`, `zero_`, `fill_` … any op name + `_`).
extension Evaluator {
    func attribute(_ t: Tensor, _ member: String, _ loc: SourcePosition) throws -> EvalValue {
        switch member {
        case "shape": return Evaluator.ints(t.shape)
        case "ndim": return .scalar(.int(Int64(t.ndim)))
        case "dtype": return .dtype(t.dtype)
        case "T": return .tensor(try wrapping("T", loc) { try t.permuted(Array((0..<t.ndim).reversed())) })
        case "mT": return .tensor(try wrapping("mT", loc) { try t.transposed(-2, -1) })
        case "data": return .tensor(t.detached())
        case "grad": return t.grad.map { .tensor($0) } ?? .none
        case "requires_grad": return .scalar(.bool(t.requiresGrad))
        case "is_leaf": return .scalar(.bool(t.node?.isLeaf ?? true))
        case "device": return .string("cpu")
        default: throw ExpressionError.unsupported("a tensor has no attribute '\(member)' in this language", loc)
        }
    }

    /// `x.grad = None` (PyTorch's way to clear a gradient) and `x.requires_grad = flag`.
    mutating func setAttribute(_ base: Expr, _ member: String, _ value: EvalValue, _ loc: SourcePosition) throws {
        let t = try tensorValue(try evaluate(base), "attribute assignment", loc)
        switch (member, value) {
        case ("grad", .none):
            t.zeroGrad()
        case ("requires_grad", .scalar(.bool(let flag))):
            guard case .name(let n, _) = base else {
                throw ExpressionError.unsupported("requires_grad can be set on a named tensor", loc)
            }
            environment[n] = .tensor(try wrapping("requires_grad", loc) { try Evaluator.settingRequiresGrad(t, flag) })
        default:
            throw ExpressionError.unsupported("assigning a \(value.kind) to a tensor's '\(member)' is not supported (x.grad = None and x.requires_grad = True are)", loc)
        }
    }

    static func ints(_ values: [Int]) -> EvalValue { .tuple(values.map { .scalar(.int(Int64($0))) }) }

    mutating func method(_ name: String, _ t: Tensor, _ receiver: Expr, _ args: [EvalValue], _ kwargs: [String: EvalValue],
                         _ loc: SourcePosition) throws -> EvalValue {
        func noArguments() throws {
            guard args.isEmpty && kwargs.isEmpty else { throw ExpressionError(message: "\(name)() takes no arguments", location: loc) }
        }
        switch name {
        case "size", "stride":
            let values = name == "size" ? t.shape : t.strides
            let dim = args.first ?? kwargs["dim"] ?? .none
            if case .none = dim { return Evaluator.ints(values) }
            guard case .scalar(.int(let d)) = dim else { throw ExpressionError(message: "\(name)(dim) takes an integer dim", location: loc) }
            let k = try wrapping(name, loc) { () throws -> Int in
                guard t.ndim > 0 else { throw TensorError.dim("\(name): dimension specified as \(d) but the tensor has no dimensions") }
                return try Shapes.normalize(Int(d), ndim: t.ndim, op: name)
            }
            return .scalar(.int(Int64(values[k])))
        case "dim", "ndimension":
            try noArguments()
            return .scalar(.int(Int64(t.ndim)))
        case "numel", "nelement":
            try noArguments()
            return .scalar(.int(Int64(t.count)))
        case "element_size":
            try noArguments()
            return .scalar(.int(Int64(t.dtype.byteSize)))
        case "storage_offset":
            try noArguments()
            return .scalar(.int(Int64(t.offset)))
        case "is_contiguous":
            try noArguments()
            return .scalar(.bool(t.isContiguous))
        case "item":
            try noArguments()
            return try wrapping(name, loc) { try number(t) }
        case "tolist":
            try noArguments()
            return try wrapping(name, loc) { try Evaluator.list(t) }
        case "float", "double", "long", "int", "bool":
            try noArguments()
            // PyTorch's .int() is int32; the engine's only integer dtype is int64.
            let target: DType = ["float": .float32, "double": .float64, "long": .int64, "int": .int64, "bool": .bool][name]!
            return .tensor(try wrapping(name, loc) { try t.cast(to: target) })
        case "to", "type":
            return .tensor(try wrapping(name, loc) { try t.cast(to: try conversionTarget(t, args, kwargs, loc)) })
        case "detach":
            try noArguments()
            return .tensor(t.detached())
        case "clone":
            try noArguments()
            return .tensor(t.cloned())
        case "requires_grad_":
            let flag = args.first ?? kwargs["requires_grad"] ?? .scalar(.bool(true))
            guard case .scalar(.bool(let b)) = flag else { throw ExpressionError(message: "requires_grad_ takes True or False", location: loc) }
            let out = try wrapping(name, loc) { try Evaluator.settingRequiresGrad(t, b) }
            if case .name(let n, _) = receiver { environment[n] = .tensor(out) }
            return .tensor(out)
        case "backward":
            try backward(t, args, kwargs, loc)
            return .none
        case "zero_", "fill_", "copy_":
            let value: EvalValue
            if name == "zero_" {
                try noArguments()
                value = .scalar(.int(0))
            } else {
                guard args.count == 1, kwargs.isEmpty else { throw ExpressionError(message: "\(name) takes one value", location: loc) }
                value = args[0]
            }
            try assignIndexed(t, receiver, [], value, loc)
            return current(receiver, t)
        default:
            if name.hasSuffix("_"), name.count > 1, Ops.spec(String(name.dropLast())) != nil {
                // An in-place op: computed out of place (from a clone when autograd records
                // it, so the gradient keeps the old values), then written back.
                let operands = args + Array(kwargs.values)
                let base: Tensor = recordsInPlace(t, operands) ? t.cloned() : t
                let result = try tensorValue(try callOp(String(name.dropLast()), [.tensor(base)] + args, kwargs, loc), name, loc)
                try updateInPlace(t, receiver, with: result, checkingCast: true, loc)
                return current(receiver, t)
            }
            guard Ops.spec(name) != nil else {
                throw ExpressionError.unsupported("a tensor has no method '\(name)' in this language", loc)
            }
            return try callOp(name, [.tensor(t)] + args, kwargs, loc)
        }
    }

    /// The tensor a receiver names after an in-place method (rebound when it gained history).
    private func current(_ receiver: Expr, _ fallback: Tensor) -> EvalValue {
        if case .name(let n, _) = receiver, let v = environment[n] { return v }
        return .tensor(fallback)
    }

    /// `x.to(torch.float64)`, `x.to(dtype=…)`, `x.to(other)` (its dtype), `x.to('cpu')`.
    private func conversionTarget(_ t: Tensor, _ args: [EvalValue], _ kwargs: [String: EvalValue], _ loc: SourcePosition) throws -> DType {
        for v in args + [kwargs["dtype"] ?? .none] {
            switch v {
            case .dtype(let d): return d
            case .tensor(let other): return other.dtype
            case .string(let s) where s == "cpu": continue
            case .string(let s) where DType(name: s) != nil: return DType(name: s)!
            case .none: continue
            default: throw ExpressionError.unsupported("to() takes a dtype, a tensor or 'cpu', got a \(v.kind)", loc)
            }
        }
        return t.dtype
    }

    /// `loss.backward()`, `y.backward(gradient)`: accumulates into the leaves' `.grad`.
    /// The engine keeps every graph, so `retain_graph` is accepted and has nothing to do.
    private func backward(_ t: Tensor, _ args: [EvalValue], _ kwargs: [String: EvalValue], _ loc: SourcePosition) throws {
        if let unknown = kwargs.keys.first(where: { !["gradient", "retain_graph", "create_graph"].contains($0) }) {
            throw ExpressionError.unsupported("backward() has no argument '\(unknown)' here (gradient, retain_graph, create_graph)", loc)
        }
        guard args.count <= 1 else { throw ExpressionError(message: "backward takes at most one positional argument (gradient)", location: loc) }
        var seed: Tensor?
        switch args.first ?? kwargs["gradient"] ?? .none {
        case .none: seed = nil
        case .tensor(let g): seed = g
        case let v: throw ExpressionError(message: "backward's gradient must be a tensor, got a \(v.kind)", location: loc)
        }
        var createGraph = false
        if case .scalar(.bool(let b))? = kwargs["create_graph"] { createGraph = b }
        try wrapping("backward", loc) {
            guard t.node != nil else {
                throw TensorError.value("element 0 of tensors does not require grad and does not have a grad_fn")
            }
            try t.backward(seed: seed, createGraph: createGraph)
        }
    }

    /// `x.tolist()`: nested lists of Python numbers.
    static func list(_ t: Tensor) throws -> EvalValue {
        let flat: [EvalValue] = switch t.dtype {
        case .bool: t.scalars(as: Bool.self).map { .scalar(.bool($0)) }
        case .int64: t.scalars(as: Int64.self).map { .scalar(.int($0)) }
        case .float32, .float64: t.doubles().map { .scalar(.float($0)) }
        }
        func nest(_ level: Int, _ start: Int) -> (EvalValue, Int) {
            guard level < t.ndim else { return (flat[start], 1) }
            var items: [EvalValue] = [], used = 0
            for _ in 0..<t.shape[level] {
                let (v, n) = nest(level + 1, start + used)
                items.append(v)
                used += n
            }
            return (.list(items), used)
        }
        return nest(0, 0).0
    }
}
