/// A response: a status, headers, and either the whole body or a stream written in chunks.
///
/// The server owns the framing headers: it adds `Date`, `Content-Length` (or `Transfer-Encoding: chunked` for
/// a stream) and `Connection`, and ignores those names if a handler sets them (except `Connection: close`,
/// which closes the connection after this response).
///
/// ```swift
/// Response(status: .ok, json: #"{"ok":true}"#)
/// Response.stream(headers: ["Content-Type": "text/event-stream"]) { writer in
///     try writer.write("data: hello\n\n")
///     try writer.flush()   // throws once the client has gone, ending the loop
/// }
/// ```
public struct Response: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        /// `prefix`, then `memory` sent from where its owner keeps it: a large body (a tensor's elements behind a
        /// file header) goes out with no copy into an array.
        case borrowed(prefix: [UInt8], memory: BorrowedBytes)
        /// Written with the chunked transfer coding (RFC 9112 §7.1), or until close for an HTTP/1.0 client.
        case stream(@Sendable (ResponseWriter) throws -> Void)
    }

    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: Body

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.init(status: status, headers: headers, body: .bytes(body))
    }

    public init(status: HTTPStatus, headers: HTTPHeaders, body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], text: String) {
        var headers = headers
        if !headers.contains("Content-Type") { headers.add("Content-Type", "text/plain; charset=utf-8") }
        self.init(status: status, headers: headers, body: Array(text.utf8))
    }

    /// An `application/json` response from already-encoded JSON.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], json: some Sequence<UInt8>) {
        var headers = headers
        if !headers.contains("Content-Type") { headers.add("Content-Type", "application/json") }
        self.init(status: status, headers: headers, body: Array(json))
    }

    /// An `application/json` response from a JSON string.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], json: String) {
        self.init(status: status, headers: headers, json: json.utf8)
    }

    /// A streamed response; `write` runs on the connection's thread after the head is sent.
    public static func stream(
        status: HTTPStatus = .ok, headers: HTTPHeaders = [:], _ write: @escaping @Sendable (ResponseWriter) throws -> Void
    ) -> Response {
        Response(status: status, headers: headers, body: .stream(write))
    }

    /// The body bytes (copied out of borrowed memory), or nil for a stream.
    public var bodyBytes: [UInt8]? {
        switch body {
        case .bytes(let bytes): bytes
        case .borrowed(let prefix, let memory): prefix + memory.bytes
        case .stream: nil
        }
    }
}
