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
    case op(String)          // + - * / @ ** == != < <= > >= = ( ) [ ] , . 
    case separator           // newline or ;
    case end
}

struct Token {
    let kind: TokenKind
    let location: SourcePosition
}

/// A parse or evaluation error with the place it happened.
public struct ExpressionError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public let location: SourcePosition?
    public var description: String {
        location.map { "\($0): \(message)" } ?? message
    }
}
