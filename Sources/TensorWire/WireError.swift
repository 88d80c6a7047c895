/// A request body that cannot become tensors and arguments: what is wrong, where, and how
/// the HTTP layer should answer (RFC 9457 problem details; codes as in openapi.yaml).
///
/// `pointer` is an RFC 6901 JSON pointer into the request body (`/inputs/1/shape`);
/// syntax errors also carry the byte offset, line and column where parsing stopped.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Not JSON at all: syntax, encoding, nesting depth (400).
        case invalidJSON = "invalid_json"
        /// JSON, but not a tensor: missing or mistyped fields (400), or a well-formed
        /// tensor that is inconsistent: counts, ragged data, unknown dtype, bad base64 (422).
        case invalidTensor = "invalid_tensor"
        /// More elements than the configured limit, refused before allocating (413).
        case tooManyElements = "too_many_elements"
        /// An op argument of a type no parameter can take (422).
        case invalidArgument = "invalid_argument"
        /// A binary file (.npy, safetensors) whose element type Tensord cannot hold exactly:
        /// float16, complex, object, strings, structured records (422).
        case unsupportedDType = "unsupported_dtype"
    }

    /// Where a syntax error was found: 0-based byte offset, 1-based line and column (in bytes).
    public struct Location: Sendable, Equatable {
        public var offset: Int
        public var line: Int
        public var column: Int
    }

    public var code: Code
    /// The HTTP status the error maps to.
    public var status: Int
    public var message: String
    public var pointer: String
    public var location: Location?

    public init(_ code: Code, status: Int, _ message: String, pointer: String, location: Location? = nil) {
        self.code = code
        self.status = status
        self.message = message
        self.pointer = pointer
        self.location = location
    }

    /// A body that is not valid JSON (400).
    static func syntax(_ message: String, pointer: String, location: Location) -> WireError {
        WireError(.invalidJSON, status: 400, "\(message) at line \(location.line), column \(location.column)", pointer: pointer, location: location)
    }

    /// A tensor object lacking the structure of a tensor: missing field, wrong JSON type (400).
    static func structure(_ message: String, at pointer: String) -> WireError {
        WireError(.invalidTensor, status: 400, message, pointer: pointer)
    }

    /// A tensor that is well-formed JSON but inconsistent (422).
    static func tensor(_ message: String, at pointer: String) -> WireError {
        WireError(.invalidTensor, status: 422, message, pointer: pointer)
    }

    public var description: String {
        "\(code.rawValue) at '\(pointer)': \(message)"
    }
}

/// RFC 6901 JSON pointers, built only when an error needs one.
package enum JSONPointer {
    /// `base` extended by one reference token, escaping `~` and `/` (RFC 6901 §3).
    package static func appending(_ base: String, _ token: String) -> String {
        if !token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) {
            return base + "/" + token
        }
        var escaped = ""
        for ch in token {
            switch ch {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.append(ch)
            }
        }
        return base + "/" + escaped
    }

    package static func appending(_ base: String, _ index: Int) -> String { base + "/" + String(index) }
}
