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
public struct Router: Sendable {
    public typealias Handler = @Sendable (Request, PathParameters) throws -> Response
    /// Offers a `BodyReceiver` for a request whose head has arrived (nil: the body goes into `Request.body`).
    public typealias Receiver = @Sendable (Request, PathParameters) -> (any BodyReceiver)?

    private enum Segment: Equatable {
        case literal(String)
        case parameter(String)
    }

    private struct Route {
        let method: HTTPMethod
        let segments: [Segment]
        let handler: Handler
        let receiver: Receiver?
    }

    /// Kept ordered from most to least specific.
    private var routes: [Route] = []

    public init() {}

    /// Registers `handler` for `method` on `pattern`, which starts with "/" and names each parameter once;
    /// `receiver`, when given, offers each request's body a `BodyReceiver`.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, receiver: Receiver? = nil, _ handler: @escaping Handler) {
        precondition(pattern.hasPrefix("/"), "a route pattern starts with '/': \(pattern)")
        let segments = pattern.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2
                ? Segment.parameter(String(part.dropFirst().dropLast())) : Segment.literal(String(part))
        }
        let route = Route(method: method, segments: segments, handler: handler, receiver: receiver)
        let index = routes.firstIndex { Self.isMoreSpecific(route.segments, than: $0.segments) } ?? routes.endIndex
        routes.insert(route, at: index)
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

    /// The receiver the route of `request` (a head whose body is arriving) offers, if any.
    public func bodyReceiver(for request: Request) -> (any BodyReceiver)? {
        let parts = Self.parts(of: request)
        for route in routes where route.method == request.method {
            guard let parameters = try? Self.match(route.segments, parts) else { continue }
            return route.receiver?(request, parameters)
        }
        return nil
    }

    private static func parts(of request: Request) -> [Substring] {
        request.rawPath.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Substring.init)
    }

    /// The handler for `request` and its path parameters.
    public func route(_ request: Request) throws(HTTPError) -> (Handler, PathParameters) {
        let parts = Self.parts(of: request)
        var allowed: [HTTPMethod] = []
        var headFallback: (Handler, PathParameters)?
        for route in routes {
            guard let parameters = try Self.match(route.segments, parts) else { continue }
            if route.method == request.method { return (route.handler, parameters) }
            if request.method == .head, route.method == .get, headFallback == nil {
                headFallback = (route.handler, parameters)
            }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        if let headFallback { return headFallback }
        guard !allowed.isEmpty else {
            throw HTTPError(.notFound, status: .notFound, message: "no resource at \(request.path)")
        }
        if allowed.contains(.get), !allowed.contains(.head) { allowed.append(.head) }
        throw HTTPError(.methodNotAllowed, status: .methodNotAllowed,
                        message: "\(request.method) is not allowed on \(request.path)",
                        headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")])
    }

    private static func match(_ segments: [Segment], _ parts: [Substring]) throws(HTTPError) -> PathParameters? {
        guard segments.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                // Most segments have no escapes: compare the bytes without building a String.
                if !part.utf8.contains(UInt8(ascii: "%")) {
                    guard ASCII.bytesEqual(part.utf8, literal.utf8) else { return nil }
                } else {
                    guard try RequestTarget.percentDecoded(part, plusIsSpace: false) == literal else { return nil }
                }
            case .parameter(let name):
                guard !part.isEmpty else { return nil }
                parameters[name] = try RequestTarget.percentDecoded(part, plusIsSpace: false)
            }
        }
        return PathParameters(parameters)
    }

    /// At the first position where one has a literal and the other a parameter, the literal is more specific.
    private static func isMoreSpecific(_ a: [Segment], than b: [Segment]) -> Bool {
        for (left, right) in zip(a, b) {
            switch (left, right) {
            case (.literal, .parameter): return true
            case (.parameter, .literal): return false
            case (.literal, .literal), (.parameter, .parameter): continue
            }
        }
        return false
    }
}
