/// A position in the program text, 1-based, for error messages.
public struct SourcePosition: Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public var description: String { "line \(line), column \(column)" }
}

enum TokenKind: Equatable {
    case identifier(String)
    case integer(Int64)
    case float(Double)
    case string(String)
    case op(String)          // + - * / // % @ ** == != < <= > >= = += -= *= /= ( ) [ ] , . : ...
    case separator           // newline or ;
    case end
}

struct Token {
    let kind: TokenKind
    let location: SourcePosition
}

/// A parse or evaluation error with the place it happened.
public struct ExpressionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `unsupported`: valid Python/PyTorch that the language deliberately leaves out
    /// (loops, `def`, other imports, unknown attributes and functions); `parse`: anything else.
    public enum Kind: Sendable { case parse, unsupported }
    public let message: String
    public let location: SourcePosition?
    public let kind: Kind

    public init(message: String, location: SourcePosition?, kind: Kind = .parse) {
        self.message = message
        self.location = location
        self.kind = kind
    }

    static func unsupported(_ message: String, _ location: SourcePosition?) -> ExpressionError {
        ExpressionError(message: message, location: location, kind: .unsupported)
    }
    public var description: String {
        location.map { "\($0): \(message)" } ?? message
    }
}
