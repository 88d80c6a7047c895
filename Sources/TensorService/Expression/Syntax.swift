import TensorEngine

/// The syntax tree of an expression program.
indirect enum Expr: Sendable {
    case name(String, SourcePosition)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case none
    /// `torch.float64`, `torch.long` …
    case dtype(DType)
    case list([Expr], SourcePosition)
    /// `(a, b)`, `(a,)`, and the comma-separated index `x[0, 1:]`.
    case tuple([Expr], SourcePosition)
    /// `start:stop:step` inside brackets; each part may be omitted.
    case slice(Expr?, Expr?, Expr?, SourcePosition)
    /// `...` inside brackets.
    case ellipsis(SourcePosition)
    case unary(String, Expr, SourcePosition)
    case binary(String, Expr, Expr, SourcePosition)
    /// `f(args, k=v)`; `receiver` is set for method-call sugar `x.f(args)`.
    case call(String, receiver: Expr?, [Expr], [(String, Expr)], SourcePosition)
    case attribute(Expr, String, SourcePosition)
    case index(Expr, Expr, SourcePosition)
}

/// What an assignment writes to.
indirect enum Target: Sendable {
    case name(String)
    /// `values, indices = x.topk(2)`
    case tuple([Target], SourcePosition)
    /// `x[idx] = v`
    case index(Expr, Expr, SourcePosition)
    /// `w.grad = None`
    case attribute(Expr, String, SourcePosition)

    /// The names this target binds, in order.
    var names: [String] {
        switch self {
        case .name(let n): [n]
        case .tuple(let items, _): items.flatMap(\.names)
        case .index, .attribute: []
        }
    }
}

enum StatementKind: Sendable {
    case expression(Expr)
    case assign(Target, Expr)
    /// `x += v`, `x[idx] -= v`: in place, as in Python on a tensor.
    case augmented(Target, String, Expr)
    /// `with torch.no_grad():` and its block.
    case noGrad([Statement])
}

struct Statement: Sendable {
    let kind: StatementKind
    let location: SourcePosition

    /// The names assigned by this statement (and its block), in order.
    var assignedNames: [String] {
        switch kind {
        case .assign(let t, _), .augmented(let t, _, _): t.names
        case .noGrad(let body): body.flatMap(\.assignedNames)
        case .expression: []
        }
    }
}

/// A parsed program: statements run in order. What evaluation asks of the whole program is
/// found once here, so a cached program (`ProgramCache`) does not walk its tree again per run.
public struct Program: Sendable {
    let statements: [Statement]
    /// Every assigned name, in order of first assignment.
    let assignedNames: [String]
    /// Whether `grad(...)` is called (then floating inputs must be leaves that require grad).
    let callsGrad: Bool
    /// Whether a statement may change a tensor in place (`x[i] = v`, `x += v`, `x.add_(v)`).
    let changesTensorsInPlace: Bool

    init(statements: [Statement]) {
        self.statements = statements
        assignedNames = statements.flatMap(\.assignedNames).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        callsGrad = Program.callsGrad(statements)
        changesTensorsInPlace = Program.changesTensorsInPlace(statements)
    }
}
