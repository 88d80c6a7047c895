/// The Python literals a `.npy` header is written in (`numpy.lib.format` writes
/// `repr(dict)` and reads it back with `ast.literal_eval`): strings, integers, `True`,
/// `False`, `None`, tuples, lists and dicts with string keys. Nesting is bounded so a
/// hostile header cannot recurse deeply.
indirect enum PythonLiteral {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case sequence([PythonLiteral])
    case dict([(String, PythonLiteral)])

    struct SyntaxError: Error {
        let message: String
    }

    static let maxDepth = 16

    /// The one literal `text` holds (surrounding whitespace allowed).
    static func parse(_ text: [UInt8]) throws(SyntaxError) -> PythonLiteral {
        var p = Parser(bytes: text)
        let value = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == text.count else { throw SyntaxError(message: "unexpected text after the literal at byte \(p.i)") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> PythonLiteral {
            guard depth < PythonLiteral.maxDepth else { throw SyntaxError(message: "nested deeper than \(PythonLiteral.maxDepth) levels") }
            skipSpace()
            guard i < bytes.count else { throw SyntaxError(message: "the header ends where a value was expected") }
            switch bytes[i] {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "("): return .sequence(try items(close: UInt8(ascii: ")"), depth: depth))
            case UInt8(ascii: "["): return .sequence(try items(close: UInt8(ascii: "]"), depth: depth))
            case UInt8(ascii: "{"): return try dict(depth: depth)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try integer())
            default:
                for (word, v) in [("True", PythonLiteral.bool(true)), ("False", .bool(false)), ("None", .none)] where matches(word) {
                    i += word.utf8.count
                    return v
                }
                throw SyntaxError(message: "unexpected character '\(Character(Unicode.Scalar(bytes[i])))' at byte \(i)")
            }
        }

        private func matches(_ word: String) -> Bool {
            let w = Array(word.utf8)
            return i + w.count <= bytes.count && Array(bytes[i..<(i + w.count)]) == w
        }

        /// A quoted string without escapes (numpy never writes any in a header).
        private mutating func string() throws(SyntaxError) -> String {
            let quote = bytes[i]
            let start = i + 1
            var j = start
            while j < bytes.count, bytes[j] != quote {
                guard bytes[j] != UInt8(ascii: "\\") else { throw SyntaxError(message: "escapes in header strings are not supported (byte \(j))") }
                j += 1
            }
            guard j < bytes.count else { throw SyntaxError(message: "unterminated string at byte \(i)") }
            i = j + 1
            return String(decoding: bytes[start..<j], as: UTF8.self)
        }

        /// A decimal integer that fits in `Int` (Python 2 files may end it with `L`).
        private mutating func integer() throws(SyntaxError) -> Int {
            let negative = bytes[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            var n = 0
            let start = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int(bytes[i] - 0x30))
                guard !o1, !o2 else { throw SyntaxError(message: "integer at byte \(start) does not fit in 64 bits") }
                n = s
                i += 1
            }
            guard i > start else { throw SyntaxError(message: "expected digits at byte \(start)") }
            if i < bytes.count, bytes[i] == UInt8(ascii: "L") { i += 1 }
            return negative ? -n : n
        }

        private mutating func items(close: UInt8, depth: Int) throws(SyntaxError) -> [PythonLiteral] {
            i += 1
            var out: [PythonLiteral] = []
            while true {
                skipSpace()
                guard i < bytes.count else { throw SyntaxError(message: "the header ends inside a tuple or list") }
                if bytes[i] == close { i += 1; return out }
                out.append(try value(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw SyntaxError(message: "the header ends inside a tuple or list") }
                if bytes[i] == UInt8(ascii: ",") { i += 1 } else if bytes[i] != close {
                    throw SyntaxError(message: "expected ',' at byte \(i)")
                }
            }
        }

        private mutating func dict(depth: Int) throws(SyntaxError) -> PythonLiteral {
            i += 1
            var out: [(String, PythonLiteral)] = []
            while true {
                skipSpace()
                guard i < bytes.count else { throw SyntaxError(message: "the header ends inside the dict") }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .dict(out) }
                guard case .string(let key) = try value(depth: depth + 1) else { throw SyntaxError(message: "dict keys must be strings (byte \(i))") }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw SyntaxError(message: "expected ':' at byte \(i)") }
                i += 1
                let v = try value(depth: depth + 1)
                guard !out.contains(where: { $0.0 == key }) else { throw SyntaxError(message: "key '\(key)' appears twice") }
                out.append((key, v))
                skipSpace()
                guard i < bytes.count else { throw SyntaxError(message: "the header ends inside the dict") }
                if bytes[i] == UInt8(ascii: ",") { i += 1 } else if bytes[i] != UInt8(ascii: "}") {
                    throw SyntaxError(message: "expected ',' at byte \(i)")
                }
            }
        }
    }
}
