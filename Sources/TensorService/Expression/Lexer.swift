/// Splits program text into tokens. Newlines end statements except inside brackets,
/// as in Python.
struct Lexer {
    static func tokenize(_ source: String, maxTokens: Int) throws -> [Token] {
        let chars = Array(source.unicodeScalars)
        var tokens: [Token] = []
        var i = 0, line = 1, lineStart = 0, depth = 0
        func location(_ at: Int) -> SourcePosition { SourcePosition(line: line, column: at - lineStart + 1) }
        func fail(_ m: String, _ at: Int) -> ExpressionError { ExpressionError(message: m, location: location(at)) }

        while i < chars.count {
            guard tokens.count < maxTokens else { throw fail("program has more than \(maxTokens) tokens", i) }
            let c = chars[i]
            let start = i
            switch c {
            case " ", "\t", "\r":
                i += 1
            case "#":
                while i < chars.count && chars[i] != "\n" { i += 1 }
            case "\n":
                if depth == 0 { tokens.append(Token(kind: .separator, location: location(i))) }
                i += 1
                line += 1
                lineStart = i
            case ";":
                tokens.append(Token(kind: .separator, location: location(i)))
                i += 1
            case "0"..."9", ".":
                if c == ".", i + 2 < chars.count, chars[i + 1] == ".", chars[i + 2] == "." {
                    tokens.append(Token(kind: .op("..."), location: location(i)))
                    i += 3
                    continue
                }
                if c == ".", !(i + 1 < chars.count && ("0"..."9").contains(chars[i + 1])) {
                    tokens.append(Token(kind: .op("."), location: location(i)))
                    i += 1
                    continue
                }
                var text = ""
                var isFloat = false
                while i < chars.count, ("0"..."9").contains(chars[i]) || chars[i] == "." || chars[i] == "_" {
                    if chars[i] == "." { isFloat = true }
                    if chars[i] != "_" { text.unicodeScalars.append(chars[i]) }
                    i += 1
                }
                if i < chars.count, chars[i] == "e" || chars[i] == "E" {
                    isFloat = true
                    text.unicodeScalars.append(chars[i]); i += 1
                    if i < chars.count, chars[i] == "+" || chars[i] == "-" { text.unicodeScalars.append(chars[i]); i += 1 }
                    while i < chars.count, ("0"..."9").contains(chars[i]) { text.unicodeScalars.append(chars[i]); i += 1 }
                }
                if isFloat {
                    guard let d = Double(text) else { throw fail("invalid number '\(text)'", start) }
                    tokens.append(Token(kind: .float(d), location: location(start)))
                } else {
                    guard let v = Int64(text) else { throw fail("integer '\(text)' does not fit in int64", start) }
                    tokens.append(Token(kind: .integer(v), location: location(start)))
                }
            case "a"..."z", "A"..."Z", "_":
                if "frFR".unicodeScalars.contains(c), i + 1 < chars.count, chars[i + 1] == "'" || chars[i + 1] == "\"" {
                    // f-strings and raw strings read as plain strings (print's arguments, mostly).
                    i += 1
                    continue
                }
                var text = ""
                while i < chars.count, isIdentifierPart(chars[i]) {
                    text.unicodeScalars.append(chars[i]); i += 1
                }
                tokens.append(Token(kind: .identifier(text), location: location(start)))
            case "'", "\"":
                i += 1
                var text = ""
                while i < chars.count, chars[i] != c {
                    if chars[i] == "\n" { throw fail("unterminated string", start) }
                    if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                    text.unicodeScalars.append(chars[i]); i += 1
                }
                guard i < chars.count else { throw fail("unterminated string", start) }
                i += 1
                tokens.append(Token(kind: .string(text), location: location(start)))
            default:
                if i + 1 < chars.count, let two = twoCharacterOperator(c, chars[i + 1]) {
                    tokens.append(Token(kind: .op(two), location: location(i)))
                    i += 2
                } else if "+-*/%@<>=()[],:".unicodeScalars.contains(c) {
                    if c == "(" || c == "[" { depth += 1 }
                    if c == ")" || c == "]" { depth = max(0, depth - 1) }
                    tokens.append(Token(kind: .op(String(c)), location: location(i)))
                    i += 1
                } else {
                    throw fail("unexpected character '\(c)'", i)
                }
            }
        }
        tokens.append(Token(kind: .end, location: location(i)))
        return tokens
    }

    // The two helpers below are on every character of a program: a Unicode property lookup per character and
    // a list of ten strings built per operator were a third of a one-line program's parse (perf, issue 19).

    /// Letters (any script), digits and `_`; ASCII is decided without the Unicode tables, where it means the same.
    private static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII {
            return ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_"
        }
        return c.properties.isAlphabetic
    }

    private static let twoCharacterOperators: [String] = ["**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/="]

    /// `**`, `//`, `==` … when `c` and `next` spell one.
    private static func twoCharacterOperator(_ c: Unicode.Scalar, _ next: Unicode.Scalar) -> String? {
        guard next == "*" || next == "/" || next == "=" else { return nil }
        let two = String(String.UnicodeScalarView([c, next]))
        return twoCharacterOperators.contains(two) ? two : nil
    }
}
