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
        bytes.append(contentsOf: "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n".utf8)
        for field in headers where !Self.serverOwnedFields.contains(where: { HTTPHeaders.namesEqual($0, field.name) }) {
            Self.appendSanitized(field.name, to: &bytes)
            bytes.append(contentsOf: ": ".utf8)
            Self.appendSanitized(field.value, to: &bytes)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        bytes.append(contentsOf: "Date: ".utf8)
        bytes.append(contentsOf: date)
        switch framing {
        case .length(let length): bytes.append(contentsOf: "\r\nContent-Length: \(length)".utf8)
        case .chunked: bytes.append(contentsOf: "\r\nTransfer-Encoding: chunked".utf8)
        case .untilClose, .none: break
        }
        if let connection { bytes.append(contentsOf: "\r\nConnection: \(connection)".utf8) }
        bytes.append(contentsOf: "\r\n\r\n".utf8)
    }

    /// RFC 9110 §5.5: CR, LF and NUL in a field are dangerous; a value built from user input must not be able to
    /// split the response, so they become spaces.
    private static func appendSanitized(_ text: String, to bytes: inout [UInt8]) {
        let isSafe = !text.utf8.contains { $0 == ASCII.cr || $0 == ASCII.lf || $0 == 0 }
        guard !isSafe else {
            bytes.append(contentsOf: text.utf8)
            return
        }
        for byte in text.utf8 {
            bytes.append(byte == ASCII.cr || byte == ASCII.lf || byte == 0 ? ASCII.space : byte)
        }
    }
}
