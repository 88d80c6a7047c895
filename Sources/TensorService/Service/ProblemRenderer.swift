import HTTPServer
import TensorEngine
import TensorWire

/// The one place errors become responses: `application/problem+json` (RFC 9457).
enum ProblemRenderer {
    static let renderer = HTTPErrorRenderer { error in
        render(problem(for: error))
    }

    /// The problem behind an HTTP-layer error: the handler's own `Problem`, or one made
    /// from the server's stable error kind (parser limits, routing, timeouts, 500).
    static func problem(for error: HTTPError) -> Problem {
        if let p = error.underlying as? Problem { return p }
        let code: String = switch error.kind {
        case .headersTooLarge: "header_too_large"
        case .application: "internal_error"
        default: error.kind.rawValue
        }
        return Problem(status: error.status.code, code: code, title: error.status.reasonPhrase, detail: error.message)
    }

    static func render(_ p: Problem) -> Response {
        var w = JSONWriter(capacity: 256 + p.detail.utf8.count * 2)
        write(p, into: &w)
        var headers = p.headers
        headers.add("Content-Type", "application/problem+json")
        return Response(status: p.status, headers: headers, body: w.take())
    }

    /// The problem details object (RFC 9457), as a response body or inside a job's `error`.
    static func write(_ p: Problem, into w: inout JSONWriter) {
        w.beginObject()
        w.key("type"); w.string("/problems/\(p.code)")
        w.key("title"); w.string(p.title)
        w.key("status"); w.int(p.statusCode)
        w.key("detail"); w.string(p.detail)
        w.key("code"); w.string(p.code)
        w.key("errors")
        w.beginArray()
        for e in p.errors {
            w.beginObject()
            w.key("pointer"); w.string(e.pointer)
            w.key("detail"); w.string(e.detail)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }
}
