import TensorEngine

/// An RFC 9457 problem: every API failure becomes one of these, rendered in one place as
/// `application/problem+json`. `code` is stable and documented in openapi.yaml.
public struct Problem: Error, Sendable, Equatable {
    public struct FieldError: Sendable, Equatable {
        public let pointer: String
        public let detail: String
        public init(pointer: String, detail: String) {
            self.pointer = pointer
            self.detail = detail
        }
    }

    public let status: Int
    public let code: String
    public let title: String
    public let detail: String
    public var errors: [FieldError]
    /// Seconds, for 429/503.
    public var retryAfter: Int?

    public init(status: Int, code: String, title: String, detail: String, errors: [FieldError] = [], retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.errors = errors
        self.retryAfter = retryAfter
    }

    public static func invalidJSON(_ detail: String, pointer: String? = nil) -> Problem {
        Problem(status: 400, code: "invalid_json", title: "Request body is not valid JSON", detail: detail,
                errors: pointer.map { [FieldError(pointer: $0, detail: detail)] } ?? [])
    }
    /// The body is JSON but lacks the request's structure (a missing field, a wrong JSON type).
    public static func badRequest(_ detail: String, pointer: String) -> Problem {
        Problem(status: 400, code: "invalid_request", title: "Request does not have the expected structure", detail: detail,
                errors: [FieldError(pointer: pointer, detail: detail)])
    }
    public static func invalidTensor(_ detail: String, pointer: String) -> Problem {
        Problem(status: 422, code: "invalid_tensor", title: "Invalid tensor", detail: detail, errors: [FieldError(pointer: pointer, detail: detail)])
    }
    public static func notFound(_ detail: String) -> Problem {
        Problem(status: 404, code: "not_found", title: "Not found", detail: detail)
    }
    public static func unknownOp(_ name: String) -> Problem {
        Problem(status: 404, code: "unknown_op", title: "Unknown op", detail: "there is no op named '\(name)'; GET /v1/ops lists them")
    }
    public static func tooManyElements(_ detail: String, pointer: String? = nil) -> Problem {
        Problem(status: 422, code: "too_many_elements", title: "Too many elements", detail: detail,
                errors: pointer.map { [FieldError(pointer: $0, detail: detail)] } ?? [])
    }
    public static func parseError(_ detail: String, pointer: String = "/expr") -> Problem {
        Problem(status: 422, code: "parse_error", title: "Expression does not parse", detail: detail,
                errors: [FieldError(pointer: pointer, detail: detail)])
    }
    public static func queueFull(retryAfter: Int) -> Problem {
        Problem(status: 429, code: "queue_full", title: "Engine queue is full", detail: "the compute queue is full; retry after \(retryAfter) s", retryAfter: retryAfter)
    }
    public static let unauthorized = Problem(status: 401, code: "unauthorized", title: "Unauthorized",
                                             detail: "this server needs 'Authorization: Bearer <token>'")

    /// An op's own error, with a pointer to the argument at fault when the op named it.
    public static func from(_ e: TensorError, pointerPrefix: String = "") -> Problem {
        let (code, title): (String, String) = switch e.kind {
        case .shape: ("shape_mismatch", "Shapes are incompatible")
        case .dim: ("invalid_dim", "Invalid dimension")
        case .dtype: ("dtype_mismatch", "Unsupported dtype")
        case .value: ("invalid_argument", "Invalid argument")
        }
        let errors = e.argument.map { [FieldError(pointer: "\(pointerPrefix)/args/\($0)", detail: e.message)] } ?? []
        return Problem(status: 422, code: code, title: title, detail: e.message, errors: errors)
    }
}
