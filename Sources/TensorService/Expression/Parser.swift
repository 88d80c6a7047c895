/// A recursive-descent parser with Python's precedence:
/// comparison < `+ -` < `* / @` < unary `-` < `**` (right-associative) < call, `.`, `[ ]`.
/// Nesting depth is bounded so no program can exhaust the stack.
public struct ExpressionParser {
    public struct Limits: Sendable {
        public var maxSourceBytes = 65_536
        public var maxTokens = 20_000
        public var maxDepth = 64
        public init() {}
    }

    private var tokens: [Token]
    private var pos = 0
    private var depth = 0
    private let limits: Limits

    public static func parse(_ source: String, limits: Limits = Limits()) throws -> Program {
        guard source.utf8.count <= limits.maxSourceBytes else {
            throw ExpressionError(message: "program is \(source.utf8.count) bytes; the limit is \(limits.maxSourceBytes)", location: nil)
        }
        var p = ExpressionParser(tokens: try Lexer.tokenize(source, maxTokens: limits.maxTokens), limits: limits)
        return try p.program()
    }

    private init(tokens: [Token], limits: Limits) {
        self.tokens = tokens
        self.limits = limits
    }

    private var current: Token { tokens[pos] }
    private mutating func advance() -> Token { defer { pos += 1 }; return tokens[pos] }
    private func isOp(_ s: String) -> Bool { current.kind == .op(s) }
    private func fail(_ m: String, _ at: Token? = nil) -> ExpressionError {
        ExpressionError(message: m, location: (at ?? current).location)
    }
    private func describe(_ t: Token) -> String {
        switch t.kind {
        case .identifier(let s): "name '\(s)'"
        case .integer(let v): "number \(v)"
        case .float(let v): "number \(v)"
        case .string: "string"
        case .op(let s): "'\(s)'"
        case .separator: "end of statement"
        case .end: "end of program"
        }
    }
    private mutating func expect(_ s: String) throws {
        guard isOp(s) else { throw fail("expected '\(s)' but found \(describe(current))") }
        pos += 1
    }

    private mutating func program() throws -> Program {
        var statements: [Statement] = []
        while true {
            while current.kind == .separator { pos += 1 }
            if current.kind == .end { break }
            statements.append(try statement())
            guard current.kind == .separator || current.kind == .end else {
                throw fail("expected a new line or ';' after the statement, found \(describe(current))")
            }
        }
        guard !statements.isEmpty else { throw fail("the program is empty") }
        return Program(statements: statements)
    }

    private mutating func statement() throws -> Statement {
        let start = current
        if case .identifier(let name) = current.kind, tokens[pos + 1].kind == .op("=") {
            pos += 2
            return Statement(target: name, value: try expression(), location: start.location)
        }
        return Statement(target: nil, value: try expression(), location: start.location)
    }

    private mutating func nested<T>(_ body: (inout ExpressionParser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= limits.maxDepth else { throw fail("expression is nested more than \(limits.maxDepth) levels deep") }
        return try body(&self)
    }

    mutating func expression() throws -> Expr { try nested { try $0.comparison() } }

    private mutating func comparison() throws -> Expr {
        var lhs = try additive()
        while case .op(let o) = current.kind, ["==", "!=", "<", "<=", ">", ">="].contains(o) {
            let t = advance()
            lhs = .binary(o, lhs, try additive(), t.location)
        }
        return lhs
    }

    private mutating func additive() throws -> Expr {
        var lhs = try multiplicative()
        while case .op(let o) = current.kind, o == "+" || o == "-" {
            let t = advance()
            lhs = .binary(o, lhs, try multiplicative(), t.location)
        }
        return lhs
    }

    private mutating func multiplicative() throws -> Expr {
        var lhs = try unary()
        while case .op(let o) = current.kind, o == "*" || o == "/" || o == "@" {
            let t = advance()
            lhs = .binary(o, lhs, try unary(), t.location)
        }
        return lhs
    }

    private mutating func unary() throws -> Expr {
        if isOp("-") || isOp("+") {
            let t = advance()
            let operand = try nested { try $0.unary() }
            return t.kind == .op("-") ? .unary("-", operand, t.location) : operand
        }
        return try power()
    }

    private mutating func power() throws -> Expr {
        let base = try postfix()
        if isOp("**") {
            let t = advance()
            // Right-associative, and binds tighter than a unary minus on its left: -x**2 = -(x**2).
            return .binary("**", base, try nested { try $0.unary() }, t.location)
        }
        return base
    }

    private mutating func postfix() throws -> Expr {
        var e = try primary()
        while true {
            if isOp(".") {
                pos += 1
                let t = advance()
                guard case .identifier(let member) = t.kind else { throw fail("expected a name after '.'", t) }
                if isOp("(") {
                    let (args, kwargs) = try arguments()
                    e = .call(member, receiver: e, args, kwargs, t.location)
                } else {
                    e = .attribute(e, member, t.location)
                }
            } else if isOp("[") {
                let t = advance()
                let index = try expression()
                try expect("]")
                e = .index(e, index, t.location)
            } else {
                return e
            }
        }
    }

    private mutating func arguments() throws -> ([Expr], [(String, Expr)]) {
        try expect("(")
        var args: [Expr] = []
        var kwargs: [(String, Expr)] = []
        while !isOp(")") {
            if case .identifier(let k) = current.kind, tokens[pos + 1].kind == .op("=") {
                pos += 2
                guard !kwargs.contains(where: { $0.0 == k }) else { throw fail("keyword argument '\(k)' repeated") }
                kwargs.append((k, try expression()))
            } else {
                guard kwargs.isEmpty else { throw fail("positional argument follows keyword argument") }
                args.append(try expression())
            }
            if !isOp(")") { try expect(",") }
        }
        pos += 1
        return (args, kwargs)
    }

    private mutating func primary() throws -> Expr {
        let t = current
        switch t.kind {
        case .integer(let v): pos += 1; return .integer(v)
        case .float(let v): pos += 1; return .float(v)
        case .string(let s): pos += 1; return .string(s)
        case .identifier(let name):
            pos += 1
            switch name {
            case "true", "True": return .bool(true)
            case "false", "False": return .bool(false)
            case "inf": return .float(.infinity)
            case "nan": return .float(.nan)
            case "None", "null": return .none
            default: break
            }
            if isOp("(") {
                let (args, kwargs) = try arguments()
                return .call(name, receiver: nil, args, kwargs, t.location)
            }
            return .name(name, t.location)
        case .op("("):
            pos += 1
            let e = try expression()
            try expect(")")
            return e
        case .op("["):
            pos += 1
            var items: [Expr] = []
            while !isOp("]") {
                items.append(try expression())
                if !isOp("]") { try expect(",") }
            }
            pos += 1
            return .list(items, t.location)
        default:
            throw fail("expected an expression but found \(describe(t))")
        }
    }
}
