/// The syntax tree of an expression program.
indirect enum Expr {
    case name(String, SourcePosition)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case none
    case list([Expr], SourcePosition)
    case unary(String, Expr, SourcePosition)
    case binary(String, Expr, Expr, SourcePosition)
    /// `f(args, k=v)`; `receiver` is set for method-call sugar `x.f(args)`.
    case call(String, receiver: Expr?, [Expr], [(String, Expr)], SourcePosition)
    case attribute(Expr, String, SourcePosition)
    case index(Expr, Expr, SourcePosition)
}

struct Statement {
    /// The assigned name; nil for a bare expression.
    let target: String?
    let value: Expr
    let location: SourcePosition
}

/// A parsed program: statements run in order.
public struct Program {
    let statements: [Statement]
}
