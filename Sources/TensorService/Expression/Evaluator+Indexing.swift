import TensorEngine

// `x[...]`, `x[...] = v` and in-place updates, with PyTorch's semantics (the engine's
// `Tensor.indexed`, `assignIndexed`, `indexPut`, `updated(with:)`).
extension Evaluator {
    /// The items of a subscript: ints, slices, None, `...`, tensors, lists (advanced indices).
    mutating func indices(_ e: Expr, _ loc: SourcePosition) throws -> [TensorIndex] {
        if case .tuple(let items, _) = e { return try items.map { try indexItem($0, loc) } }
        return [try indexItem(e, loc)]
    }

    private mutating func indexItem(_ e: Expr, _ loc: SourcePosition) throws -> TensorIndex {
        switch e {
        case .ellipsis: return .ellipsis
        case .slice(let start, let stop, let step, _):
            func bound(_ part: Expr?, _ evaluator: inout Evaluator) throws -> Int? {
                guard let part else { return nil }
                switch try evaluator.evaluate(part) {
                case .none: return nil
                case .scalar(.int(let i)): return Int(i)
                case let v: throw ExpressionError(message: "slice indices must be integers or None, got a \(v.kind)", location: loc)
                }
            }
            return .slice(start: try bound(start, &self), stop: try bound(stop, &self), step: try bound(step, &self))
        default:
            switch try evaluate(e) {
            case .none: return .newAxis
            case .scalar(.int(let i)): return .int(Int(i))
            case .scalar(.bool(let b)): return .tensor(Tensor(scalar: b))
            case .tensor(let t): return .tensor(t)
            case let v where v.items != nil: return .tensor(try literal(v, dtype: nil, loc))
            case let v: throw ExpressionError(message: "a tensor cannot be indexed by a \(v.kind)", location: loc)
            }
        }
    }

    /// `t[items]`.
    func index(_ t: Tensor, _ items: [TensorIndex], _ loc: SourcePosition) throws -> Tensor {
        try wrapping("index", loc) {
            let out = try t.indexed(items)
            try check(out)
            return out
        }
    }

    /// `base[items] = value`: written in place; when autograd is involved (grad mode on and
    /// the tensor or the value requires grad) the tensor continues with `index_put`'s history.
    mutating func assignIndexed(_ t: Tensor, _ base: Expr, _ items: [TensorIndex], _ value: EvalValue, _ loc: SourcePosition) throws {
        let v: Tensor
        switch value {
        case .tensor(let x): v = x
        case .scalar(let s): v = Tensor.full(scalar: s, dtype: t.dtype)
        case let l where l.items != nil: v = try literal(l, dtype: t.dtype, loc)
        default: throw ExpressionError(message: "cannot assign a \(value.kind) to a tensor's elements", location: loc)
        }
        try wrapping("index assignment", loc) {
            try t.checkInPlaceAllowed()
            if GradMode.isEnabled && (t.node != nil || v.node != nil) && t.dtype.isFloating {
                let name = try rebindable(base, loc)
                environment[name] = .tensor(try t.updated(with: try t.indexPut(items, v)))
            } else {
                try t.assignIndexed(items, v)
            }
        }
    }

    /// An in-place update of `t` (named by `base`) to `result`, which was computed from a
    /// clone of `t` when autograd is involved. `checkingCast`: PyTorch refuses an arithmetic
    /// in-place op whose result type cannot be cast to the tensor's (int += float).
    mutating func updateInPlace(_ t: Tensor, _ base: Expr, with result: Tensor, checkingCast: Bool, _ loc: SourcePosition) throws {
        try wrapping("in-place update", loc) {
            if checkingCast && result.dtype.category > t.dtype.category {
                throw TensorError.dtype("result type \(result.dtype) cannot be cast to the in-place output type \(t.dtype)")
            }
            try t.checkInPlaceAllowed()
            let involved = GradMode.isEnabled && result.node != nil && t.dtype.isFloating
            let updated = try t.updated(with: result)
            if involved { environment[try rebindable(base, loc)] = .tensor(updated) }
        }
    }

    /// The name a tensor with new history is bound to. A view reached through another
    /// expression cannot carry it (PyTorch rebases the view's base; this language does not).
    private func rebindable(_ base: Expr, _ loc: SourcePosition) throws -> String {
        guard case .name(let n, _) = base else {
            throw ExpressionError.unsupported("an in-place change that autograd records needs a named tensor (write y = x[0].clone(), or assign to x[0, ...] directly)", loc)
        }
        return n
    }

    /// Whether autograd would record an in-place op on `t` with `operands`: then the op
    /// is computed from a clone of `t`, whose values the gradient may need.
    func recordsInPlace(_ t: Tensor, _ operands: [EvalValue]) -> Bool {
        GradMode.isEnabled && t.dtype.isFloating
            && (t.node != nil || operands.contains { if case .tensor(let x) = $0 { x.node != nil } else { false } })
    }

    /// Runs `body`, turning an engine error into an evaluation error at `loc`.
    func wrapping<R>(_ op: String, _ loc: SourcePosition, _ body: () throws -> R) throws -> R {
        do { return try body() } catch let error as TensorError {
            throw EvaluationError(error: error, location: loc, op: op)
        }
    }
}
