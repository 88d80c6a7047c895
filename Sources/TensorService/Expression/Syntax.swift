/// The syntax tree of an expression program.
indirect enum Expr {
    case name(String, SourceLocation)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case none
    case list([Expr], SourceLocation)
    case unary(String, Expr, SourceLocation)
    case binary(String, Expr, Expr, SourceLocation)
    /// `f(args, k=v)`; `receiver` is set for method-call sugar `x.f(args)`.
    case call(String, receiver: Expr?, [Expr], [(String, Expr)], SourceLocation)
    case attribute(Expr, String, SourceLocation)
    case index(Expr, Expr, SourceLocation)
}

struct Statement {
    /// The assigned name; nil for a bare expression.
    let target: String?
    let value: Expr
    let location: SourceLocation
}

/// A parsed program: statements run in order.
public struct Program {
    let statements: [Statement]
}
