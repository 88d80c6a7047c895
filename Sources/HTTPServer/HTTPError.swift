/// Every error the server turns into a response: protocol violations found by the parser, routing misses,
/// timeouts, errors thrown by handlers (`kind == .application`, `underlying` set) and unexpected failures (500).
/// All of them reach the client through one place, the `HTTPErrorRenderer`.
public struct HTTPError: HTTPResponseError, CustomStringConvertible {
    /// Stable snake_case codes, suitable for a problem+json `code` member.
    public enum Kind: String, Sendable, CaseIterable {
        case invalidRequestLine = "invalid_request_line"
        case versionNotSupported = "http_version_not_supported"
        case invalidTarget = "invalid_target"
        case invalidHeader = "invalid_header"
        case invalidHost = "invalid_host"
        case invalidContentLength = "invalid_content_length"
        case invalidFraming = "invalid_framing"
        case unsupportedTransferCoding = "unsupported_transfer_coding"
        case invalidChunk = "invalid_chunk"
        case expectationFailed = "expectation_failed"
        case requestLineTooLong = "uri_too_long"
        case headersTooLarge = "headers_too_large"
        case payloadTooLarge = "payload_too_large"
        case requestTimeout = "request_timeout"
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case serviceUnavailable = "service_unavailable"
        case internalError = "internal_error"
        /// A handler threw an `HTTPResponseError`; see `underlying`.
        case application = "application"
    }

    public var kind: Kind
    public var status: HTTPStatus
    public var message: String
    public var headers: HTTPHeaders
    /// The handler's own error when `kind == .application` (or the unexpected error behind a 500).
    public var underlying: (any Error)?

    public init(
        _ kind: Kind, status: HTTPStatus, message: String, headers: HTTPHeaders = [:], underlying: (any Error)? = nil
    ) {
        self.kind = kind
        self.status = status
        self.message = message
        self.headers = headers
        self.underlying = underlying
    }

    /// Wraps an error thrown by a handler: `HTTPError`s pass through, `HTTPResponseError`s keep their status,
    /// anything else becomes an opaque 500 (its details are logged, never sent).
    public init(wrapping error: any Error) {
        switch error {
        case let error as HTTPError:
            self = error
        case let error as any HTTPResponseError:
            self.init(.application, status: error.status, message: error.message, headers: error.headers,
                      underlying: error)
        default:
            self.init(.internalError, status: .internalServerError, message: "The server failed to handle the request.",
                      underlying: error)
        }
    }

    public var description: String { "\(status) (\(kind.rawValue)): \(message)" }

    static func badRequest(_ kind: Kind, _ message: String) -> HTTPError {
        HTTPError(kind, status: .badRequest, message: message)
    }
}
