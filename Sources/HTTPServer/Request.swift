/// A parsed HTTP/1.1 request with its whole body.
public struct Request: Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as received (RFC 9112 §3.2): origin-, absolute- or asterisk-form.
    public var target: String
    /// The percent-decoded path; "*" for an asterisk-form target.
    public var path: String
    /// The query's `name=value` pairs, percent-decoded (and `+` read as a space), in order.
    public var query: [QueryItem]
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// The body, after chunked decoding; empty when `bodyReceiver` took it.
    public var body: [UInt8]
    /// The route's receiver, when it took the body into memory of its own (`BodyReceiver`).
    public var bodyReceiver: (any BodyReceiver)?
    /// Trailer fields of a chunked body (RFC 9112 §7.1.2), kept apart from `headers` (RFC 9110 §6.5.1).
    public var trailers: HTTPHeaders
    /// The authority of an absolute-form target (RFC 9112 §3.2.2), otherwise the `Host` field.
    public var host: String?

    public init(
        method: HTTPMethod, target: String, path: String? = nil, query: [QueryItem] = [],
        version: HTTPVersion = .http1_1, headers: HTTPHeaders = [:], body: [UInt8] = [],
        trailers: HTTPHeaders = [:], host: String? = nil
    ) {
        self.method = method
        self.target = target
        self.path = path ?? target
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.trailers = trailers
        self.host = host ?? headers["Host"]
    }

    /// The first query value named `name`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// Whether the client wants the connection kept open (RFC 9112 §9.3): HTTP/1.1 persists unless
    /// `Connection: close`; HTTP/1.0 persists only with `Connection: keep-alive`.
    public var wantsKeepAlive: Bool {
        if headers.containsToken("close", in: "Connection") { return false }
        switch version {
        case .http1_1: return true
        case .http1_0: return headers.containsToken("keep-alive", in: "Connection")
        }
    }

    /// The path before percent-decoding, so routing splits on real "/" and not on an encoded "%2F".
    var rawPath: Substring {
        var path = Substring(target)
        if path.utf8.first != UInt8(ascii: "/"), let schemeEnd = path.range(of: "://") {
            path = path[schemeEnd.upperBound...]
            path = path[(path.utf8.firstIndex(of: UInt8(ascii: "/")) ?? path.endIndex)...]
        }
        // Byte searches: the target is ASCII, so byte indices are character indices, and cheaper.
        return path[..<(path.utf8.firstIndex(of: UInt8(ascii: "?")) ?? path.endIndex)]
    }
}
