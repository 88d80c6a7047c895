import TensorEngine

// Functions that are not catalogue ops: `torch.tensor([...])` literals, `grad(y, x)`,
// `torch.autograd.grad(...)`, `len`, `torch.manual_seed(s)`, and `print` (accepted; it shows nothing).
extension Evaluator {
    func function(_ name: String, _ args: [EvalValue], _ kwargs: [String: EvalValue], _ loc: SourcePosition) throws -> EvalValue {
        switch name {
        case "tensor":
            guard args.count == 1, Set(kwargs.keys).isSubset(of: ["dtype", "requires_grad"]) else {
                throw ExpressionError(message: "tensor(data, dtype=None, requires_grad=False) takes one data argument", location: loc)
            }
            var dtype: DType?
            switch kwargs["dtype"] ?? .none {
            case .none: dtype = nil
            case .dtype(let d): dtype = d
            case .string(let s) where DType(name: s) != nil: dtype = DType(name: s)
            case let v: throw ExpressionError(message: "tensor's dtype must be a dtype, got a \(v.kind)", location: loc)
            }
            var t = try literal(args[0], dtype: dtype, loc)
            if case .scalar(.bool(let flag))? = kwargs["requires_grad"] {
                t = try wrapping("tensor", loc) { try Evaluator.settingRequiresGrad(t, flag) }
            } else if let v = kwargs["requires_grad"] {
                throw ExpressionError(message: "requires_grad must be True or False, got a \(v.kind)", location: loc)
            }
            return .tensor(t)
        case "grad":
            return try gradCall(args, kwargs, loc)
        case "autograd.grad":
            return try autogradGrad(args, kwargs, loc)
        case "len":
            guard args.count == 1, kwargs.isEmpty else { throw ExpressionError(message: "len takes one argument", location: loc) }
            if case .tensor(let t) = args[0] {
                guard t.ndim > 0 else { throw ExpressionError(message: "len() of a 0-d tensor", location: loc) }
                return .scalar(.int(Int64(t.shape[0])))
            }
            guard let items = args[0].items else { throw ExpressionError(message: "a \(args[0].kind) has no len()", location: loc) }
            return .scalar(.int(Int64(items.count)))
        case "print":
            // A notebook cell shows values with print; here the request's `outputs` return them.
            return .none
        case "manual_seed":
            return try seedCall(args, kwargs, loc)
        case "no_grad":
            throw ExpressionError.unsupported("torch.no_grad() is supported as 'with torch.no_grad():'", loc)
        default:
            return try callOp(name, args, kwargs, loc)
        }
    }

    /// Seeds the program's generator; the random ops after this statement draw from it.
    private func seedCall(_ positional: [EvalValue], _ keywords: [String: EvalValue], _ loc: SourcePosition) throws -> EvalValue {
        let given = positional.count == 1 && keywords.isEmpty ? positional.first : positional.isEmpty && keywords.count == 1 ? keywords["seed"] : nil
        guard case .scalar(.int(let seed))? = given else {
            throw ExpressionError(message: "manual_seed takes one integer: manual_seed(seed)", location: loc)
        }
        seeded.generator = Generator(seed: UInt64(bitPattern: seed))
        return .none
    }

    /// A tensor from nested lists of numbers, with PyTorch's dtype inference: any float makes
    /// float32 (the default dtype), else any int makes int64, else bool; empty is float32.
    func literal(_ data: EvalValue, dtype: DType?, _ loc: SourcePosition) throws -> Tensor {
        if case .tensor(let t) = data { return try wrapping("tensor", loc) { try t.detached().cast(to: dtype ?? t.dtype).copied() } }
        var shape: [Int] = []
        var probe = data
        while let items = probe.items {
            shape.append(items.count)
            guard let first = items.first else { break }
            probe = first
        }
        var flat: [Scalar] = []
        func visit(_ v: EvalValue, _ level: Int) throws {
            if level < shape.count {
                guard let items = v.items, items.count == shape[level] else {
                    throw ExpressionError(message: "expected a sequence of length \(shape[level]) at dim \(level) (got \(v.items.map { "\($0.count)" } ?? "a \(v.kind)"))", location: loc)
                }
                for item in items { try visit(item, level + 1) }
                return
            }
            switch v {
            case .scalar(let s): flat.append(s)
            case .tensor(let t) where t.count == 1:
                guard case .scalar(let s) = try wrapping("tensor", loc, { try number(t) }) else { return }
                flat.append(s)
            default: throw ExpressionError(message: "a tensor literal holds numbers, found a \(v.kind)", location: loc)
            }
        }
        try visit(data, 0)
        let inferred: DType = flat.contains { $0.category == .floating } || flat.isEmpty ? .float32
            : flat.contains { $0.category == .integer } ? .int64 : .bool
        let t: Tensor
        switch dtype ?? inferred {
        case .float32: t = Tensor(flat.map { Float($0.double) }, shape: shape)
        case .float64: t = Tensor(flat.map(\.double), shape: shape)
        case .int64: t = Tensor(flat.map { s -> Int64 in if case .int(let i) = s { i } else { Int64(fromDouble: s.double) } }, shape: shape)
        case .bool: t = Tensor(flat.map { $0.double != 0 }, shape: shape)
        }
        try check(t)
        return t
    }

