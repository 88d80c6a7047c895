import Foundation
import TensorEngine
import TensorWire

/// A client for the Tensord HTTP API, over libcurl.
///
/// ```swift
/// let client = try TensorClient(baseURL: "http://127.0.0.1:8080", token: "s3cret")
/// let a = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
/// let y = try client.matmul(a, a)                              // one op
/// let job = try client.submit(spec)                            // a training job
/// let done = try client.waitForJob(job.id) { print($0.progress.percent) }
/// ```
///
/// **Connections.** A client owns one curl easy handle (freed when the client goes) and so one
/// keep-alive connection, reused by consecutive calls. ``events(_:lastEventID:_:)`` and
/// ``waitForJob(_:onProgress:)`` open a connection of their own for the stream.
///
/// **Threads.** A client is safe to share: its calls are serialised by a lock around the
/// handle, so concurrent calls from several threads wait their turn on the one connection.
/// For requests in parallel, give each thread its own client.
///
/// **Errors.** Every call throws ``TensorClientError``: the server's problem details with their
/// `status`, `code` and `detail`, a transport failure (cannot connect, timeout), or an answer
/// that is not what the API promises. Nothing traps on a curl failure.
public final class TensorClient: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// `http://host:port`, without `/v1`.
        public var baseURL: String
        /// Sent as `Authorization: Bearer <token>` when set.
        public var token: String?
        /// Time allowed to open a connection.
        public var connectTimeout: Duration
        /// Time allowed for a whole request and its response (not for event streams).
        public var timeout: Duration
        /// An event stream that receives nothing, not even a heartbeat, for this long is
        /// treated as broken and reconnected (the server sends a heartbeat every 15 s).
        public var streamIdleTimeout: Duration
        /// Extra attempts of a job submission after a connection failure (same idempotency key).
        public var submitRetries: Int
        /// Wait before the first retry or reconnect; doubled after each consecutive failure.
        public var retryDelay: Duration
        /// Consecutive failed reconnects of an event stream before giving up.
        public var maxReconnects: Int
        /// How tensors travel both ways: `.json` (`data`, readable) or `.b64` (`data_b64`, raw
        /// little-endian bytes: smaller and faster for large tensors). Both are exact.
        public var encoding: TensorEncoding

        public init(baseURL: String = "http://127.0.0.1:8080", token: String? = nil,
                    connectTimeout: Duration = .seconds(5), timeout: Duration = .seconds(120),
                    streamIdleTimeout: Duration = .seconds(45), submitRetries: Int = 3,
                    retryDelay: Duration = .milliseconds(200), maxReconnects: Int = 5, encoding: TensorEncoding = .json) {
            self.baseURL = baseURL
            self.token = token
            self.connectTimeout = connectTimeout
            self.timeout = timeout
            self.streamIdleTimeout = streamIdleTimeout
            self.submitRetries = submitRetries
            self.retryDelay = retryDelay
            self.maxReconnects = maxReconnects
            self.encoding = encoding
        }
    }

    public let configuration: Configuration
    /// Used only under `lock`: that is what makes the client safe to share.
    private let easy: CurlEasy
    private let lock = NSLock()
    static let userAgent = "TensorClient/0.1.0"

    public init(_ configuration: Configuration) throws(TensorClientError) {
        var c = configuration
        while c.baseURL.hasSuffix("/") { c.baseURL.removeLast() }
        self.configuration = c
        do { easy = try CurlEasy() } catch { throw .transport(error) }
    }

    public convenience init(baseURL: String = "http://127.0.0.1:8080", token: String? = nil) throws(TensorClientError) {
        try self.init(Configuration(baseURL: baseURL, token: token))
    }

    // MARK: - Requests

    /// An answer with a success status.
    struct Reply {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }

        func json() throws(TensorClientError) -> JSONValue {
            do { return try JSONParser().parse(body) } catch {
                throw .invalidResponse("the body is not JSON (\(error.message)): \(String(decoding: body.prefix(200), as: UTF8.self))")
            }
        }
    }

    /// One request on the client's connection; an error status becomes ``TensorClientError/problem(_:)``.
    func send(_ method: String, _ path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
              body: [UInt8]? = nil) throws(TensorClientError) -> Reply {
        let request = makeRequest(method, path, query: query, headers: headers, body: body, stream: false)
        var data: [UInt8] = []
        let response: CurlResponse
        do {
            lock.lock()
            defer { lock.unlock() }
            response = try easy.perform(request) { _, chunk in
                data.append(contentsOf: chunk)
                return true
            }
        } catch {
            throw .transport(error)
        }
        let reply = Reply(status: response.status, headers: response.headers, body: data)
        if response.status >= 400 { throw .problem(Self.problem(reply)) }
        return reply
    }

    /// A request as curl will send it. `stream` lifts the total timeout and watches for silence instead.
    func makeRequest(_ method: String, _ path: String, query: [(String, String)], headers extra: [(String, String)],
                     body: [UInt8]?, stream: Bool) -> CurlRequest {
        // A caller's Accept or Content-Type (a binary format) replaces the JSON default.
        let given = Set(extra.map { $0.0.lowercased() })
        var headers: [(String, String)] = given.contains("accept") ? [] : [("Accept", stream ? "text/event-stream" : "application/json")]
        if let token = configuration.token { headers.append(("Authorization", "Bearer \(token)")) }
        if body != nil {
            if !given.contains("content-type") { headers.append(("Content-Type", "application/json")) }
            // The server accepts whole bodies at once; waiting for 100-continue would only add a round trip.
            headers.append(("Expect", ""))
        } else if method == "POST" || method == "PUT" {
            // No body: keep curl from labelling the empty one as a form.
            headers.append(("Content-Type", ""))
        }
        headers += extra
        var url = configuration.baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.percentEncoded($0.0))=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        }
        return CurlRequest(method: method, url: url, headers: headers, body: body ?? [],
                           connectTimeoutMilliseconds: Self.milliseconds(configuration.connectTimeout),
                           timeoutMilliseconds: stream ? 0 : Self.milliseconds(configuration.timeout),
                           lowSpeedSeconds: stream ? max(1, Int(configuration.streamIdleTimeout.components.seconds)) : nil,
                           userAgent: Self.userAgent)
    }

    /// A problem+json body as ``APIProblem``; any other error body becomes one with a code
    /// made from the status, so every error status reads the same way.
    static func problem(_ reply: Reply) -> APIProblem {
        let retryAfter = reply.header("Retry-After").flatMap { Int($0) }
        if let json = try? JSONParser().parse(reply.body), case .object(let o) = json,
           case .string(let code)? = o["code"], case .string(let detail)? = o["detail"] {
            var title = ""
            if case .string(let t)? = o["title"] { title = t }
            var errors: [APIProblem.FieldError] = []
            for e in o["errors"]?.arrayElements ?? [] {
                if case .string(let p)? = e["pointer"], case .string(let d)? = e["detail"] { errors.append(.init(pointer: p, detail: d)) }
            }
            return APIProblem(status: reply.status, code: code, title: title, detail: detail, errors: errors, retryAfter: retryAfter)
        }
        let text = String(decoding: reply.body.prefix(500), as: UTF8.self).trimmingWhitespace()
        return APIProblem(status: reply.status, code: "http_\(reply.status)", title: "HTTP \(reply.status)",
                          detail: text.isEmpty ? "the server answered HTTP \(reply.status)" : text, retryAfter: retryAfter)
    }

    /// A path segment or query component: everything but RFC 3986 unreserved characters escaped.
    static func percentEncoded(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    static func milliseconds(_ d: Duration) -> Int {
        let (s, atto) = d.components
        return Int(s) * 1000 + Int(atto / 1_000_000_000_000_000)
    }

    /// A JSON body written by `body`.
    static func json(_ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var w = JSONWriter()
        body(&w)
        return w.take()
    }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
