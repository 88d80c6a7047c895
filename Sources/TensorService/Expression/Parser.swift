import TensorEngine

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
        while current.kind == .separator { pos += 1 }
        let statements = try block(column: current.location.column)
        guard current.kind == .end else { throw fail("this line is indented less than the program's first statement") }
        guard !statements.isEmpty else { throw fail("the program is empty") }
        return Program(statements: statements)
    }

    /// Statements that start at `column`, up to the first that starts further left.
    private mutating func block(column: Int) throws -> [Statement] {
        var statements: [Statement] = []
        while true {
            while current.kind == .separator { pos += 1 }
            if current.kind == .end { break }
            // Indentation counts for a statement that starts a line, not one after ';'.
            if pos == 0 || tokens[pos - 1].location.line < current.location.line {
                if current.location.column < column { break }
                guard current.location.column == column else { throw fail("unexpected indent") }
            }
            if let s = try statement() { statements.append(s) }
            // An indented block ends where the next line starts.
            guard current.kind == .separator || current.kind == .end || tokens[pos - 1].kind == .separator else {
                throw fail("expected a new line or ';' after the statement, found \(describe(current))")
            }
        }
        return statements
    }

    /// Python statements the language leaves out, refused by name.
    private static let unsupportedKeywords: Set<String> = [
        "for", "while", "if", "elif", "else", "def", "class", "lambda", "return", "try", "except",
        "finally", "raise", "del", "global", "nonlocal", "assert", "yield", "async", "await", "pass",
        "break", "continue", "from",
    ]

    /// One statement; nil for an accepted `import` line.
    private mutating func statement() throws -> Statement? {
        let start = current
        if case .identifier(let word) = start.kind {
            if word == "import" { try importLine(); return nil }
            if word == "with" { return try withBlock() }
            if ExpressionParser.unsupportedKeywords.contains(word), !isAssignment(at: pos + 1) {
                throw ExpressionError.unsupported("'\(word)' is not supported: a program is straight-line code (assignments, expressions, `with torch.no_grad():`)", start.location)
            }
        }
        let lhs = try expressionList()
        if isOp("=") {
            pos += 1
            let target = try self.target(lhs, start)
            let value = try expressionList()
            if isOp("=") { throw ExpressionError.unsupported("chained assignment is not supported", current.location) }
            return Statement(kind: .assign(target, value), location: start.location)
        }
        if case .op(let o) = current.kind, ["+=", "-=", "*=", "/="].contains(o) {
            pos += 1
            let target = try self.target(lhs, start)
            if case .tuple = target { throw fail("cannot use \(o) on a tuple", start) }
            return Statement(kind: .augmented(target, String(o.dropLast()), try expression()), location: start.location)
        }
        return Statement(kind: .expression(lhs), location: start.location)
    }

    private func isAssignment(at i: Int) -> Bool {
        if case .op(let o) = tokens[i].kind { return ["=", "+=", "-=", "*=", "/="].contains(o) }
        return false
    }

    /// `import torch` and `import torch.nn.functional as F` (what a notebook cell opens with)
    /// are accepted and do nothing; any other import is refused.
    private mutating func importLine() throws {
        let start = advance()
        var words: [String] = []
        while current.kind != .separator && current.kind != .end {
            let t = advance()
            switch t.kind {
            case .identifier(let s): words.append(s)
            case .op(let o): words.append(o)
            default: words.append("?")
            }
        }
        let line = words.joined(separator: " ")
        guard ["torch", "torch . nn . functional as F", "torch . nn . functional"].contains(line) else {
            throw ExpressionError.unsupported("only 'import torch' and 'import torch.nn.functional as F' are supported, not 'import \(line.replacingOccurrences(of: " . ", with: "."))'", start.location)
        }
    }

    /// `with torch.no_grad():` followed by a statement on the same line or an indented block.
    private mutating func withBlock() throws -> Statement {
        let start = advance()
        let context = try expression()
        guard case .call("no_grad", nil, let args, let kwargs, _) = context, args.isEmpty, kwargs.isEmpty else {
            throw ExpressionError.unsupported("only 'with torch.no_grad():' is supported", start.location)
        }
        try expect(":")
        if current.kind != .separator {
            guard let s = try statement() else { throw fail("an import cannot be the body of a with block", start) }
            return Statement(kind: .noGrad([s]), location: start.location)
        }
        while current.kind == .separator { pos += 1 }
        guard current.kind != .end, current.location.column > start.location.column else {
            throw fail("expected an indented block after 'with torch.no_grad():'")
        }
        return Statement(kind: .noGrad(try block(column: current.location.column)), location: start.location)
    }

    /// The left side of `=` as something that can be assigned.
    private func target(_ e: Expr, _ at: Token) throws -> Target {
        switch e {
        case .name(let n, _): return .name(n)
        case .tuple(let items, let loc): return .tuple(try items.map { try target($0, at) }, loc)
        case .index(let base, let index, let loc): return .index(base, index, loc)
        case .attribute(let base, let member, let loc): return .attribute(base, member, loc)
        default: throw fail("cannot assign to this expression", at)
        }
    }

    /// `a, b` (a tuple) or a single expression.
    private mutating func expressionList() throws -> Expr {
        let start = current
        let first = try expression()
        guard isOp(",") else { return first }
        var items = [first]
        while isOp(",") {
            pos += 1
            if isOp("=") || current.kind == .separator || current.kind == .end { break }
            items.append(try expression())
        }
        return .tuple(items, start.location)
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
        while case .op(let o) = current.kind, ["*", "/", "//", "%", "@"].contains(o) {
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
                e = .index(e, try subscriptItems(t), t.location)
            } else {
                return e
            }
        }
    }

    /// The inside of `x[ ... ]`: items separated by commas (a tuple when there are several),
    /// each an expression, a slice `start:stop:step` or `...`.
    private mutating func subscriptItems(_ open: Token) throws -> Expr {
        var items: [Expr] = []
        var trailingComma = false
        while !isOp("]") {
            items.append(try subscriptItem())
            trailingComma = isOp(",")
            if !isOp("]") { try expect(",") }
        }
        pos += 1
        guard !items.isEmpty else { throw fail("expected an index inside '[ ]'", open) }
        return items.count == 1 && !trailingComma ? items[0] : .tuple(items, open.location)
    }

    private mutating func subscriptItem() throws -> Expr {
        let t = current
        if isOp("...") { pos += 1; return .ellipsis(t.location) }
        func part(_ parser: inout ExpressionParser) throws -> Expr? {
            parser.isOp(":") || parser.isOp(",") || parser.isOp("]") ? nil : try parser.expression()
        }
        let start = try part(&self)
        guard isOp(":") else {
            guard let start else { throw fail("expected an index but found \(describe(current))") }
            return start
        }
        pos += 1
        let stop = try part(&self)
        var step: Expr?
        if isOp(":") {
            pos += 1
            step = try part(&self)
        }
        return .slice(start, stop, step, t.location)
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

    /// Namespaces whose members are the language's functions and dtypes: `torch.zeros`,
    /// `F.relu`, `torch.nn.functional.softmax`, `torch.autograd.grad` are `zeros`, `relu` ….
    private static let namespaces: Set<String> = ["torch", "torch.nn", "torch.nn.functional", "torch.autograd", "F", "nn", "nn.functional"]

    private mutating func qualified(_ root: String, _ t: Token) throws -> Expr {
        var path = root
        while true {
            guard isOp(".") else {
                throw ExpressionError.unsupported("'\(path)' is a module; use one of its functions, such as \(path).\(root == "F" ? "relu" : "zeros")(…)", t.location)
            }
            pos += 1
            let m = advance()
            guard case .identifier(let member) = m.kind else { throw fail("expected a name after '.'", m) }
            let full = path + "." + member
            if ExpressionParser.namespaces.contains(full) && !isOp("(") { path = full; continue }
            if isOp("(") {
                let (args, kwargs) = try arguments()
                // torch.autograd.grad returns a tuple, unlike the language's own grad(y, x).
                return .call(path == "torch.autograd" ? "autograd.\(member)" : member, receiver: nil, args, kwargs, m.location)
            }
            if root == "torch", let dtype = ExpressionParser.torchDTypes[member] { return .dtype(dtype) }
            throw ExpressionError.unsupported("'\(full)' is not supported", m.location)
        }
    }

    /// `torch.<name>` dtypes (PyTorch's names; `torch.float` is float32, `torch.double` float64).
    static let torchDTypes: [String: DType] = ["float32": .float32, "float": .float32, "float64": .float64, "double": .float64,
                                               "int64": .int64, "long": .int64, "bool": .bool]

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
            case "torch", "F", "nn": return try qualified(name, t)
            default: break
            }
            if isOp("(") {
                let (args, kwargs) = try arguments()
                return .call(name, receiver: nil, args, kwargs, t.location)
            }
            return .name(name, t.location)
        case .op("("):
            pos += 1
            if isOp(")") { pos += 1; return .tuple([], t.location) }
            let e = try expression()
            guard isOp(",") else {
                try expect(")")
                return e
            }
            var items = [e]
            while isOp(",") {
                pos += 1
                if isOp(")") { break }
                items.append(try expression())
            }
            try expect(")")
            return .tuple(items, t.location)
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
