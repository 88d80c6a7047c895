import CCurl

/// Why a ``TensorClient`` call failed. Every failure is one of these; the client never traps.
///
/// ```swift
/// do {
///     _ = try client.op("matmul", [a, b])
/// } catch let e as TensorClientError {
///     print(e.status ?? 0, e.code, e.detail)   // 422 shape_mismatch "matmul: ..."
/// }
/// ```
public enum TensorClientError: Error, Sendable, CustomStringConvertible {
    /// The server answered with an error status; its RFC 9457 problem details.
    case problem(APIProblem)
    /// No complete HTTP answer: the server could not be reached, the connection broke, or
    /// the request timed out.
    case transport(TransportError)
    /// An answer that does not have the shape the API promises.
    case invalidResponse(String)
    /// A request the client refused to send (a spec that is not JSON, say).
    case invalidRequest(String)

    /// The HTTP status, for ``problem(_:)``.
    public var status: Int? {
        if case .problem(let p) = self { return p.status }
        return nil
    }

    /// The problem's stable `code`, or one of `timeout`, `connection_failed`, `transport_error`,
    /// `invalid_response`, `invalid_request` for failures without an HTTP answer.
    public var code: String {
        switch self {
        case .problem(let p): p.code
        case .transport(let t):
            switch t.kind {
            case .timeout: "timeout"
            case .cannotConnect: "connection_failed"
            case .connectionLost, .other: "transport_error"
            }
        case .invalidResponse: "invalid_response"
        case .invalidRequest: "invalid_request"
        }
    }

    /// What went wrong, for a person.
    public var detail: String {
        switch self {
        case .problem(let p): p.detail
        case .transport(let t): t.message
        case .invalidResponse(let m), .invalidRequest(let m): m
        }
    }

    public var description: String {
        switch self {
        case .problem(let p): "\(p.detail) (\(p.code), HTTP \(p.status))"
        case .transport(let t): "\(t.message) (\(code), curl error \(t.curlCode))"
        case .invalidResponse(let m): "invalid response: \(m)"
        case .invalidRequest(let m): "invalid request: \(m)"
        }
    }
}

/// RFC 9457 problem details as the server sends them (`application/problem+json`).
public struct APIProblem: Sendable, Equatable {
    public struct FieldError: Sendable, Equatable {
        /// An RFC 6901 JSON pointer into the request body.
        public var pointer: String
        public var detail: String
    }

    public var status: Int
    /// The stable snake_case code (`shape_mismatch`, `not_found`, …; openapi.yaml lists them).
    public var code: String
    public var title: String
    public var detail: String
    public var errors: [FieldError]
    /// `Retry-After` in seconds, on 429 and 503.
    public var retryAfter: Int?

    public init(status: Int, code: String, title: String, detail: String, errors: [FieldError] = [], retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.errors = errors
        self.retryAfter = retryAfter
    }
}

/// A libcurl failure: no HTTP answer was read.
public struct TransportError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The connect or total timeout passed (or a stream went silent).
        case timeout
        /// The host could not be resolved or refused the connection: nothing was sent.
        case cannotConnect
        /// The connection broke while sending or receiving.
        case connectionLost
        case other
    }

    public var kind: Kind
    /// libcurl's `CURLcode`.
    public var curlCode: Int
    public var message: String

    public init(kind: Kind, curlCode: Int, message: String) {
        self.kind = kind
        self.curlCode = curlCode
        self.message = message
    }

    init(_ code: CURLcode, _ message: String) {
        let kind: Kind = switch code {
        case CURLE_OPERATION_TIMEDOUT: .timeout
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT: .cannotConnect
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE: .connectionLost
        default: .other
        }
        let text = message.isEmpty ? String(cString: curl_easy_strerror(code)) : message
        self.init(kind: kind, curlCode: Int(code.rawValue), message: text)
    }
}