    /// The language's `grad(y, x)`: one tensor, recorded so it can be differentiated again.
    private func gradCall(_ positional: [EvalValue], _ keywords: [String: EvalValue], _ loc: SourcePosition) throws -> EvalValue {
        guard positional.count == 2, keywords.isEmpty, case .tensor(let y) = positional[0], case .tensor(let x) = positional[1] else {
            throw ExpressionError(message: "grad takes two tensors: grad(output, input)", location: loc)
        }
        return try wrapping("grad", loc) {
            guard y.node != nil else { return .tensor(try zerosLike(x)) }
            return .tensor(try Autograd.gradients(of: y, wrt: [x], createGraph: true)[0])
        }
    }

    /// `torch.autograd.grad(outputs, inputs, grad_outputs=None, retain_graph=None,
    /// create_graph=False)`: a tuple with one gradient per input.
    private func autogradGrad(_ args: [EvalValue], _ kwargs: [String: EvalValue], _ loc: SourcePosition) throws -> EvalValue {
        let names = ["outputs", "inputs", "grad_outputs", "retain_graph", "create_graph", "allow_unused"]
        guard args.count <= names.count else { throw ExpressionError(message: "torch.autograd.grad takes at most \(names.count) arguments", location: loc) }
        var bound = Dictionary(uniqueKeysWithValues: zip(names, args))
        for (k, v) in kwargs {
            guard names.contains(k), bound[k] == nil else {
                throw ExpressionError(message: "torch.autograd.grad: unexpected or repeated argument '\(k)'", location: loc)
            }
            bound[k] = v
        }
        func tensors(_ key: String) throws -> [Tensor]? {
            switch bound[key] ?? .none {
            case .none: return nil
            case .tensor(let t): return [t]
            case let v:
                guard let items = v.items else { throw ExpressionError(message: "torch.autograd.grad's \(key) must be tensors, got a \(v.kind)", location: loc) }
                return try items.map { try tensorValue($0, "torch.autograd.grad's \(key)", loc) }
            }
        }
        guard let outputs = try tensors("outputs"), outputs.count == 1, let inputs = try tensors("inputs") else {
            throw ExpressionError(message: "torch.autograd.grad(outputs, inputs) needs one output tensor and the input tensors", location: loc)
        }
        let seed = try tensors("grad_outputs")?.first
        var createGraph = false, allowUnused = false
        if case .scalar(.bool(let b))? = bound["create_graph"] { createGraph = b }
        if case .scalar(.bool(let b))? = bound["allow_unused"] { allowUnused = b }
        return try wrapping("torch.autograd.grad", loc) {
            guard outputs[0].node != nil else {
                throw TensorError.value("element 0 of tensors does not require grad and does not have a grad_fn")
            }
            let grads = try Autograd.reached(of: outputs[0], wrt: inputs, seed: seed, createGraph: createGraph)
            if !allowUnused, grads.contains(where: { $0 == nil }) {
                throw TensorError.value("one of the differentiated tensors appears to not have been used in the graph; set allow_unused=True if this is the desired behavior")
            }
            return .tuple(grads.map { g in g.map { .tensor(createGraph ? $0 : $0.detached()) } ?? .none })
        }
    }
}
