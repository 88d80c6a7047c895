import TensorEngine
import TensorWire

/// The one place where engine, wire and program errors become problems. A route or the job
/// runner says only where its request holds the thing at fault; the status, code and title
/// of each kind of error are decided here.
extension Problem {
    /// `error` as a problem, or nil for an error no client caused (a 500, logged, never sent).
    /// `program` points at the program's text (`/expr`, `/objective/expr`); `locate` turns
    /// the argument an engine error names (if any) into a pointer.
    static func converting(_ error: any Error, program: String = "/expr",
                           locate: (String?) -> String? = { $0.map { "/args/\($0)" } }) -> Problem? {
        switch error {
        case let p as Problem: return p
        case let e as WireError: return from(e)
        case let e as TensorError: return from(e, pointer: locate(e.argument))
        case let e as ExpressionError:
            let (code, title) = switch e.kind {
            case .parse: ("parse_error", "Expression does not parse")
            case .unsupported: ("unsupported", "Construct not supported")
            }
            return Problem(status: 422, code: code, title: title, detail: e.description,
                           errors: [.init(pointer: program, detail: e.description)])
        case let e as EvaluationError:
            let p = from(e.error)
            return Problem(status: p.statusCode, code: p.code, title: p.title, detail: e.description,
                           errors: [.init(pointer: program, detail: e.description)])
        case let e as Evaluation.RequestError:
            let code = switch e.kind {
            case .notFloating: "dtype_mismatch"
            case .seedShape: "shape_mismatch"
            case .unknownName, .needsSeed: "invalid_argument"
            }
            return Problem(status: 422, code: code, title: "Invalid argument", detail: e.message,
                           errors: [.init(pointer: e.pointer, detail: e.message)])
        default: return nil
        }
    }

    /// An op's own error, pointing at the argument at fault when the op named it.
    public static func from(_ e: TensorError, pointer: String? = nil) -> Problem {
        let (status, code, title): (Int, String, String) = switch e.kind {
        case .shape: (422, "shape_mismatch", "Shapes are incompatible")
        case .dim: (422, "invalid_dim", "Invalid dimension")
        case .dtype: (422, "dtype_mismatch", "Unsupported dtype")
        case .value: (422, "invalid_argument", "Invalid argument")
        case .limit: (422, "too_many_elements", "Result too large")
        }
        let at = pointer ?? e.argument.map { "/args/\($0)" }
        return Problem(status: status, code: code, title: title, detail: e.message,
                       errors: at.map { [FieldError(pointer: $0, detail: e.message)] } ?? [])
    }

    /// A request body that is not JSON, not a tensor, or too large.
    public static func from(_ e: WireError) -> Problem {
        let title = switch e.code {
        case .invalidJSON: "Request body is not valid JSON"
        case .invalidTensor: "Invalid tensor"
        case .tooManyElements: "Too many elements"
        case .invalidArgument: "Invalid argument"
        case .unsupportedDType: "Unsupported element type"
        }
        return Problem(status: e.status, code: e.code.rawValue, title: title, detail: e.message,
                       errors: [FieldError(pointer: e.pointer, detail: e.message)])
    }
}
