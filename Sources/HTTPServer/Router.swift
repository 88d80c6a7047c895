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
        /// Literal children with their segment's bytes: a node has a few, and comparing bytes costs less than
        /// hashing a `String` made of each segment of the path.
        var literals: [(segment: [UInt8], child: Int)] = []
        var parameter: Int?
        /// Routes whose pattern ends here, in the order they were added.
        var routes: [Route] = []

        func literal(_ segment: UnsafeBufferPointer<UInt8>) -> Int? {
            for literal in literals where literal.segment.count == segment.count {
                if literal.segment.withUnsafeBufferPointer({ $0.elementsEqual(segment) }) {
                    return literal.child
                }
            }
            return nil
        }
    }

    private var nodes: [Node] = []
    /// The root node of the patterns with a given number of segments, by that number (nil: none).
    private var roots: [Int?] = []

    public init() {}

    /// Registers `handler` for `method` on `pattern`, which starts with "/" and names each parameter once;
    /// `receiver`, when given, offers each request's body a `BodyReceiver`.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, receiver: Receiver? = nil, _ handler: @escaping Handler) {
        precondition(pattern.hasPrefix("/"), "a route pattern starts with '/': \(pattern)")
        let parts = pattern.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if roots.count <= parts.count { roots += Array(repeating: nil, count: parts.count + 1 - roots.count) }
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
                let segment = Array(part.utf8)
                let existing = segment.withUnsafeBufferPointer { nodes[node].literal($0) }
                let child = existing ?? newNode()
                if existing == nil { nodes[node].literals.append((segment, child)) }
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
        let method = request.method
        var receiver: (any BodyReceiver)?
        _ = try? matches(request) { route, values in
            guard route.method == method else { return false }
            receiver = route.receiver?(request, Self.parameters(route, values))
            return true
        }
        return receiver
    }

    /// The handler for `request` and its path parameters.
    public func route(_ request: Request) throws(HTTPError) -> (Handler, PathParameters) {
        let method = request.method
        var allowed: [HTTPMethod] = []
        var headFallback: (Handler, PathParameters)?
        var found: (Handler, PathParameters)?
        _ = try matches(request) { route, values in
            if route.method == method {
                found = (route.handler, Self.parameters(route, values))
                return true
            }
            if method == .head, route.method == .get, headFallback == nil {
                headFallback = (route.handler, Self.parameters(route, values))
            }
            if !allowed.contains(route.method) { allowed.append(route.method) }
            return false
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

    /// Calls `visit` with each route whose pattern matches the request's path, as `walk` does; the path is read
    /// as bytes (the raw target is ASCII), so no segment becomes a `String` unless it is a parameter's value or
    /// holds an escape.
    private func matches(_ request: Request, _ visit: (Route, [String]) -> Bool) throws(HTTPError) -> Bool {
        var path = request.rawPath.dropFirst()
        let result = path.withUTF8 { path in
            Result { () throws(HTTPError) -> Bool in
                var segments = 1
                for byte in path where byte == UInt8(ascii: "/") { segments += 1 }
                guard segments < roots.count, let root = roots[segments] else { return false }
                var values: [String] = []
                return try walk(root, path, from: 0, &values, visit)
            }
        }
        return try result.get()
    }

    /// Calls `visit` with each route below `node` whose pattern matches the path's segments from `start` on
    /// (this depth's segment first), and its percent-decoded parameter values, literal children first; stops
    /// at the first `true` (and then leaves `values` as the route matched them). A segment is decoded only
    /// where some pattern reaches it, so a bad escape is an error exactly when a route could have matched
    /// through it; a segment without `%` is its own decoding, and is compared as it stands.
    private func walk(_ node: Int, _ path: UnsafeBufferPointer<UInt8>, from start: Int, _ values: inout [String],
                      _ visit: (Route, [String]) -> Bool) throws(HTTPError) -> Bool {
        var end = start
        while end < path.count, path[end] != UInt8(ascii: "/") { end += 1 }
        let part = UnsafeBufferPointer(rebasing: path[start..<end])
        func descend(_ child: Int) throws(HTTPError) -> Bool {
            guard end < path.count else {
                for route in nodes[child].routes where visit(route, values) { return true }
                return false
            }
            return try walk(child, path, from: end + 1, &values, visit)
        }
        let escaped = part.contains(UInt8(ascii: "%"))
        if !nodes[node].literals.isEmpty {
            var decoded = escaped ? try Self.decoded(part) : ""
            let child = escaped ? decoded.withUTF8 { nodes[node].literal($0) } : nodes[node].literal(part)
            if let child, try descend(child) { return true }
        }
        if let child = nodes[node].parameter, !part.isEmpty {
            values.append(escaped ? try Self.decoded(part) : String(decoding: part, as: UTF8.self))
            // Not removed once a route took the values: they are its parameters, and removing one would copy them.
            if try descend(child) { return true }
            values.removeLast()
        }
        return false
    }

    private static func decoded(_ segment: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> String {
        try RequestTarget.percentDecoded(Substring(String(decoding: segment, as: UTF8.self)), plusIsSpace: false)
    }

    private static func parameters(_ route: Route, _ values: [String]) -> PathParameters {
        PathParameters(names: route.parameterNames, values: values)
    }
}
