/// Maps a method and a path pattern to a handler. Patterns are literal segments and `{name}` parameters:
///
/// ```swift
/// var router = Router()
/// router.post("/v1/jobs") { request, _ in … }
/// router.get("/v1/jobs/{id}") { request, parameters in … parameters["id"]! … }
/// ```
///
/// An unknown path is 404; a known path with another method is 405 with `Allow` (RFC 9110 §15.5.6). A GET
/// route also answers HEAD (RFC 9110 §9.3.2). A literal segment wins over a parameter at the same position,
/// so `/v1/jobs/stats` can sit beside `/v1/jobs/{id}`.
///
/// Patterns are kept as a tree of segments, one tree per segment count, so finding a route costs a lookup per
/// segment of the path, not a comparison with every route (a scan of the table was a tenth of a small op's
/// CPU, issue 19). The tree is walked literal child first, then parameter child, which visits the patterns that
/// match a path from the most to the least specific, and patterns that differ only in their parameters' names in
/// the order they were added.
public struct Router: Sendable {
    public typealias Handler = @Sendable (Request, PathParameters) throws -> Response
    /// Offers a `BodyReceiver` for a request whose head has arrived (nil: the body goes into `Request.body`).
    public typealias Receiver = @Sendable (Request, PathParameters) -> (any BodyReceiver)?

    private struct Route {
        let method: HTTPMethod
        /// The names of the pattern's parameters, in path order.
        let parameterNames: [String]
        let handler: Handler
        let receiver: Receiver?
    }

    /// The patterns that share a prefix of segments. Children are indices into `nodes`.
    private struct Node {
        var literals: [String: Int] = [:]
        var parameter: Int?
        /// Routes whose pattern ends here, in the order they were added.
        var routes: [Route] = []
    }

    private var nodes: [Node] = []
    /// The root node of the patterns with a given number of segments.
    private var roots: [Int: Int] = [:]

    public init() {}

    /// Registers `handler` for `method` on `pattern`, which starts with "/" and names each parameter once;
    /// `receiver`, when given, offers each request's body a `BodyReceiver`.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, receiver: Receiver? = nil, _ handler: @escaping Handler) {
        precondition(pattern.hasPrefix("/"), "a route pattern starts with '/': \(pattern)")
        let parts = pattern.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        var node = roots[parts.count] ?? newNode()
        roots[parts.count] = node
        var names: [String] = []
        for part in parts {
            if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                names.append(String(part.dropFirst().dropLast()))
                let child = nodes[node].parameter ?? newNode()
                nodes[node].parameter = child
                node = child
            } else {
                let child = nodes[node].literals[String(part)] ?? newNode()
                nodes[node].literals[String(part)] = child
                node = child
            }
        }
        nodes[node].routes.append(Route(method: method, parameterNames: names, handler: handler, receiver: receiver))
    }

    private mutating func newNode() -> Int {
        nodes.append(Node())
        return nodes.count - 1
    }

    public mutating func get(_ pattern: String, _ handler: @escaping Handler) { add(.get, pattern, handler) }
    public mutating func post(_ pattern: String, _ handler: @escaping Handler) { add(.post, pattern, handler) }
    public mutating func put(_ pattern: String, _ handler: @escaping Handler) { add(.put, pattern, handler) }
    public mutating func patch(_ pattern: String, _ handler: @escaping Handler) { add(.patch, pattern, handler) }
    public mutating func delete(_ pattern: String, _ handler: @escaping Handler) { add(.delete, pattern, handler) }

    /// Finds the handler and calls it; throws 404 / 405 as `HTTPError`, and whatever the handler throws.
    public func respond(to request: Request) throws -> Response {
        let (handler, parameters) = try route(request)
        return try handler(request, parameters)
    }

    /// The receiver the route of `request` (a head whose body is arriving) offers, if any. A path no route can
    /// take (a bad escape included) has none; routing it answers the error.
    public func bodyReceiver(for request: Request) -> (any BodyReceiver)? {
        let path = request.rawPath.dropFirst()
        guard let root = roots[Self.segmentCount(path)] else { return nil }
        var values: [String] = []
        var receiver: (any BodyReceiver)?
        _ = try? walk(root, path, &values) { route, values in
            guard route.method == request.method else { return false }
            receiver = route.receiver?(request, Self.parameters(route, values))
            return true
        }
        return receiver
    }

    /// The handler for `request` and its path parameters.
    public func route(_ request: Request) throws(HTTPError) -> (Handler, PathParameters) {
        let path = request.rawPath.dropFirst()
        let segments = Self.segmentCount(path)
        var allowed: [HTTPMethod] = []
        var headFallback: (Handler, PathParameters)?
        var found: (Handler, PathParameters)?
        if let root = roots[segments] {
            var values: [String] = []
            _ = try walk(root, path, &values) { route, values in
                if route.method == request.method {
                    found = (route.handler, Self.parameters(route, values))
                    return true
                }
                if request.method == .head, route.method == .get, headFallback == nil {
                    headFallback = (route.handler, Self.parameters(route, values))
                }
                if !allowed.contains(route.method) { allowed.append(route.method) }
                return false
            }
        }
        if let found { return found }
        if let headFallback { return headFallback }
        guard !allowed.isEmpty else {
            throw HTTPError(.notFound, status: .notFound, message: "no resource at \(request.path)")
        }
        if allowed.contains(.get), !allowed.contains(.head) { allowed.append(.head) }
        throw HTTPError(.methodNotAllowed, status: .methodNotAllowed,
                        message: "\(request.method) is not allowed on \(request.path)",
                        headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")])
    }

    /// Calls `visit` with each route below `node` whose pattern matches `rest` (the path's segments from this
    /// depth on) and its percent-decoded parameter values, literal children first; stops at the first `true`.
    /// A segment is decoded only where some pattern reaches it, so a bad escape is an error exactly when a
    /// route could have matched through it.
    private func walk(_ node: Int, _ rest: Substring, _ values: inout [String],
                      _ visit: (Route, [String]) -> Bool) throws(HTTPError) -> Bool {
        let slash = rest.utf8.firstIndex(of: UInt8(ascii: "/"))
        let part = rest[..<(slash ?? rest.endIndex)]
        let next = slash.map { rest[rest.utf8.index(after: $0)...] }
        func descend(_ child: Int) throws(HTTPError) -> Bool {
            guard let next else {
                for route in nodes[child].routes where visit(route, values) { return true }
                return false
            }
            return try walk(child, next, &values, visit)
        }
        if !nodes[node].literals.isEmpty,
           let child = nodes[node].literals[try RequestTarget.percentDecoded(part, plusIsSpace: false)],
           try descend(child) {
            return true
        }
        if let child = nodes[node].parameter, !part.isEmpty {
            values.append(try RequestTarget.percentDecoded(part, plusIsSpace: false))
            defer { values.removeLast() }
            if try descend(child) { return true }
        }
        return false
    }

    private static func segmentCount(_ path: Substring) -> Int {
        path.utf8.reduce(1) { $1 == UInt8(ascii: "/") ? $0 + 1 : $0 }
    }

    private static func parameters(_ route: Route, _ values: [String]) -> PathParameters {
        var parameters: [String: String] = [:]
        for (name, value) in zip(route.parameterNames, values) { parameters[name] = value }
        return PathParameters(parameters)
    }
}
