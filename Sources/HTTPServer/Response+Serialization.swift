/// Writing a response head (RFC 9112 §4 status-line, §5 field lines) into bytes.
extension Response {
    /// How the body that follows the head is delimited (RFC 9112 §6.3).
    enum Framing {
        /// `Content-Length: n` (RFC 9110 §8.6).
        case length(Int)
        /// `Transfer-Encoding: chunked` (§7.1).
        case chunked
        /// Neither header: the body ends when the connection closes (§6.3 ¶8), for streams to HTTP/1.0.
        case untilClose
        /// No content and no length: 1xx, 204, 304 (RFC 9110 §8.6).
        case none
    }

    /// Header names the server sets itself; a handler's values for them are dropped.
    private static let serverOwnedFields = ["Content-Length", "Transfer-Encoding", "Connection", "Date"]

    /// Appends the status line, the handler's fields, `Date`, the framing field and `Connection`,
    /// and the empty line. `connection` is the `Connection` value to send, if any.
    func appendHead(to bytes: inout [UInt8], framing: Framing, connection: String?, date: [UInt8]) {
        bytes.append(contentsOf: Self.statusLinePrefix)
        Self.appendDecimal(status.code, to: &bytes)
        bytes.append(ASCII.space)
        Self.appendSanitized(status.reasonPhrase, to: &bytes)
        for field in headers where !Self.serverOwnedFields.contains(where: { HTTPHeaders.namesEqual($0, field.name) }) {
            bytes.append(contentsOf: Self.crlf)
            Self.appendSanitized(field.name, to: &bytes)
            bytes.append(contentsOf: Self.colonSpace)
            Self.appendSanitized(field.value, to: &bytes)
        }
        bytes.append(contentsOf: Self.dateField)
        bytes.append(contentsOf: date)
        switch framing {
        case .length(let length):
            bytes.append(contentsOf: Self.contentLengthField)
            Self.appendDecimal(length, to: &bytes)
        case .chunked: bytes.append(contentsOf: Self.chunkedField)
        case .untilClose, .none: break
        }
        if let connection {
            bytes.append(contentsOf: Self.connectionField)
            Self.appendSanitized(connection, to: &bytes)
        }
        bytes.append(contentsOf: Self.emptyLine)
    }

    // The fixed parts as byte arrays, so a head is built by copying bytes rather than formatting strings.
    private static let statusLinePrefix = Array("HTTP/1.1 ".utf8)
    private static let crlf = Array("\r\n".utf8)
    private static let colonSpace = Array(": ".utf8)
    private static let dateField = Array("\r\nDate: ".utf8)
    private static let contentLengthField = Array("\r\nContent-Length: ".utf8)
    private static let chunkedField = Array("\r\nTransfer-Encoding: chunked".utf8)
    private static let connectionField = Array("\r\nConnection: ".utf8)
    private static let emptyLine = Array("\r\n\r\n".utf8)

    /// A non-negative integer in decimal, without going through `String`.
    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        guard value >= 0 else { return bytes.append(contentsOf: String(value).utf8) }
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// RFC 9110 §5.5: CR, LF and NUL in a field are dangerous; a value built from user input must not be able to
    /// split the response, so they become spaces.
    private static func appendSanitized(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            let start = bytes.count
            bytes.append(contentsOf: utf8)
            bytes.withUnsafeMutableBufferPointer { buffer in
                for index in start..<buffer.count where buffer[index] == ASCII.cr || buffer[index] == ASCII.lf || buffer[index] == 0 {
                    buffer[index] = ASCII.space
                }
            }
        }
    }
}
