import HTTPServer
import TensorEngine
import TensorWire

/// An RFC 9457 problem: every API failure becomes one of these, rendered in one place as
/// `application/problem+json`. `code` is stable and documented in openapi.yaml.
public struct Problem: Error, Sendable, Equatable, HTTPResponseError {
    public struct FieldError: Sendable, Equatable {
        public let pointer: String
        public let detail: String
        public init(pointer: String, detail: String) {
            self.pointer = pointer
            self.detail = detail
        }
    }

    public let statusCode: Int
    public let code: String
    public let title: String
    public let detail: String
    public var errors: [FieldError]
    /// Seconds, for 429/503.
    public var retryAfter: Int?

    public init(status: Int, code: String, title: String, detail: String, errors: [FieldError] = [], retryAfter: Int? = nil) {
        self.statusCode = status
        self.code = code
        self.title = title
        self.detail = detail
        self.errors = errors
        self.retryAfter = retryAfter
    }

    public var status: HTTPStatus { HTTPStatus(code: statusCode) }
    public var message: String { detail }
    public var headers: HTTPHeaders {
        var h: HTTPHeaders = [:]
        if let retryAfter { h.add("Retry-After", String(retryAfter)) }
        if statusCode == 401 { h.add("WWW-Authenticate", "Bearer realm=\"tensord\"") }
        return h
    }

    /// The body is JSON but lacks the request's structure (a missing field, a wrong JSON type).
    public static func badRequest(_ detail: String, pointer: String) -> Problem {
        Problem(status: 400, code: "invalid_request", title: "Request does not have the expected structure", detail: detail,
                errors: [FieldError(pointer: pointer, detail: detail)])
    }
    public static func invalidArgument(_ detail: String, pointer: String) -> Problem {
        Problem(status: 422, code: "invalid_argument", title: "Invalid argument", detail: detail,
                errors: [FieldError(pointer: pointer, detail: detail)])
    }
    public static func notFound(_ detail: String) -> Problem {
        Problem(status: 404, code: "not_found", title: "Not found", detail: detail)
    }
    public static func unknownOp(_ name: String) -> Problem {
        Problem(status: 404, code: "unknown_op", title: "Unknown op", detail: "there is no op named '\(name)'; GET /v1/ops lists them")
    }
    public static func unknownRef(_ name: String, pointer: String) -> Problem {
        let detail = "no tensor named '\(name)' in the store; PUT /v1/tensors/\(name) first"
        return Problem(status: 422, code: "unknown_ref", title: "Unknown tensor reference", detail: detail,
                       errors: [FieldError(pointer: pointer, detail: detail)])
    }
    public static func unsupportedMediaType(_ type: String, accepted: [String] = ["application/json"]) -> Problem {
        Problem(status: 415, code: "unsupported_media_type", title: "Unsupported media type",
                detail: "the body must be \(accepted.joined(separator: " or ")), got '\(type)'")
    }
    public static func queueFull(retryAfter: Int) -> Problem {
        Problem(status: 429, code: "queue_full", title: "Engine queue is full",
                detail: "the compute queue is full; retry after \(retryAfter) s", retryAfter: retryAfter)
    }
    public static let shuttingDown = Problem(status: 503, code: "service_unavailable", title: "Service unavailable",
                                             detail: "the server is shutting down", retryAfter: 1)
    public static let unauthorized = Problem(status: 401, code: "unauthorized", title: "Unauthorized",
                                             detail: "this server needs 'Authorization: Bearer <token>'")
}
